"""The disk quota of a learner kernel: what its session folder holds, looked at twice a second, and the kernel
stopped when that is too much.

``RLIMIT_FSIZE`` bounds one file; nothing bounded how many. A kernel writing 1 GiB files in a loop (or holding
open files it has deleted, which no folder shows) filled the host's disk: in a class batch every later submission
then failed for the grader's own reasons. The session folder (working copy, HOME and the call channel) is the only
place on the host's disk the kernel can write (``/tmp``, ``/var/tmp`` and ``/dev/shm`` are its own tmpfs, counted
by its memory limit), so a :class:`Watch` measures it from the grader's process with :func:`usage`:

* every entry under it, walked by GNU ``find`` (directory descriptors, no link followed, no depth limit), each
  file's allocated blocks counted once per inode (hard links, sparse files);
* the files on the same file system that the kernel's processes hold open or mapped after deleting them
  (``/proc/PID/fd``, ``/proc/PID/maps``, ``/proc/PID/exe``; each thread's where the main thread has exited). A
  file sent over a socket, kept by a mount in a namespace of the kernel's own, or in a descriptor table a thread
  unshared, which no process's ``/proc`` shows, cannot be had: the kernel's seccomp filter refuses ``sendmsg``,
  ``unshare`` and ``clone`` into new namespaces or a table of its own (:func:`grader.sandbox._refuse_calls`);
* a walk that cannot go on (more than ``Limits.disk_entries`` entries, a folder the grader may not list) counts as
  over the quota: an honest notebook makes neither.

Over the quota, every process of the kernel is killed at once (a cell that is still writing would write on through
an interrupt); the grader reports ``DiskLimit`` for the cell (:data:`grader.kernel.DISK_ENAME`). The files stay
where they are until the session ends and its folder is removed; while the folder is over the quota, every new
kernel in it is stopped the same way.
"""
from __future__ import annotations

import os
import re
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from grader import messages
from grader.results import Text

# How often a kernel's folder is measured: a second of writing is 1-2 GB on an SSD. A look at a folder of 60 files
# costs 2.4 ms of CPU (find 1.7, the grader 0.7; 2026-12-03, 2-core machine): half a percent of a CPU per kernel.
POLL_S = 0.5


@dataclass(frozen=True)
class Usage:
    """What a session folder holds: ``bytes`` allocated on disk, ``entries`` (files, folders, links), and when the
    walk stopped before the end, why: ``"bytes"`` or ``"entries"`` (past the limit), ``"unreadable"`` (a folder
    the grader may not list)."""

    bytes: int
    entries: int
    stopped: str | None = None

    def over(self, disk_bytes: int) -> bool:
        return self.stopped is not None or self.bytes > disk_bytes


