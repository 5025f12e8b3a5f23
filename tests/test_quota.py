"""The disk quota of a learner kernel (grader/quota.py): a kernel that fills the host's disk through its session
folder (files in a loop, files it deleted and holds open, files allocated without writing, from a thread between
cells) is stopped within a second of its limit, says so in both languages, and is not started again while its
folder is over the limit."""
import functools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

from grader import exercise as exercises
from grader import pool, quota
from grader.channel import remove_tree
from grader.kernel import DISK_ENAME, Kernel, kernel_env
from grader.learner import KernelLearner, LearnerRaised
from grader.sandbox import Limits, MiB
from grader.session import Session

QUOTA = 64 * MiB
# the most a kernel writes past the quota before it is stopped: a poll (0.5 s) of writing, and the kill
OVERSHOOT = 1024 * MiB
WRITE_LOOP = "import os\nblock = b'x' * 2**20\nfor i in range(4000):\n    open(f'f{i}', 'wb').write(block)\n"


def allocated(folder: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in folder.rglob("*"))


def small_quota_kernel(root: Path) -> Kernel:
    (root / "work").mkdir()
    (root / "home").mkdir()
    return Kernel(workdir=root / "work", env=kernel_env(home=root / "home", extra={}),
                  limits=Limits(disk_bytes=QUOTA, disk_entries=5000))


# ---------------------------------------------------------------- measuring a folder

def test_usage_counts_allocated_blocks_once_per_inode_and_follows_no_link(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * MiB)
    os.link(tmp_path / "a", tmp_path / "hard")            # one file, two names
    with open(tmp_path / "sparse", "wb") as handle:       # 1 GiB long, nothing written
        handle.truncate(2**30)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "big").write_bytes(b"y" * 4 * MiB)
    (tmp_path / "link").symlink_to(outside)               # a folder elsewhere, not walked
    found = quota.usage(tmp_path, disk_bytes=2**40, max_entries=100)
    assert found.stopped is None and found.entries == 4
    assert MiB <= found.bytes < MiB + 64 * 1024, found     # the 1 MiB file once; the sparse file's few blocks


@pytest.mark.parametrize("make, stop", [
    (lambda root: [(root / f"e{i}").touch() for i in range(30)], "entries"),
    (lambda root: (root / "big").write_bytes(b"z" * 2 * MiB), "bytes"),
], ids=["entries", "bytes"])
def test_a_walk_stops_at_the_first_limit_passed_and_counts_as_over(tmp_path, make, stop):
    make(tmp_path)
    found = quota.usage(tmp_path, disk_bytes=MiB, max_entries=20)
    assert found.stopped == stop and found.over(MiB)
    assert quota.held(found, Limits(disk_bytes=MiB, disk_entries=20)).en == \
        {"entries": "more than 20 files and folders", "bytes": "more than 1 MB of files"}[stop]


def test_a_tree_1200_folders_deep_is_walked_to_its_bottom(tmp_path):
    deep = str(tmp_path)
    for _ in range(1200):      # what tests/test_session.py's notebook makes in HOME, and survives
        deep = os.path.join(deep, "d")
        os.mkdir(deep)
    Path(deep, "big").write_bytes(b"b" * 4 * MiB)
    try:
        found = quota.usage(tmp_path, disk_bytes=2**40, max_entries=10_000)
        assert found.stopped is None and found.entries == 1201 and found.bytes >= 4 * MiB
        assert quota.usage(tmp_path, disk_bytes=3 * MiB, max_entries=10_000).stopped == "bytes"
    finally:
        remove_tree(tmp_path / "d")   # pytest's own clean-up recurses, and 1,200 levels is past Python's limit


def test_a_folder_the_grader_may_not_list_counts_as_over(monkeypatch):
    """As a grader that is not root meets a folder the kernel (its own user then) closed with mode 000: ``find``
    run as ``nobody`` here, since root may list anything."""
    folder = Path(tempfile.mkdtemp(prefix="quota-"))
    try:
        folder.chmod(0o755)
        (folder / "open").mkdir()
        (folder / "closed").mkdir(mode=0o000)
        real = subprocess.Popen
        monkeypatch.setattr(quota.subprocess, "Popen", lambda argv, **kw: real(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv], **kw))
        found = quota.usage(folder, disk_bytes=2**40, max_entries=100)
        assert found.stopped == "unreadable" and found.over(2**40) and found.entries == 2
        assert quota.held(found, Limits()).en == "a folder the grader may not read"
        assert "無法讀取" in quota.held(found, Limits()).zh_tw
    finally:
        (folder / "closed").chmod(0o755)
        shutil.rmtree(folder)


