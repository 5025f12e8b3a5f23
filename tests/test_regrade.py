"""Identical re-grades (issue 11 kind 8): the same notebook graded twice with the same seed gives the same canonical
JSON, timings aside. Every distinct notebook of the 13-learner batch class (tests/samples_batch.py) is graded twice,
in this process (no child process, no Dask: the kernel and the checks are what could differ)."""
import hashlib
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
