"""The learner's kernel sandbox: the limits, and the launcher that applies them before the kernel starts.

The grader starts every learner kernel as ``python -I -S .../grader/sandbox.py CONFIG -- python -c KERNEL_MAIN ...``
(:func:`launcher_argv`, :data:`grader.kernel.KERNEL_MAIN`).
The launcher, still running as the grader's user, in this order:

1. joins the kernel's own cgroups (memory, process count, CPU weight and time; created by :class:`Cgroup`), so
   the kernel and everything it starts are counted together and can be killed together;
2. enters new mount, network, PID and IPC namespaces (as root directly; otherwise through a user namespace),
   so the kernel has no network but loopback-less nothing, sees only its own processes, and when its first
   process dies every process it started dies with it;
3. builds the kernel's file system as an allow-list: a fresh tmpfs root into which only Python and its packages
   (the grader package alone, never the repository around it, its hidden checks under an empty folder), the
   system folders (``/usr``, ``/lib*``, ``/bin``, ``/sbin``, ``/sys``), a few files of ``/etc``, a minimal ``/dev``
   (NVIDIA's devices too when a GPU is used) and the session folder (working copy and HOME, the only writable
   place) are bound, with private size-capped tmpfs on ``/tmp``, ``/var/tmp`` and ``/dev/shm`` and a fresh
   ``/proc``; then ``pivot_root`` into it and the host's root detached, so nothing else of the host (another
   checkout, a dataset copy, a batch's submissions or output folder) exists for the kernel. Where a step of it
   is refused, the host's view read-only with the hidden folders covered (recorded as ``allow_list_refused``);
4. sets the resource limits (address space, CPU seconds, processes, file size, open files, no core files) and a
   seccomp filter under which ``fallocate`` fails, no open file can be sent over a socket, and no namespace or
   thread's descriptor table of the kernel's own can be made (:func:`_refuse_calls`; the disk quota,
   :mod:`grader.quota`, then sees every block the kernel gets, as it writes it);
5. when it runs as root, becomes a user id of its own (no other process has it: ``RLIMIT_NPROC`` counts
   only this kernel, and the kernel cannot signal, trace or write anything of the grader's);
6. points stdin/stdout/stderr at ``/dev/null`` (the kernel talks to the grader only over its sockets), writes
   what it applied to a report file the kernel cannot change, and executes the kernel.

Each step that the platform refuses is skipped and recorded in the report (``network: open`` and so on), so
a result always says which protections it ran under. This module imports nothing heavy: it runs once per
kernel start.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

MiB, GiB = 2**20, 2**30

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")
UID_BASE = 2**21  # kernel user ids: UID_BASE + grader pid * 64 + a counter; no account uses this range


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 16 * GiB


@dataclass(frozen=True)
class Limits:
    """What one learner kernel may use. Defaults are chosen so that TensorFlow trains on CPU or a GPU."""

    memory_bytes: int = 4 * GiB                  # cgroup: resident memory + page cache + tmpfs, whole kernel
    address_space_bytes: int = min(16 * GiB, _physical_memory() // 2)  # RLIMIT_AS per process (not with a GPU)
    cpu_seconds: int = 3600                      # RLIMIT_CPU per process, all its threads together
    processes: int = 512                         # cgroup pids.max and RLIMIT_NPROC; threads count too
    file_bytes: int = 1 * GiB                    # RLIMIT_FSIZE: largest file the kernel may write
    open_files: int = 1024                       # RLIMIT_NOFILE
    tmp_bytes: int = 256 * MiB                   # size of each private tmpfs (/tmp, /var/tmp, /dev/shm)
    disk_bytes: int = 2 * GiB                    # what the session folder may hold on disk (grader.quota)
    disk_entries: int = 20_000                   # files and folders it may hold (a walk of 100,000 nested: 2 CPU-s)
    cell_output_bytes: int = 1 * MiB             # output kept per cell; the rest is dropped and noted
    notebook_output_bytes: int = 8 * MiB         # output kept for the whole notebook
    message_bytes: int = 32 * MiB                # largest single message the grader accepts from the kernel

    def rlimits(self, *, gpu: bool) -> dict[str, int]:
        """The setrlimit values; the address space is left unlimited when a GPU is visible (CUDA reserves
        tens of GiB of address space it never touches), the cgroup memory limit still holds."""
        return {"RLIMIT_AS": -1 if gpu else self.address_space_bytes, "RLIMIT_CPU": self.cpu_seconds,
                "RLIMIT_NPROC": self.processes, "RLIMIT_FSIZE": self.file_bytes,
                "RLIMIT_NOFILE": self.open_files, "RLIMIT_CORE": 0}


def kernel_uid(counter: int) -> int | None:
    """A user id no other process has, for one kernel of this grader process; None when not root."""
    if os.geteuid() != 0:
        return None
    return UID_BASE + (os.getpid() % 2**22) * 64 + counter % 64


def gpu_visible(env: dict[str, str]) -> bool:
    visible = env.get("CUDA_VISIBLE_DEVICES")
    return visible not in ("", "-1") and any(Path("/dev").glob("nvidia[0-9]*"))


# Public grader modules that hold the grader's own answers to learner functions: day97's scaling (mnist), day98's
# image preparation, preprocessing and end-to-end model (transfer). The public checks need them on a learner's
# machine; a graded kernel never imports them (check() does nothing there), and one that could would hand a
# learner the answer (``from grader.transfer import reference_prepare``).
ANSWER_MODULES = ("mnist", "transfer")


def hidden_paths(env: dict[str, str]) -> list[str]:
    """What the learner's kernel must not read: hidden checks, solutions, datasets (test labels), git history, the
    repository's tests and benchmarks, and the ``ANSWER_MODULES`` of the grader package (their source, and the
    package's ``__pycache__``, so the kernel compiles the grader modules it imports from their source)."""
    from grader.exercise import ROOT, hidden_dir  # imported here: the launcher itself needs none of it

    package = Path(__file__).parent
    paths = [hidden_dir(), package / "hidden", ROOT / "solutions", ROOT / "datasets", ROOT / ".git",
             ROOT / "tests", ROOT / "benchmarks"]  # the last two: planted samples, in a view that is not an allow-list
    paths += [package / f"{module}.py" for module in ANSWER_MODULES]
    # and the package's compiled copies, all of them: the grader compiles the answer modules when it first imports
    # them, which may be after a kernel started (the folder is covered, not its files, so a later file stays unseen)
    with contextlib.suppress(OSError):
        (package / "__pycache__").mkdir(exist_ok=True)
    paths.append(package / "__pycache__")
    paths += [Path(os.environ[name]) for name in ("CNN_DATASETS", "GRADER_DATASETS", "GRADER_HIDDEN_DIR")
              if os.environ.get(name)]
    paths += [Path(env[name]) for name in ("CNN_DATASETS", "GRADER_DATASETS") if env.get(name)]
    return sorted({str(p.resolve()) for p in paths if p.exists()})