def held(found: Usage, limits) -> Text:
    """What ``found`` was over, in both languages ("more than 2048 MB of files"); ``limits``: the kernel's
    :class:`grader.sandbox.Limits`."""
    kind = found.stopped or "bytes"
    return messages.text(f"disk_held_{kind}", mb=limits.disk_bytes // 2**20, n=limits.disk_entries)


def told(key: str, found: Usage, limits, **fields) -> Text:
    """The message ``key`` about a kernel its disk quota stopped: ``reason`` (:func:`held`) and ``mb`` (the
    limit) filled in, with ``fields``."""
    return messages.text(key, reason=held(found, limits), mb=limits.disk_bytes // 2**20, **fields)


def usage(root: Path, *, disk_bytes: int, max_entries: int, pids: Callable[[], set[int]] = set) -> Usage:
    """Measure ``root`` (see the module docstring); the walk stops as soon as ``disk_bytes`` or ``max_entries`` is
    passed. ``pids``: the kernel's processes, whose deleted-but-open files on ``root``'s file system count too.
    A ``root`` that does not exist holds nothing.

    The walk is GNU ``find -P -xdev``'s (as :func:`grader.channel.remove_tree` uses ``rm``): it walks with directory
    descriptors, never follows a link, and has no depth limit (a tree 1,200 folders deep in HOME is an honest
    notebook's right, and would take a descriptor per level in Python). It prints each entry's blocks and inode,
    never its name, so a name can forge nothing."""
    try:
        device = os.stat(root, follow_symlinks=False).st_dev
    except FileNotFoundError:
        return Usage(0, 0)
    walk = _Walk(device, disk_bytes, max_entries)
    with tempfile.TemporaryFile() as errors, subprocess.Popen(
            ["find", "-P", str(root), "-xdev", "-mindepth", "1", "-printf", "%b %D %i\\n"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors) as found:
        try:
            for line in found.stdout:
                walk.line(line)
        except _Stop as stop:
            found.kill()
            return Usage(walk.bytes, walk.entries, str(stop))
        finally:
            found.stdout.close()
        found.wait()
        if _refused(errors):
            return Usage(walk.bytes, walk.entries, "unreadable")
    walk.open_deleted(pids())
    return Usage(walk.bytes, walk.entries)


def _refused(errors) -> bool:
    """Whether find said "Permission denied" (a folder the grader may not list; a vanished file is only a race),
    wherever it said it: at most a line per entry, so the file is bounded by the walk."""
    errors.seek(0)
    tail = b""
    while chunk := errors.read(1 << 20):
        if b"Permission denied" in tail + chunk:
            return True
        tail = chunk[-32:]
    return False


ENTRY = re.compile(rb"(\d+) (\d+) (\d+)\n")


class _Stop(Exception):
    pass


class _Walk:
    def __init__(self, device: int, disk_bytes: int, max_entries: int):
        self.device, self.disk_bytes, self.max_entries = device, disk_bytes, max_entries
        self.bytes = self.entries = 0
        self.seen: set[tuple[int, int]] = set()

    def line(self, line: bytes) -> None:
        """One line of ``find``: an entry's blocks (512 bytes), device and inode."""
        entry = ENTRY.fullmatch(line)
        if entry is None:
            return
        self.entries += 1
        if self.entries > self.max_entries:
            raise _Stop("entries")
        blocks, device, inode = map(int, entry.groups())
        self.add(device, inode, blocks * 512)

    def add(self, device: int, inode: int, size: int) -> None:
        if (device, inode) not in self.seen:
            self.seen.add((device, inode))
            self.bytes += size
        if self.bytes > self.disk_bytes:
            raise _Stop("bytes")

    def open_deleted(self, pids: set[int]) -> None:
        """Count the deleted files on the walked file system that ``pids`` hold open or mapped (a file mapped into
        memory and its descriptor closed is kept by the mapping alone: red team, 2026-12-03, 2.5 GB so)."""
        try:
            for place in (place for pid in pids for place in self._places(pid)):
                for path in (*self._deleted(f"{place}/fd"), *self._mapped_deleted(place), *self._run_deleted(place)):
                    try:
                        info = os.stat(path)
                    except OSError:
                        continue
                    if info.st_dev == self.device and stat.S_ISREG(info.st_mode):
                        self.add(info.st_dev, info.st_ino, info.st_blocks * 512)
        except _Stop:
            return

    @staticmethod
    def _places(pid: int) -> list[str]:
        """Where ``pid``'s open files and mappings show: ``/proc/PID``; or, for a process whose main thread has
        exited while other threads live on (its ``fd`` then refused or empty and its ``maps`` empty, though the
        threads hold its files: red team, 2026-12-04, 2.3 GB so), also ``/proc/TID`` of each of its threads."""
        places = [f"/proc/{pid}"]
        try:
            if os.listdir(f"/proc/{pid}/fd"):   # a live main thread has its standard streams, unless it closed them
                return places
        except FileNotFoundError:   # gone
            return []
        except OSError:
            pass
        try:
            return places + [f"/proc/{tid}" for tid in os.listdir(f"/proc/{pid}/task") if tid != str(pid)]
        except OSError:
            return places

    @staticmethod
    def _deleted(folder: str) -> list[str]:
        """The links in ``folder`` (``/proc/PID/fd``) whose file was deleted."""
        try:
            names = os.listdir(folder)
        except OSError:
            return []
        found = []
        for name in names:
            try:
                if os.readlink(f"{folder}/{name}").endswith(" (deleted)"):
                    found.append(f"{folder}/{name}")
            except OSError:
                continue
        return found

    @staticmethod
    def _run_deleted(place: str) -> list[str]:
        """``PLACE/exe`` when the program the process runs was deleted: a program that unmaps its own file and
        runs on from memory keeps its file by that link alone (red team, 2026-12-04: 60 such processes held 2.4 GB
        past a 64 MiB quota)."""
        try:
            return [f"{place}/exe"] if os.readlink(f"{place}/exe").endswith(" (deleted)") else []
        except OSError:
            return []

    @staticmethod
    def _mapped_deleted(place: str) -> list[str]:
        """``PLACE/map_files`` links of the mappings whose file was deleted (read from ``PLACE/maps``, ``PLACE`` a
        ``/proc/PID``: a kernel with TensorFlow has thousands of mappings, a handful deleted)."""
        try:
            with open(f"{place}/maps", "rb") as maps:
                lines = [line for line in maps if line.endswith(b" (deleted)\n")]
        except OSError:
            return []
        return sorted({f"{place}/map_files/{line.split(b' ', 1)[0].decode('ascii', 'replace')}" for line in lines})


class Watch:
    """A thread that measures ``root`` every :data:`POLL_S` seconds and, the first time it is over ``disk_bytes``
    (:meth:`Usage.over`), calls ``stop()`` once and ends; ``found`` is then that :class:`Usage`. :meth:`close`
    ends it."""

    def __init__(self, root: Path, *, disk_bytes: int, max_entries: int, pids: Callable[[], set[int]],
                 stop: Callable[[], None]):
        self.root, self.disk_bytes, self.max_entries, self.pids, self.stop = root, disk_bytes, max_entries, pids, stop
        self.found: Usage | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="grader-disk-quota", daemon=True)
        self._thread.start()

    def check(self) -> Usage | None:
        """Measure now (also what the thread does); the :class:`Usage` when it is over the quota, after ``stop()``."""
        with self._lock:
            if self.found is None:
                measured = usage(self.root, disk_bytes=self.disk_bytes, max_entries=self.max_entries, pids=self.pids)
                if measured.over(self.disk_bytes):
                    self.found = measured
                    self.stop()
            return self.found

    def _run(self) -> None:
        while self.found is None and not self._closed.wait(POLL_S):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - a failed measurement is retried at the next poll
                continue

    def close(self) -> None:
        self._closed.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
