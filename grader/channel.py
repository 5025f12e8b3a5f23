"""The call channel: where the grader hands a learner function its arguments and reads back what it returned.

Everything the kernel can write is hostile, and the grader runs as root; so the grader never follows a path the
kernel controls. The channel lives in the session folder (owned by root, mode 0711, bound into the sandbox at
the same path)::

    SESSION/.grader-calls/            root, 0711: the kernel can pass through, not list, create or rename
    SESSION/.grader-calls/<token>/    root, 0755: the call's arguments, written by root, read-only for the kernel
    SESSION/.grader-calls/<token>/out the kernel's user, 0700: where the kernel writes the result

The kernel owns ``out`` but cannot rename or replace it (its parent is root's); whatever it puts inside is
opened relative to a directory descriptor the grader holds, with ``O_NOFOLLOW | O_NONBLOCK``, checked on the
opened file (a regular file, one link, owned by the kernel's user, under a size limit) and read with a size and
time bound, so a link, a FIFO, a folder or a file that keeps growing can neither redirect nor stall the grader.
"""
from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets
import shutil
import stat
import subprocess
import time
from pathlib import Path

CALLS = ".grader-calls"
OUT = "out"
READ_CHUNK = 1 << 20
READ_SECONDS = 30.0  # the longest any one read of a result file may take
REMOVE_SECONDS = 120.0
FLAT_MAX = 64  # entries of a call's out folder removed in-process; more (or a folder) go to rm -rf
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)


class Refused(ValueError):
    """A file in the channel is not what the grader expects (a link, not a regular file, too large, slow)."""


class Channel:
    """The root-owned folder of call folders inside ``session`` (the session folder the sandbox binds back)."""

    def __init__(self, session: Path, uid: int | None):
        self.path = Path(session) / CALLS
        self.uid = uid
        try:
            os.mkdir(self.path, 0o711)
        except FileExistsError:
            pass
        self._fd = os.open(self.path, _DIR_FLAGS)
        info = os.fstat(self._fd)
        if info.st_uid != os.geteuid():
            os.close(self._fd)
            raise Refused(f"{self.path} is not the grader's own folder")
        os.fchmod(self._fd, 0o711)

    def call(self) -> "CallFolder":
        return CallFolder(self)

    @contextlib.contextmanager
    def shared(self):
        """A fresh folder of the grader's (0755) for files the kernel may read; its path; removed afterwards."""
        name = f"shared-{secrets.token_hex(8)}"
        os.mkdir(name, 0o755, dir_fd=self._fd)
        os.chmod(name, 0o755, dir_fd=self._fd)  # whatever the umask; a folder of the grader's, in the grader's
        try:
            yield self.path / name
        finally:
            remove_tree(self.path / name)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class CallFolder:
    """One call: ``write`` arguments (root's, read-only for the kernel), ``open``/``read`` results from ``out``.

    ``path`` and ``out_path`` are the paths the kernel uses; the grader itself only uses its descriptors."""

    def __init__(self, channel: Channel):
        self.name = secrets.token_hex(8)
        self.path = channel.path / self.name
        self.out_path = self.path / OUT
        self._channel = channel
        os.mkdir(self.name, 0o755, dir_fd=channel._fd)
        self._fd = os.open(self.name, _DIR_FLAGS, dir_fd=channel._fd)
        os.fchmod(self._fd, 0o755)
        os.mkdir(OUT, 0o700, dir_fd=self._fd)
        self._out = os.open(OUT, _DIR_FLAGS, dir_fd=self._fd)
        if channel.uid is not None:
            os.fchown(self._out, channel.uid, channel.uid)

    def __enter__(self) -> "CallFolder":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def write(self, name: str, data: bytes) -> None:
        """A new file ``name`` for the kernel to read (never one that exists: ``O_EXCL``)."""
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                     dir_fd=self._fd)
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)

    def open(self, name: str, limit: int) -> io.BufferedReader:
        """The kernel's file ``out/name``, opened without following a link; :class:`Refused` unless it is a
        regular file of at most ``limit`` bytes with one link, owned by the kernel's user."""
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=self._out)
        except OSError as error:
            reason = "is a link, not a plain file" if error.errno == errno.ELOOP else (error.strerror or "unreadable")
            raise Refused(f"{name} {reason}") from None
        try:
            self._check(name, os.fstat(fd), limit)
            os.set_blocking(fd, True)
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "rb")

    def _check(self, name: str, info: os.stat_result, limit: int) -> None:
        if not stat.S_ISREG(info.st_mode):
            raise Refused(f"{name} is not a plain file")
        if info.st_nlink != 1 or (self._channel.uid is not None and info.st_uid != self._channel.uid):
            raise Refused(f"{name} is not a file the notebook wrote")
        if info.st_size > limit:
            raise Refused(f"{name} is larger than {limit // 2**20} MB")

    def read(self, name: str, limit: int) -> bytes:
        """All of ``out/name`` (see :meth:`open`), at most ``limit`` bytes, within ``READ_SECONDS``."""
        with self.open(name, limit) as handle:
            return bounded_read(handle, limit, name=name)

    def remove(self) -> None:
        """Remove the call's folder: in this process when ``out`` holds only files (each unlinked by name relative
        to the folder's descriptor, so a link is removed, never followed), else by :func:`remove_tree`."""
        try:
            gone = self._remove_flat()
        except OSError:
            gone = False
        for fd in (self._out, self._fd):
            if fd >= 0:
                os.close(fd)
        self._out = self._fd = -1
        if not gone:
            remove_tree(self.path)

    def _remove_flat(self) -> bool:
        """True when ``out`` held at most ``FLAT_MAX`` plain entries and the whole call folder is gone."""
        names = os.listdir(self._out)
        if len(names) > FLAT_MAX:
            return False
        for name in names:
            os.unlink(name, dir_fd=self._out)  # IsADirectoryError for a folder: then rm -rf does it all
        os.rmdir(OUT, dir_fd=self._fd)
        for name in os.listdir(self._fd):
            os.unlink(name, dir_fd=self._fd)  # the grader's own argument files
        os.rmdir(self.name, dir_fd=self._channel._fd)
        return True