# ---------------------------------------------------------------- cgroups (created and removed by the grader)

class Cgroup:
    """The kernel's own cgroups: a memory limit and a process limit that also bind root, a kill switch, and a CPU
    counter that keeps the time of processes that have exited (:meth:`cpu_s`)."""

    def __init__(self, name: str, limits: Limits):
        self.dirs: list[Path] = []
        self.applied: dict[str, int] = {}
        self._present: dict[str, list[Path]] = {}
        for controller, settings in _cgroup_settings(limits).items():
            folder = _cgroup_base(controller)
            if folder is None:
                continue
            try:
                (folder / name).mkdir(exist_ok=True)
                for file, value in settings.items():
                    if (folder / name / file).exists():
                        (folder / name / file).write_text(str(value))
                        self.applied[file] = value
                self.dirs.append(folder / name)
            except OSError:
                _rmdir(folder / name)

    @property
    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> set[int]:
        found = set()
        for folder in self.dirs:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                continue
        return found

    def cpu_s(self) -> float | None:
        """CPU seconds (user and system) used by every process that has been in the cgroups, those that exited
        included: cgroup v1 ``cpuacct.usage`` (nanoseconds), or v2 ``cpu.stat``'s ``usage_usec``. None when no
        folder counts (no writable ``cpuacct`` controller, no cgroups)."""
        counted = [n / 1e9 for n in map(_read_int, self._files("cpuacct.usage")) if n is not None]
        counted += [n / 1e6 for n in (_counters(f).get("usage_usec") for f in self._files("cpu.stat")) if n is not None]
        return max(counted) if counted else None

    def _files(self, name: str) -> list[Path]:
        """The cgroup files called ``name`` in the kernel's folders, looked for once (a controller's files do not
        come or go): the counters are read before and after every cell and call, each folder's own only."""
        if name not in self._present:
            self._present[name] = [d / name for d in dict.fromkeys(self.dirs) if (d / name).exists()]
        return self._present[name]

    def memory_exhausted(self) -> bool:
        """True when the kernel's own memory (anonymous pages: its arrays and objects, not the file cache) fills
        at least ``EXHAUSTED`` of its memory limit. At the limit Linux reclaims file pages, the kernel's code
        included, over and over before it kills anything: a cell hoarding memory is killed at once or spends its
        whole time limit so, by chance. False without a memory cgroup."""
        limit = self.applied.get("memory.limit_in_bytes") or self.applied.get("memory.max")
        used = [n for n in (_counters(d / "memory.stat").get(key) for d in self.dirs for key in ("total_rss", "anon"))
                if n is not None]
        return bool(limit and used and max(used) >= EXHAUSTED * limit)

    def memory_events(self) -> tuple[int, int]:
        """(times the kernel's memory reached its limit, processes its limit killed), counted since the cgroup was
        made: cgroup v1 ``memory.failcnt`` and ``memory.oom_control``'s ``oom_kill`` (Linux 4.13 and later), or
        v2 ``memory.events``' ``max`` and ``oom_kill``; (0, 0) where nothing counts. An OOM kill without the limit
        reached was the machine's, not the limit's (an out-of-memory host can pick the kernel)."""
        events = [_counters(file) for file in self._files("memory.events")]
        hits = [0, *(e.get("max", 0) for e in events), *(_read_int(f) or 0 for f in self._files("memory.failcnt"))]
        kills = [0, *(e.get("oom_kill", 0) for e in events),
                 *(_counters(f).get("oom_kill", 0) for f in self._files("memory.oom_control"))]
        return max(hits), max(kills)

    def kill_all(self) -> None:
        """SIGKILL every process in the cgroups until none is left."""
        kill_until_gone(self.pids)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.dirs:
            _rmdir(folder)
        self.dirs = []


