"""Identical re-grades (issue 11 kind 8): the same notebook graded twice with the same seed gives the same canonical
JSON, timings aside. Every distinct notebook of the 13-learner batch class (tests/samples_batch.py) is graded twice,
in this process (no child process, no Dask: the kernel and the checks are what could differ)."""
import hashlib
import os
import re
import time

import pytest

from grader.grading import grade
from grader.results import to_dict
from samples_batch import learners

pytestmark = pytest.mark.usefixtures("warm_kernels")  # each grading finds its kernel launched (conftest.py)

SEED = 7321
TIMING = {"started_at", "duration_s", "durations", "kernel_start_s", "run_s", "learner_s", "checks_s",
          "view_ms"}  # view_ms: how long the sandbox took to build the kernel's view of the filesystem


def without_timings(data):
    """The canonical JSON less its timings. The one other thing that may differ is the number of the user id each
    kernel gets (``sandbox.user``: "uid 2329280, a user of its own"): a fresh id per kernel, by design."""
    if isinstance(data, dict):
        return {k: (re.sub(r"uid \d+", "uid N", v) if k == "user" and isinstance(v, str) else without_timings(v))
                for k, v in data.items() if k not in TIMING}
    if isinstance(data, list):
        return [without_timings(v) for v in data]
    return data


def _distinct() -> dict[str, tuple[str, bytes]]:
    """One (exercise, notebook bytes) per distinct notebook, named after its first learner."""
    seen, found = set(), {}
    for learner, notebooks in sorted(learners().items()):
        for exercise_id, data in notebooks.items():
            digest = hashlib.sha256(data).hexdigest()
            if digest not in seen:
                seen.add(digest)
                found[f"{learner}-{exercise_id}"] = (exercise_id, data)
    return found


NOTEBOOKS = _distinct()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_grading_a_sample_learner_twice_gives_the_same_json_but_timings(tmp_path, name):
    exercise_id, data = NOTEBOOKS[name]
    path = tmp_path / exercise_id / f"{exercise_id}.ipynb"
    path.parent.mkdir()
    path.write_bytes(data)
    first, second = (without_timings(to_dict(grade(path, seed=SEED, lang="en", cell_timeout_s=4)))
                     for _ in range(2))
    assert first == second
    assert first["exercises"][0]["checks"], "graded for real"


@pytest.fixture
def kernel(tmp_path):
    from kernels import fresh_kernel

    with fresh_kernel(tmp_path) as started:
        yield started


def test_a_cell_kept_from_the_cpu_by_load_is_not_stopped_but_one_that_sleeps_is(kernel, monkeypatch):
    """The cell limit counts the kernel's own time: the wall time less what its main thread waited for a CPU
    (simulated here: schedstat says the kernel waited all along, as on a machine with load 40 on 2 cores)."""
    from grader import kernel as kernels

    assert kernel.run("import time", timeout=30).ok
    assert kernels._waited_s(kernel._pids[1]) >= 0.0 and kernels._waited_s(None) == 0.0
    assert kernel.run("time.sleep(3)", timeout=1).outcome == "timeout"  # its own time: stopped at the limit
    began = time.monotonic()
    monkeypatch.setattr(kernels, "_waited_s", lambda pid: max(0.0, time.monotonic() - began - 0.2))
    run = kernel.run("time.sleep(3)\nprint('finished')", timeout=1)
    assert run.ok and "finished" in run.stdout  # starved, so its limit was stretched (at most 8 x 1 s)
    assert kernel.run("time.sleep(30)", timeout=1).outcome == "timeout"  # but never past STRETCH_MAX x the limit


def test_a_cell_that_waited_a_few_milliseconds_for_a_cpu_is_stretched_by_those_not_by_a_whole_limit(kernel,
                                                                                                     monkeypatch):
    """The limit is looked at each second: a kernel that waited 10 ms for a CPU gets about 10 ms more, not another
    whole limit (a 20 s call that hung stopped after 20 s or 40 s by chance, and one of 25 s passed or not)."""
    from grader import kernel as kernels

    assert kernel.run("import time", timeout=30).ok
    reads = []
    monkeypatch.setattr(kernels, "_waited_s", lambda pid: 0.01 * bool(reads.append(1) or len(reads) > 1))
    began = time.monotonic()
    assert kernel.run("time.sleep(10)", timeout=2).outcome == "timeout"
    assert time.monotonic() - began < 3.6, f"stopped after {time.monotonic() - began:.1f} s, its limit 2 s"


PINNED_WORKER = """
import os, threading, hashlib
os.sched_setaffinity(0, {0})
def work():
    os.sched_setaffinity(0, {0})
    data = b"x" * (1 << 22)
    while True:
        hashlib.sha256(data).digest()   # the GIL released: this thread has the CPU
threading.Thread(target=work, daemon=True).start()
os.setpriority(os.PRIO_PROCESS, 0, 19)   # the main thread alone, niced: it waits, as if the machine were loaded
while True:
    hashlib.sha256(b"y" * (1 << 22)).digest()
"""