def bounded_read(handle, limit: int, *, name: str, seconds: float = READ_SECONDS) -> bytes:
    """Up to ``limit`` bytes from ``handle``; :class:`Refused` when there are more or it takes too long."""
    deadline = time.monotonic() + seconds
    parts, size = [], 0
    while True:
        chunk = handle.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise Refused(f"{name} is larger than {limit // 2**20} MB")
        if time.monotonic() > deadline:
            raise Refused(f"{name} took more than {seconds:g} s to read")


def remove_tree(path: Path, *, seconds: float = REMOVE_SECONDS) -> bool:
    """Remove ``path`` and all below it, never following a link, at any depth; True when it is gone.

    GNU ``rm -rf`` walks with directory descriptors (no recursion limit, no link followed); a folder the
    kernel's user closed to itself (mode 000, possible when the kernel runs as the grader's own user) is
    opened up and the removal tried once more."""
    path = Path(path)
    if not os.path.lexists(path):
        return True
    for attempt in range(2):
        try:
            subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return False
        if not os.path.lexists(path):
            return True
        if attempt == 0 and os.path.isdir(path) and not os.path.islink(path):
            subprocess.run(["chmod", "-R", "u+rwx", "--", str(path)], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds, check=False)
    return not os.path.lexists(path)


def private_copy(handle, limit: int, *, suffix: str, name: str) -> Path:
    """Copy an opened result file into a fresh folder only the grader can read; the copy's path (the caller
    removes its folder). For loaders that want a path (Keras): they then never see a path the kernel controls."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="grader-value-"))
    target = folder / f"value{suffix}"
    deadline = time.monotonic() + READ_SECONDS
    with open(target, "xb") as out:
        copied = 0
        while chunk := handle.read(READ_CHUNK):
            copied += len(chunk)
            if copied > limit or time.monotonic() > deadline:
                shutil.rmtree(folder, ignore_errors=True)
                raise Refused(f"{name} is larger than {limit // 2**20} MB or took too long to read")
            out.write(chunk)
    return target