def _parents() -> dict[int, int]:
    """Every visible process that has not exited (zombies are left out) and its parent, read from ``/proc``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if state != "Z":
                found[int(entry.name)] = int(parent)
    return found


def descendants(pid: int, *, depth: int | None = None) -> set[int]:
    """The processes started by ``pid``, its children's children and so on (``depth=1``: children only)."""
    parents = _parents()
    found, frontier, level = set(), {pid}, 0
    while frontier and (depth is None or level < depth):
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
        level += 1
    return found


def kill_until_gone(find) -> set[int]:
    """SIGKILL the processes ``find()`` names until it names none (a fork bomb keeps forking meanwhile);
    the processes killed."""
    killed: set[int] = set()
    for _ in range(200):
        pids = find()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        killed |= pids
        os.sched_yield()
    return killed


def _cgroup_settings(limits: Limits) -> dict[str, dict[str, int]]:
    return {"memory": {"memory.limit_in_bytes": limits.memory_bytes, "memory.max": limits.memory_bytes,
                       "memory.swap.max": 0},
            "pids": {"pids.max": limits.processes},
            "cpu": {"cpu.shares": 1024, "cpu.weight": 100},  # the whole kernel weighs as much as one process
            "cpuacct": {}}  # cgroup v1: its CPU time, exited processes included (v2 counts in every folder)


def cgroup_bases() -> set[Path]:
    """The folders in which kernel cgroups are made, one per controller (fewer where controllers share one)."""
    return {_cgroup_base(controller) for controller in _cgroup_settings(Limits())} - {None}


EXHAUSTED = 0.9   # of the memory limit, in anonymous memory: the kernel is out of memory (Cgroup.memory_exhausted)


def _counters(file: Path) -> dict[str, int]:
    """A cgroup file of ``name value`` lines (``memory.stat``, ``memory.events``, ``memory.oom_control``,
    ``cpu.stat``) as a dict; {} when it is missing; lines that are not a name and a count are left out."""
    try:
        lines = file.read_text().splitlines()
    except OSError:
        return {}
    pairs = (line.split() for line in lines)
    return {p[0]: int(p[1]) for p in pairs if len(p) == 2 and p[1].isdigit()}