# ---------------------------------------------------------------- a kernel over its quota

def test_a_cell_writing_files_in_a_loop_is_stopped_at_the_quota_and_the_kernel_is_not_started_again(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        assert kernel.run("print('ok')", timeout=10).ok
        began = time.monotonic()
        run = kernel.run(WRITE_LOOP, timeout=60)
        assert run.outcome == "died" and run.ename == DISK_ENAME, run
        assert time.monotonic() - began < 10
        assert run.evalue == "the kernel's folder held more than 64 MB of files" and run.disk.over(QUOTA)
        held, written = allocated(tmp_path), allocated(tmp_path / "work")
        assert QUOTA < held < QUOTA + OVERSHOOT, held // MiB
        later = kernel.run("print('again')", timeout=10)
        assert later.ename == DISK_ENAME   # the same kernel, still stopped
        with pytest.raises(RuntimeError):
            kernel.restart()                  # its folder is still over the quota: stopped as it starts
        assert allocated(tmp_path / "work") == written   # none of it removed: the session ends, its folder goes


def test_allocating_without_writing_is_refused_and_the_fallback_writes_are_stopped(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        assert kernel.sandbox["fallocate"] == "refused"
        direct = kernel.run("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                            "fd = os.open('a', os.O_CREAT | os.O_WRONLY)\n"
                            "print(libc.fallocate(fd, 0, 0, ctypes.c_long(2**30)), ctypes.get_errno())", timeout=10)
        assert direct.stdout.split() == ["-1", "95"]   # EOPNOTSUPP: no gigabyte allocated in a millisecond
        run = kernel.run("import os\nfor i in range(200):\n    fd = os.open(f'g{i}', os.O_CREAT | os.O_WRONLY)\n"
                         "    os.posix_fallocate(fd, 0, 2**28)\n    os.close(fd)\n", timeout=60)
        assert run.ename == DISK_ENAME, run
        assert allocated(tmp_path) < QUOTA + OVERSHOOT


def test_deleted_files_held_open_count_and_once_freed_the_kernel_starts_again(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        run = kernel.run("import os\nheld = []\nfor i in range(4000):\n    handle = open(f'h{i}', 'wb')\n"
                         "    os.unlink(f'h{i}')\n    handle.write(b'x' * 2**20)\n    handle.flush()\n"
                         "    held.append(handle)\n", timeout=60)
        assert run.ename == DISK_ENAME and run.disk.stopped is None, run   # nothing in the folder, all held open
        kernel.restart()                  # its processes are gone, and the space with them
        assert kernel.disk_exceeded() is None and kernel.run("print(1)", timeout=10).stdout == "1\n"


def test_a_thread_that_writes_between_cells_is_stopped_while_the_grader_works(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        started = kernel.run("import threading\n"
                             f"threading.Thread(target=lambda: exec({WRITE_LOOP!r}), daemon=True).start()", timeout=10)
        assert started.ok
        time.sleep(4)    # the grader busy with other work: no cell runs
        assert kernel.disk_exceeded() is not None and allocated(tmp_path) < QUOTA + OVERSHOOT
        assert kernel.run("print(1)", timeout=10).ename == DISK_ENAME


def test_a_function_that_fills_the_disk_during_a_check_is_named_and_the_next_call_is_not_made(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        assert kernel.run(f"def fill():\n" + "".join("    " + line + "\n" for line in WRITE_LOOP.splitlines())
                          + "def other():\n    return 1\n", timeout=10).ok
        learner = KernelLearner(kernel, tmp_path / "work")
        with pytest.raises(LearnerRaised) as raised:
            learner.call("fill")
        assert raised.value.text.en.startswith("While `fill` ran, the kernel's folder came to hold more than 64 MB")
        assert "磁碟上限 64 MB" in raised.value.text.zh_tw
        with pytest.raises(LearnerRaised) as refused:
            learner.call("other")
        assert refused.value.text.en.startswith("`other` was not run: the kernel's folder is over its disk limit")
        learner.close()


def test_a_notebook_that_fills_the_disk_is_told_which_cell_and_the_rest_is_not_run(tmp_path, monkeypatch):
    pool.discard()   # no kernel launched ahead with the default limits
    monkeypatch.setattr(pool, "Kernel", functools.partial(Kernel, limits=Limits(disk_bytes=QUOTA)))
    exercise = exercises.get("day93")
    notebook = nbformat.read(exercise.solution, as_version=4)
    code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    notebook.cells.insert(code[3], nbformat.v4.new_code_cell(WRITE_LOOP))
    path = tmp_path / "day93.ipynb"
    nbformat.write(notebook, path)
    with Session(exercise, path, seed=1) as session:
        failures = session.execution.failures
        assert [(f.index, f.ename) for f in failures] == [(3, DISK_ENAME), (4, "KernelLost")]
        assert "past its disk limit of 64 MB" in failures[0].note.en and "磁碟上限 64 MB" in failures[0].note.zh_tw
        left = sum(1 for c in notebook.cells if c.cell_type == "code" and c.source.strip()) - 4
        assert failures[1].note.en == (f"The kernel's folder is still over its disk limit, so the kernel cannot be "
                                       f"started again; {left} cells did not run.")


def test_an_honest_kernel_is_never_stopped_by_the_default_quota(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={})) as kernel:
        run = kernel.run("import numpy as np\nfor i in range(3):\n"
                         "    np.save(f'a{i}.npy', np.zeros((64, 2**20), 'uint8'))",
                         timeout=60)   # 192 MB of arrays: a lot for a notebook, far under 2 GiB
        time.sleep(1.5)
        assert run.ok and kernel.disk_exceeded() is None and kernel.run("print(1)", timeout=10).ok


# fallocate through the 32-bit system call entry from this 64-bit process (red team, 2026-12-03): i386 call 324
INT80_FALLOCATE = '''
import ctypes, mmap
code = bytes.fromhex("53 55 41 89 d0 41 89 c9 89 fb 89 f1 31 d2 31 f6 44 89 c7 44 89 cd b8 44 01 00 00 cd 80 5d 5b c3")
page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(code)
fallocate32 = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_uint, ctypes.c_uint)(
    ctypes.addressof(ctypes.c_char.from_buffer(page)))
fd = os.open("i386", os.O_CREAT | os.O_RDWR)
print(fallocate32(fd, 0, 2**30, 0), os.fstat(fd).st_blocks)
'''


def test_fallocate_through_int_0x80_and_io_uring_is_refused_too(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        if os.uname().machine == "x86_64":   # the 32-bit entry exists there only
            i386 = kernel.run("import os\n" + INT80_FALLOCATE, timeout=10)
            assert i386.stdout.split() == ["-38", "0"], i386   # ENOSYS: no gigabyte in a millisecond
        uring = kernel.run("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                           "params = ctypes.create_string_buffer(120)\n"
                           "print(libc.syscall(425, 8, params), ctypes.get_errno())", timeout=10)
        assert uring.stdout.split() == ["-1", "38"], uring   # io_uring_setup: ENOSYS, no IORING_OP_FALLOCATE
        assert kernel.run("print(sum(range(10)))", timeout=10).stdout == "45\n"   # every other call as before


# A deleted file's descriptor sent over a Unix socket and never received (red team, 2026-12-03): held by no process,
# so neither the folder nor /proc showed it; 80 of them held 2.5 GB past a 2 GiB quota, the kernel running on.
SEND_DELETED_FILE = '''
import array, ctypes, os, socket
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
fd = os.open(".", os.O_TMPFILE | os.O_RDWR, 0o600)
os.write(fd, b"x" * 2**20)
try:
    a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
except OSError as error:
    print("refused", error.errno)
try:
    a.sendmsg([b"plain"])
except OSError as error:
    print("refused", error.errno)
libc = ctypes.CDLL(None, use_errno=True)
print(libc.sendmmsg(a.fileno(), None, 0, 0), ctypes.get_errno())
a.send(b"data")
print(b.recv(16))
'''


def test_no_open_file_can_be_sent_over_a_socket(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        assert kernel.sandbox["descriptor_passing"] == "refused"
        run = kernel.run(SEND_DELETED_FILE, timeout=10)
        assert run.ok, run
        lines = run.stdout.splitlines()
        assert lines[0] == "refused 1", run.stdout           # EPERM: the descriptor never left
        assert lines[1:] == ["refused 1", "-1 1", "b'data'"], run.stdout   # sendmsg, sendmmsg refused; send as before


def test_a_deleted_file_kept_only_by_a_memory_mapping_counts(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        run = kernel.run("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                         "libc.mmap.restype = ctypes.c_void_p\n"
                         "libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, "
                         "ctypes.c_int, ctypes.c_long]\nmaps = []\nfor i in range(200):\n"
                         "    fd = os.open('.', os.O_TMPFILE | os.O_RDWR, 0o600)\n"
                         "    for _ in range(8):\n        os.write(fd, b'x' * 2**20)\n"
                         "    maps.append(libc.mmap(None, 4096, 1, 1, fd, 0))\n    os.close(fd)\n"
                         "import time\ntime.sleep(5)\n", timeout=60)
        assert run.ename == DISK_ENAME and run.disk.stopped is None, run   # 8 MB files no folder and no fd shows
        assert allocated(tmp_path) < QUOTA   # the mappings went with the kernel


# A child whose main thread ends (the exit system call, not exit_group) while a thread of it writes deleted files
# and holds them (red team, 2026-12-04): the child's /proc/PID/fd was empty or refused and its maps empty, so the
# 2.3 GB its thread held went unseen; they show under /proc/TID of the thread.
MAIN_THREAD_EXITS = '''
import ctypes, os, threading, time
exit_thread = {"x86_64": 60, "aarch64": 93}[os.uname().machine]
r, w = os.pipe()
if os.fork() == 0:
    def writer():
        time.sleep(0.5)                     # the main thread is gone by then
        held = []
        for n in range(3):
            fd = os.open(".", os.O_TMPFILE | os.O_RDWR, 0o600)
            for _ in range(48):
                os.write(fd, b"x" * 2**20)
            held.append(fd)
        os.write(w, b"k")
        time.sleep(3600)
    threading.Thread(target=writer).start()
    ctypes.CDLL(None).syscall(exit_thread, 0)
os.read(r, 1)
time.sleep(5)
'''


def test_files_held_by_a_process_whose_main_thread_exited_count(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        run = kernel.run(MAIN_THREAD_EXITS, timeout=60)
        assert run.ename == DISK_ENAME and run.disk.stopped is None, run   # 144 MB, no folder shows them
        assert allocated(tmp_path) < QUOTA


# What a kernel may not do, each of which hid files from /proc (red team, 2026-12-04): a descriptor table of a
# thread's own (unshare), a bind mount in a user namespace of its own (unshare, clone), inotify to time its moves
# against the quota's walk; clone3, whose flags no filter can read. Threads, fork and subprocess still work.
REFUSED_CALLS = '''
import ctypes, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
numbers = {numbers!r}
def tried(call, *args):
    result = libc.syscall(numbers[call], *args)
    return result, ctypes.get_errno() if result == -1 else 0
print("unshare files", tried("unshare", 0x400))
print("unshare user and mount", tried("unshare", 0x10000000 | 0x20000))
child = tried("clone", 0x10000000 | 17, 0, 0, 0, 0)
if child[0] == 0:
    os._exit(0)
print("clone into a user namespace", child)
print("clone3", tried("clone3", 0, 0))
print("inotify", tried("inotify_init1", 0))
done = []
thread = threading.Thread(target=done.append, args=(1,))
thread.start()
thread.join()
pid = os.fork()
if pid == 0:
    os._exit(7)
print("works", done, os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), subprocess.run(["true"]).returncode)
'''


def test_calls_that_would_hide_files_from_the_quota_are_refused_and_threads_fork_and_subprocess_work(tmp_path):
    from grader import sandbox

    numbers = sandbox.SECCOMP_ARCHES[os.uname().machine][1]
    with small_quota_kernel(tmp_path) as kernel:
        assert kernel.sandbox["new_namespaces"] == "refused"
        run = kernel.run(REFUSED_CALLS.format(numbers=numbers), timeout=30)
        assert run.ok, run
        assert run.stdout.splitlines() == [
            "unshare files (-1, 1)", "unshare user and mount (-1, 1)", "clone into a user namespace (-1, 1)",
            "clone3 (-1, 38)", "inotify (-1, 38)", "works [1] 7 0"], run.stdout


def test_a_thread_cannot_be_cloned_with_a_descriptor_table_of_its_own():
    """Checked in a forked child of the test (the raw clone of a thread, were it allowed, would share the child's
    stack and crash it): clone(CLONE_VM | CLONE_SIGHAND | CLONE_THREAD) without CLONE_FILES fails with EPERM."""
    import ctypes

    from grader import sandbox

    numbers = sandbox.SECCOMP_ARCHES[os.uname().machine][1]
    pid = os.fork()
    if pid == 0:
        report = {}
        sandbox._refuse_calls(report)
        libc = ctypes.CDLL(None, use_errno=True)
        result = libc.syscall(numbers["clone"], 0x100 | 0x800 | 0x10000, 0, 0, 0, 0)
        os._exit(100 + ctypes.get_errno() if result == -1 and report["new_namespaces"] == "refused" else 1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 100 + 1   # EPERM


def test_files_mapped_by_a_process_that_closed_every_descriptor_count(tmp_path):
    """A process with no descriptor at all (its /proc/PID/fd empty, as a main thread's that has ended) still has
    its own mappings read."""
    cell = ("import mmap, os, time\nif os.fork() == 0:\n    maps = []\n    for n in range(4):\n"
            "        fd = os.open('.', os.O_TMPFILE | os.O_RDWR, 0o600)\n"
            "        for _ in range(24):\n            os.write(fd, b'x' * 2**20)\n"
            "        maps.append(mmap.mmap(fd, 4096))\n    os.closerange(0, 4096)\n    time.sleep(3600)\n"
            "time.sleep(5)\n")
    with small_quota_kernel(tmp_path) as kernel:
        run = kernel.run(cell, timeout=60)
        assert run.ename == DISK_ENAME and run.disk.stopped is None, run   # 96 MB, no folder and no fd shows them


# A program that copies itself into memory, unmaps its own file and pauses: once its file is deleted, only the
# process's /proc/PID/exe keeps it (red team, 2026-12-04: 60 of them held 2.4 GB past a 64 MiB quota).
PROGRAM_OFF_ITS_FILE = (  # x86_64: maps memory, copies itself there, unmaps its own file, pauses (red team)
    "f0VMRgIBAQAAAAAAAAAAAAIAPgABAAAAeABAAAAAAABAAAAAAAAAAOgAAAAAAAAAAAAAAEAAOAABAEAAAwACAAEAAAAHAAAAeAAA"
    "AAAAAAB4AEAAAAAAAHgAQAAAAAAAWgAAAAAAAABaAAAAAAAAAAEAAAAAAAAAvwAAABC+ABAAALoHAAAAQboyAAAAScfA/////0Ux"
    "ybgJAAAADwVIjTUTAAAAvwAAABC5QAAAAPOkuAAAABD/4L8AAEAAvgAQAAC4CwAAAA8FuCIAAAAPBev3AC5zaHN0cnRhYgAudGV4"
    "dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAALAAAA"
    "AQAAAAcAAAAAAAAAeABAAAAAAAB4AAAAAAAAAFoAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAQAAAAMAAAAAAAAAAAAA"
    "AAAAAAAAAAAA0gAAAAAAAAARAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAA=="
)
RUN_OFF_DELETED_FILES = '''
import base64, os, subprocess, time
program = base64.b64decode({program!r})
for i in range(4):                     # 4 x 24 MB, each under the quota when written
    with open(f"p{{i}}", "wb") as handle:
        handle.write(program + bytes(24 * 2**20))
    os.chmod(f"p{{i}}", 0o755)
    subprocess.Popen([os.path.abspath(f"p{{i}}")])
    time.sleep(0.3)
    os.unlink(f"p{{i}}")
time.sleep(5)
'''


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the program is x86_64 code")
def test_deleted_programs_that_still_run_count(tmp_path):
    with small_quota_kernel(tmp_path) as kernel:
        run = kernel.run(RUN_OFF_DELETED_FILES.format(program=PROGRAM_OFF_ITS_FILE), timeout=60)
        assert run.ename == DISK_ENAME and run.disk.stopped is None, run   # 96 MB held by /proc/PID/exe alone