def test_a_kernel_that_makes_its_main_thread_wait_gets_no_more_cpu_than_an_idle_machine_gives(kernel, monkeypatch):
    """A learner's cell pinned its main thread and a busy worker thread to one CPU, the main thread niced: the main
    thread's wait grew as if the machine were loaded while the worker computed, a whole CPU, so a 5 s cell ran 35 s
    (red team, 2026-12-03). The wait is simulated here (schedstat says the main thread waited all along); the
    cell's processes get at most the CPU time an idle machine gives within the limit (limit x CPUs)."""
    from grader import kernel as kernels

    cpus = len(os.sched_getaffinity(0))
    assert kernel.run("import time", timeout=30).ok
    began = time.monotonic()
    monkeypatch.setattr(kernels, "_waited_s", lambda pid: max(0.0, time.monotonic() - began - 0.2))
    run = kernel.run(PINNED_WORKER, timeout=2)
    # before: on until STRETCH_MAX x 2 s = 16 s, then the interrupt (18.7 s); now once its processes had 2 s x CPUs
    # (4 CPU-seconds on 2 cores: 7.9 s in all on an idle machine, the interrupt included)
    assert run.outcome == "timeout" and run.seconds < 14, f"stopped after {run.seconds:.1f} s, limit 2 s, {cpus} CPUs"


CHILD_BURNS_HALF_A_SECOND = """
import os, time
child = os.fork()
if child == 0:
    began = time.process_time()
    while time.process_time() - began < 0.5:
        pass
    os._exit(0)
os.waitpid(child, 0)
"""


def test_the_cpu_time_of_processes_that_exited_counts_for_the_cell(kernel):
    """A bomb of short-lived processes starves its own kernel's main thread; what those processes used must still
    count as the cell's CPU time once they have exited, or ``_starved`` would stretch the cell's limit. The
    kernel's cgroup counts it (root can always make the cgroups here); the /proc walk alone would not."""
    from grader import kernel as kernels

    counter = kernel._cgroup.cpu_s() if kernel._cgroup is not None else None
    assert os.geteuid() != 0 or counter is not None, "as root the kernel's cgroups count its CPU time"
    before, walked = kernel.cpu_s(), kernels._cpu_of(kernel._pids[1])
    assert kernel.run(CHILD_BURNS_HALF_A_SECOND, timeout=30).ok
    if counter is not None:
        assert kernel.cpu_s() - before >= 0.5  # the child's 0.5 s of CPU, though it has exited
        assert kernel._cgroup.cpu_s() >= counter + 0.5
    assert kernels._cpu_of(kernel._pids[1]) - walked < 0.5  # the kernel's own process never had it


@pytest.mark.parametrize("files, want", [
    ({"cpuacct.usage": "2500000000\n"}, 2.5),                                     # cgroup v1, nanoseconds
    ({"cpu.stat": "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n"}, 1.5),  # cgroup v2
    ({"cpu.stat": "nr_periods 0\nnr_throttled 0\nthrottled_time 0\n"}, None),  # v1's cpu controller: no usage
    ({"cpuacct.usage": "garbage"}, None),
    ({}, None),
])
def test_a_cgroup_counts_cpu_seconds_in_either_version(tmp_path, files, want):
    from grader import sandbox

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    cgroup = sandbox.Cgroup.__new__(sandbox.Cgroup)
    cgroup.dirs, cgroup.applied, cgroup._present = [tmp_path, tmp_path / "gone"], {}, {}
    assert cgroup.cpu_s() == want
    for name in files:   # the folder gone with the kernel: nothing counts
        (tmp_path / name).unlink()
    assert cgroup.cpu_s() is None


@pytest.mark.parametrize("files, exhausted, events", [
    ({"memory.stat": "cache 500\nrss 899\ntotal_rss 900\n", "memory.failcnt": "12\n",
      "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"}, True, (12, 2)),   # cgroup v1
    ({"memory.stat": "anon 899\nfile 100\n", "memory.events": "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n"},
     False, (7, 1)),                                                                                 # cgroup v2
    ({"memory.stat": "cache 990\ntotal_rss 10\n"}, False, (0, 0)),   # full of file cache: not exhausted
    ({"memory.stat": "total_rss lots\n", "memory.oom_control": "oom_kill\n", "memory.failcnt": "1 2\n"},
     False, (0, 0)),
    ({}, False, (0, 0)),
])
def test_a_memory_cgroup_says_when_the_kernels_memory_is_exhausted_or_killed_in_either_version(tmp_path, files,
                                                                                           exhausted, events):
    """Exhausted: anonymous memory (v1 total_rss, v2 anon) at least sandbox.EXHAUSTED (0.9) of the limit, here
    1000 bytes; the file cache does not count. Events: (limit reached, OOM kills), from v1 memory.failcnt and
    memory.oom_control, or v2 memory.events."""
    from grader import sandbox

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    cgroup = sandbox.Cgroup.__new__(sandbox.Cgroup)
    cgroup.dirs, cgroup.applied = [tmp_path, tmp_path / "gone"], {"memory.limit_in_bytes": 1000}
    cgroup._present = {}
    assert (cgroup.memory_exhausted(), cgroup.memory_events()) == (exhausted, events)
    cgroup.applied = {}
    assert not cgroup.memory_exhausted()