def _read_int(file: Path) -> int | None:
    """A cgroup file of one count (``cpuacct.usage``, ``memory.failcnt``); None when missing or not a count."""
    try:
        text = file.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_base(controller: str) -> Path | None:
    """This process's cgroup folder for ``controller`` (cgroup v1), or the unified one (v2), if writable."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        v1 = Path("/sys/fs/cgroup") / controller
        if controller in names.split(",") and v1.is_dir():
            return _writable(v1 / path.lstrip("/"))
    unified = Path("/sys/fs/cgroup")
    if (unified / "cgroup.controllers").exists():
        v2 = [line.split(":", 2)[2] for line in lines if line.startswith("0::")]
        if v2 and controller in (unified / v2[0].lstrip("/") / "cgroup.subtree_control").read_text().split():
            return _writable(unified / v2[0].lstrip("/"))
    return None


def _writable(folder: Path) -> Path | None:
    return folder if folder.is_dir() and os.access(folder, os.W_OK) else None


CGROUP_REMOVE_S = 20.0  # a killed process leaves its cgroup only once it has exited: slow on a loaded machine


def _rmdir(folder: Path, seconds: float = CGROUP_REMOVE_S) -> None:
    """Remove an (empty) cgroup folder, waiting up to ``seconds`` for its killed processes to be gone."""
    deadline, pause = time.monotonic() + seconds, 0.0
    while True:
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                return
            time.sleep(pause)
            pause = min(0.05, pause + 0.002)


# ---------------------------------------------------------------- the launcher (runs in the kernel's process)

LIBC = None


def _libc():
    global LIBC
    if LIBC is None:
        LIBC = ctypes.CDLL(None, use_errno=True)
    return LIBC


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(_libc().mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def _enter_namespaces(report: dict) -> bool:
    """New mount, network, PID and IPC namespaces; True when they were entered."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC
    if _libc().unshare(flags) == 0:
        report["namespaces"] = "mount, network, pid, ipc"
        return True
    uid, gid = os.getuid(), os.getgid()
    if _libc().unshare(flags | CLONE_NEWUSER) == 0:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
        report["namespaces"] = "user, mount, network, pid, ipc"
        return True
    report["namespaces"] = f"none ({os.strerror(ctypes.get_errno())})"
    return False


def _wait_for(child: int) -> None:
    """The launcher's own process: stays outside the PID namespace, passes on termination, exits like the kernel."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts reach the kernel directly (same process group)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except ChildProcessError:
            os._exit(1)
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


def _mountinfo() -> list[tuple[str, str]]:
    """(mount point, per-mount options) of every mount in this namespace, parents first."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point = fields[4].encode().decode("unicode_escape")
        found.append((point, fields[5]))
    return found


# What a Python process, NumPy, TensorFlow and the NVIDIA driver need of the host, besides Python itself.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt/conda", "/sys")
ETC_ENTRIES = ("passwd", "group", "hosts", "hostname", "nsswitch.conf", "host.conf", "resolv.conf", "gai.conf",
               "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "ssl", "ca-certificates", "pki", "localtime",
               "timezone", "zoneinfo", "alternatives", "matplotlibrc", "fonts", "mime.types", "os-release",
               "debian_version", "lsb-release", "locale.alias", "glvnd", "nvidia", "OpenCL", "vulkan",
               "protocols", "services")
DEV_NODES = ("null", "zero", "full", "random", "urandom", "tty")
DEV_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
             "stderr": "/proc/self/fd/2"}
MNT_DETACH = 2
CGROUP_ROOT = "/sys/fs/cgroup"  # covered by an empty read-only folder inside the allow-list view
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "ppc64le": 203, "s390x": 217}


def allowed_paths(config: dict) -> list[str]:
    """Every host path the kernel's view holds, read-only unless it is the session: Python (``reach``), the
    system folders, a few files of ``/etc``, a minimal ``/dev`` (with NVIDIA's devices when a GPU is used)."""
    paths = [p for p in SYSTEM_DIRS if os.path.lexists(p)]
    paths += [f"/etc/{name}" for name in ETC_ENTRIES if os.path.lexists(f"/etc/{name}")]
    paths += [f"/dev/{name}" for name in DEV_NODES if os.path.exists(f"/dev/{name}")]
    if config.get("gpu"):
        paths += sorted(str(p) for p in Path("/dev").glob("nvidia*"))
    for path in config["reach"]:
        paths += [path, os.path.realpath(path)]
    return paths


def _place(root: str, path: str, source_fd: int) -> None:
    """Bind the host object ``source_fd`` (opened at ``path``) to the same path under ``root``."""
    target = root + path
    if os.path.isdir(f"/proc/self/fd/{source_fd}"):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(f"/proc/self/fd/{source_fd}", target, None, MS_BIND | MS_REC)


def _link_or_place(root: str, path: str, fds: dict[str, int]) -> None:
    """A symbolic link of the host (``/bin -> usr/bin``) stays a link (its target is allowed or absent);
    anything else is bound in place."""
    if os.path.islink(path):
        os.makedirs(root + os.path.dirname(path), exist_ok=True)
        if not os.path.lexists(root + path):
            os.symlink(os.readlink(path), root + path)
        return
    _place(root, path, fds[path])


def _private_tmpfs(root: str, config: dict) -> None:
    for folder in TMP_DIRS:
        os.makedirs(root + folder, exist_ok=True)
        _mount("tmpfs", root + folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={config['tmp_bytes']},mode=1777")


def _minimal_dev(root: str) -> None:
    for name, target in DEV_LINKS.items():
        if not os.path.lexists(f"{root}/dev/{name}"):
            os.symlink(target, f"{root}/dev/{name}")


def _pivot(root: str) -> None:
    """Make ``root`` this namespace's ``/`` and detach the host's root entirely (not merely hidden by chroot)."""
    import platform

    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(38, f"pivot_root: no system call number known for {platform.machine()}")
    os.chdir(root)
    _check(_libc().syscall(number, b".", b"."), "pivot_root")
    _check(_libc().umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def _allow_list_view(config: dict, report: dict) -> None:
    """A fresh tmpfs root holding only the allowed paths, then ``pivot_root`` into it (raises OSError)."""
    session = config["session"]
    paths = [p for p in dict.fromkeys(allowed_paths(config)) if os.path.lexists(p)]
    fds = {p: os.open(p, os.O_PATH) for p in [session, *paths] if not os.path.islink(p)}
    root = "/tmp"  # the staging point: covered at once, and gone from the view after the pivot
    try:
        _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755")
        for folder in ("/etc", "/dev", "/proc", "/root", "/home"):
            os.makedirs(root + folder, mode=0o755, exist_ok=True)
        _private_tmpfs(root, config)  # first: an allowed path under /tmp (a virtual environment) is bound onto it
        for path in paths:
            _link_or_place(root, path, fds)
        _minimal_dev(root)
        _place(root, session, fds[session])
        _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    finally:
        for fd in fds.values():
            os.close(fd)
    _pivot(root)
    report["allowed"] = paths


def _seal_allow_list(config: dict, report: dict) -> None:
    """After the pivot: the hidden checks covered, every mount but the session and private tmpfs read-only.
    A refusal here is recorded, never a reason to fall back (the host is already out of reach)."""
    try:
        report["hidden"] = _hide(config["hide"])
    except OSError as error:
        report["hidden"] = f"not covered ({error})"[:300]
    try:  # other kernels' cgroups (their process lists) are not the kernel's business
        report["cgroups_view"] = "covered" if _hide([CGROUP_ROOT]) else "absent"
    except OSError as error:
        report["cgroups_view"] = f"not covered ({error})"[:300]
    failed = _read_only_everywhere([*TMP_DIRS, config["session"]])
    try:
        _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    except OSError:
        failed += 1
    report["filesystem"] = "allow-list: Python and its packages, system folders, the working copy, HOME and " \
        "private /tmp; everything else of the host absent" + (f" ({failed} mounts not read-only)" if failed else "")


def _keep_fds(paths: list[str]) -> dict[str, int]:
    return {p: os.open(p, os.O_PATH) for p in paths if os.path.exists(p)}


def _bind_back(fds: dict[str, int], under: str, kept: list[str]) -> None:
    for path, fd in fds.items():
        if path == under or not path.startswith(under.rstrip("/") + "/"):
            continue
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            Path(path).touch()
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        kept.append(path)


def _cover(folder: str, fds: dict[str, int], size: int, mode: str, kept: list[str]) -> None:
    """A fresh tmpfs over ``folder``; the ``fds`` paths under it are bound back in place."""
    _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")
    _bind_back(fds, folder, kept)


def _hidden_from(uid: int | None, path: str) -> bool:
    """True when ``uid`` (the kernel's user) could not pass through ``path``."""
    if uid is None:
        return False
    st = os.stat(path)
    return not (st.st_mode & 0o001 or (st.st_uid == uid and st.st_mode & 0o100))


def _make_reachable(config: dict, fds: dict[str, int], kept: list[str]) -> list[str]:
    """Folders like ``/root`` (mode 700) that hold Python: a tmpfs over them with only Python bound back."""
    covered = []
    for path in config["reach"]:
        parts = Path(path).parts
        for depth in range(2, len(parts)):
            ancestor = str(Path(*parts[:depth]))
            if ancestor not in covered and _hidden_from(config["uid"], ancestor):
                _cover(ancestor, fds, 4 * MiB, "755", kept)
                covered.append(ancestor)
                break
    return covered


def _hide(paths: list[str]) -> list[str]:
    hidden = []
    for path in paths:
        if os.path.isdir(path):
            _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=755")
        elif os.path.isfile(path):
            _mount("/dev/null", path, None, MS_BIND)
        else:
            continue
        hidden.append(path)
    return hidden


MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}


def _read_only_everywhere(writable: list[str]) -> int:
    """Remount every mount read-only except ``writable`` ones (and /proc, /dev); returns how many failed."""
    failed = 0
    for point, options in _mountinfo():
        if point in writable or point.startswith(("/proc", "/dev")) or "ro" in options.split(","):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        flags |= sum(bit for name, bit in MOUNT_FLAGS.items() if name in options.split(","))
        try:
            _mount(None, point, None, flags)
        except OSError:
            failed += 1
    return failed


def _host_view(config: dict, report: dict) -> None:
    """The fallback when the allow-list cannot be built: the host's tree read-only, minus the hidden folders."""
    fds = _keep_fds([config["session"], *config["reach"]])
    kept: list[str] = []
    for folder in TMP_DIRS:
        if os.path.isdir(folder) and not os.path.islink(folder):
            _cover(folder, fds, config["tmp_bytes"], "1777", kept)
    covered = _make_reachable(config, fds, kept)
    report["hidden"] = _hide(config["hide"])
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    failed = _read_only_everywhere([*TMP_DIRS, config["session"]])
    report["filesystem"] = "host view, read-only except the working copy, HOME and private /tmp" \
        + (f" ({failed} mounts could not be made read-only)" if failed else "")
    report["covered"] = covered
    for fd in fds.values():
        os.close(fd)


def _build_view(config: dict, report: dict) -> None:
    """The kernel's file system: the allow-list (see :func:`_allow_list_view`), or where the platform refuses
    a step of it, the host's view read-only with the hidden folders covered, and the refusal recorded."""
    began, cwd = time.perf_counter(), os.getcwd()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    try:
        _allow_list_view(config, report)
    except OSError as error:
        report["allow_list_refused"] = str(error)[:300]
        with contextlib.suppress(OSError):
            _check(_libc().umount2(b"/tmp", MNT_DETACH), "umount staging root")
        _host_view(config, report)
    else:
        _seal_allow_list(config, report)
    os.chdir(cwd)  # the working directory, as seen through the new mounts
    report["view_ms"] = round(1000 * (time.perf_counter() - began), 1)


def _set_limits(limits: dict[str, int], report: dict) -> None:
    applied = {}
    for name, value in limits.items():
        soft = resource.RLIM_INFINITY if value < 0 else value
        try:
            resource.setrlimit(getattr(resource, name), (soft, soft))
            applied[name] = value
        except (ValueError, OSError):
            applied[name] = "not set"
    report["rlimits"] = applied


# fallocate(2) allocates a file's blocks at once, without writing them: 1 GiB files (RLIMIT_FSIZE) in a loop filled a
# host's disk within milliseconds, faster than any look at the session folder (grader.quota, twice a second). The
# kernel's fallocate fails with EOPNOTSUPP, as on a file system without it: glibc's posix_fallocate then writes
# the blocks, at the speed of writing, which the quota catches. The same call is had other ways, refused too (red
# team, 2026-12-03: 3 GiB in 5 ms each): through the 32-bit system call entry (``int 0x80``: any call of another
# architecture fails with ENOSYS), the x32 numbers, and io_uring (``io_uring_setup`` fails with ENOSYS, as on a
# kernel built without it; Python, NumPy and TensorFlow do not use it).
# sendmsg(2) and sendmmsg(2) fail with EPERM: with them a process sends an open file over a Unix socket
# (SCM_RIGHTS), and a deleted file whose descriptor waits there, never received, is held by no process, so no
# folder and nothing in /proc shows it (red team, 2026-12-03: 2.5 GB so, the quota blind). No other way to send a
# descriptor exists. Grading day96 and day98 under strace (grader, kernel, TensorFlow training: 2026-12-04) called
# neither; ZeroMQ, asyncio and multiprocessing's default fork start method use send and write. multiprocessing's
# forkserver start method (Python 3.14's default on Linux) passes descriptors so, and fails in a learner's kernel.
# The same red team's second round (2026-12-04, 2.3 GB held past a 64 MiB quota each way) found three more places
# no process's /proc shows: a descriptor table a thread made its own (unshare(CLONE_FILES), or clone of a thread
# without CLONE_FILES), whose files show only under /proc/TID; and a file kept by a bind mount in a user and mount
# namespace the kernel made for itself. So unshare fails with EPERM, clone with EPERM when it asks for a new
# namespace or for a thread with a table of its own, and clone3, whose flags a filter cannot read, with ENOSYS
# (glibc then calls clone: threads, fork and subprocess work as before). inotify (ENOSYS, as on a kernel built
# without it; Python, Jupyter and TensorFlow do not use it) told a kernel the moment the quota's walk opened a
# folder, so that it moved its files out of the walk's way; fanotify, which an unprivileged process may use on
# Linux 5.13 and later, told it the same (third round, 2026-12-04).
SECCOMP_ARCHES = {  # AUDIT_ARCH_*, then this architecture's numbers of the calls the filter refuses or looks into
    "x86_64": (0xC000003E, {"fallocate": 285, "sendmsg": 46, "sendmmsg": 307, "unshare": 272, "clone": 56,
                            "clone3": 435, "io_uring_setup": 425, "inotify_init": 253, "inotify_init1": 294,
                            "fanotify_init": 300}),
    "aarch64": (0xC00000B7, {"fallocate": 47, "sendmsg": 211, "sendmmsg": 269, "unshare": 97, "clone": 220,
                             "clone3": 435, "io_uring_setup": 425, "inotify_init1": 26, "fanotify_init": 262}),
}
X32_BIT, EPERM, EOPNOTSUPP, ENOSYS = 0x40000000, 1, 95, 38
REFUSED_WITH = {"fallocate": EOPNOTSUPP, "sendmsg": EPERM, "sendmmsg": EPERM, "unshare": EPERM,
                "clone3": ENOSYS, "io_uring_setup": ENOSYS, "inotify_init": ENOSYS, "inotify_init1": ENOSYS,
                "fanotify_init": ENOSYS}
CLONE_FILES, CLONE_THREAD = 0x400, 0x10000
CLONE_NEW_ANY = 0x7E020000   # CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET (NEWTIME: unshare)
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _refuse_calls(report: dict) -> None:
    """A seccomp filter (:data:`REFUSED_WITH`): ``fallocate`` fails with EOPNOTSUPP; ``sendmsg``, ``sendmmsg``,
    ``unshare``, and ``clone`` asking for a new namespace or a thread with a descriptor table of its own with
    EPERM; ``clone3``, ``io_uring_setup``, inotify, fanotify, the x32 numbers and every call of another
    architecture with ENOSYS; every other system call as before (needs ``PR_SET_NO_NEW_PRIVS``). Recorded as
    ``report["fallocate"]``, ``report["descriptor_passing"]`` and ``report["new_namespaces"]``: "refused", or
    "allowed (why)" where no filter could be installed."""
    arch = SECCOMP_ARCHES.get(os.uname().machine)
    if arch is None:
        _record_calls(report, f"allowed (no filter for {os.uname().machine})")
        return
    program = _assembled(_filter(*arch))
    filters = (_SockFilter * len(program))(*[_SockFilter(*op) for op in program])
    fprog = _SockFprog(len(program), filters)
    libc = _libc()
    try:
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")
        _record_calls(report, "refused")
    except OSError as error:
        _record_calls(report, f"allowed ({error})")


BPF_LOAD, BPF_EQUAL, BPF_HAS, BPF_RETURN = 0x20, 0x15, 0x45, 0x06   # LD|W|ABS, JMP|JEQ|K, JMP|JSET|K, RET|K
SECCOMP_ALLOW, SECCOMP_ERRNO = 0x7FFF0000, 0x00050000


def _filter(audit_arch: int, numbers: dict[str, int]) -> list:
    """The filter's program with named jump targets (``None``: the next instruction), for :func:`_assembled`.
    ``seccomp_data``: the call's number at offset 0, its architecture at 4, the low half of its first argument
    (``clone``'s flags) at 16."""
    program = [(BPF_LOAD, None, None, 4),
               (BPF_EQUAL, None, ENOSYS, audit_arch),       # another architecture's call (int 0x80): refused
               (BPF_LOAD, None, None, 0),
               (BPF_HAS, ENOSYS, None, X32_BIT)]
    program += [(BPF_EQUAL, errno, None, numbers[call]) for call, errno in REFUSED_WITH.items() if call in numbers]
    program += [(BPF_EQUAL, None, "allow", numbers["clone"]),
                (BPF_LOAD, None, None, 16),
                (BPF_HAS, EPERM, None, CLONE_NEW_ANY),      # a new namespace
                (BPF_HAS, None, "allow", CLONE_THREAD),     # a process: its own /proc/PID
                (BPF_HAS, "allow", EPERM, CLONE_FILES),     # a thread: only with its process's descriptors
                "allow", (BPF_RETURN, None, None, SECCOMP_ALLOW)]
    for errno in dict.fromkeys(REFUSED_WITH.values()):
        program += [errno, (BPF_RETURN, None, None, SECCOMP_ERRNO | errno)]
    return program


def _assembled(program: list) -> list[tuple[int, int, int, int]]:
    """``program`` (instructions and the labels before them) as ``sock_filter`` fields, each label a jump
    offset; a label is a name or an errno, placed before its return."""
    at, position = {}, 0
    for item in program:
        if isinstance(item, tuple):
            position += 1
        else:
            at[item] = position
    code, position = [], 0
    for item in program:
        if isinstance(item, tuple):
            op, true, false, k = item
            jump = [0 if target is None else at[target] - position - 1 for target in (true, false)]
            if not all(0 <= offset <= 255 for offset in jump):   # BPF jumps go forward, by a byte at most
                raise ValueError(f"seccomp filter: jump {jump} at instruction {position}")
            code.append((op, *jump, k))
            position += 1
    return code


def _record_calls(report: dict, how: str) -> None:
    report["fallocate"] = report["descriptor_passing"] = report["new_namespaces"] = how


def _become(uid: int | None, give: list[str]) -> None:
    if uid is None or os.geteuid() != 0:
        return
    for path in give:
        os.chown(path, uid, uid)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def _quiet_stdio() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def launch(config: dict, command: list[str]) -> None:
    """Apply the sandbox described by ``config`` to this process and execute ``command`` (never returns)."""
    report: dict = {"network": "open", "pid_namespace": False}
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # a grader killed outright takes its kernel along
    if os.getppid() != config.get("grader_pid", os.getppid()):
        os._exit(1)
    for procs in config["cgroups"]:
        Path(procs).write_text(str(os.getpid()))
    report["cgroup"] = config["cgroup_limits"] if config["cgroups"] else "none"
    if _enter_namespaces(report):
        child = os.fork()
        if child:
            _wait_for(child)
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        report.update(network="cut", pid_namespace=True)
        _build_view(config, report)
    _set_limits(config["rlimits"], report)
    _refuse_calls(report)
    report["user"] = "the grader's own user" if config["uid"] is None or os.geteuid() != 0 else \
        f"uid {config['uid']}, a user of its own"
    Path(config["report"]).write_text(json.dumps(report))
    _become(config["uid"], config["give"])
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if config.get("quiet", True):
        _quiet_stdio()
    os.execvpe(command[0], command, os.environ)


def launcher_argv(config: dict) -> list[str]:
    """The command line that runs :func:`launch` with ``config``, before the kernel's own command line.

    This file is run as a script in Python's isolated mode without ``site`` (``-I -S``). The launcher runs as the
    grader's user (root) in the learner's working folder: in isolated mode neither that folder nor this file's is
    on its import path (as ``python -m grader.sandbox`` it put the working folder first, and a ``json.py`` the
    learner's kernel wrote there ran as root at the next restart: corpus entry ``launcher_modules_then_crash``).
    It needs only the standard library, and skipping site-packages' start-up files (an editable install's import
    hook) and the grader package's ``__init__`` saves a third of what it costs, 0.144 -> 0.104 CPU-seconds a
    kernel start (20 starts each, 2026-12-03, this project's 2-core machine). The kernel it executes starts as
    usual."""
    return [sys.executable, "-I", "-S", str(Path(__file__).resolve()), json.dumps(config), "--"]


def describe(limits: Limits) -> dict:
    return asdict(limits)


if __name__ == "__main__":
    split = sys.argv.index("--")
    launch(json.loads(sys.argv[1]), sys.argv[split + 1:])
