"""The kernel pool (grader.pool): a kernel launched ahead serves exactly one later session, of the same exercise, seed
and environment, and nothing of an earlier learner reaches it."""
import json
import os

import nbformat
import pytest

from grader import exercise as exercises
from grader import pool
from grader.grading import grade
from grader.session import Session, kernel_seed

DAY = "day93"
EXERCISE = exercises.get(DAY)
SEED = 4242

# A learner who leaves traces everywhere a kernel can: a file in its working copy, HOME and /tmp, a variable in
# the process environment, a module attribute, a process that keeps running.
LEAVES_TRACES = """
import os, subprocess, sys, json
for folder in (".", os.environ["HOME"], "/tmp"):
    with open(os.path.join(folder, "trace.txt"), "w") as handle:
        handle.write("left by the learner before")
os.environ["LEFT_BY"] = "before"
json.left_by = "before"
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
"""
# The next learner reports what it finds of them (an exception in the cell would be a failed cell).
LOOKS_FOR_TRACES = """
import os, json
found = [p for p in ("trace.txt", os.path.join(os.environ["HOME"], "trace.txt"), "/tmp/trace.txt") if os.path.exists(p)]
found += ["environment"] if "LEFT_BY" in os.environ else []
found += ["module"] if hasattr(json, "left_by") else []
found += ["process"] if any("time.sleep(600)" in open(f"/proc/{p}/cmdline").read().replace("\\0", " ")
                            for p in os.listdir("/proc") if p.isdigit() and os.path.exists(f"/proc/{p}/cmdline")) else []
assert found == [], found
"""


def _notebook(folder, source: str):
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    path = folder / EXERCISE.notebook_name
    nbformat.write(nb, path)
    return path


@pytest.fixture(autouse=True)
def empty_pool():
    pool.discard()
    yield
    pool.keep_warm(False)
    pool.discard()


def test_a_launched_kernel_is_taken_by_the_next_session_of_its_exercise_and_seed_only(tmp_path):
    pool.prepare(DAY, SEED, kernel_seed(SEED))
    assert pool.waiting() == [(DAY, SEED)]
    stage_folder = pool._waiting[next(iter(pool._waiting))].folder
    with Session(EXERCISE, EXERCISE.solution, seed=SEED + 1) as other:  # another seed: it starts its own
        assert other.execution.failures == () and other._tmp != stage_folder
    assert pool.waiting() == [(DAY, SEED)]
    with Session(EXERCISE, EXERCISE.solution, seed=SEED) as session:
        assert pool.waiting() == [] and session._tmp == stage_folder
        assert session.execution.failures == () and session.execution.cells_run == session.execution.cells_total
        assert session.learner.call("relu", [-1.0, 2.0]).tolist() == [0.0, 2.0]
    assert not stage_folder.exists()


def test_a_kernel_launched_before_the_environment_changed_is_not_taken_but_closed(monkeypatch):
    pool.prepare(DAY, SEED, kernel_seed(SEED))
    stage = pool._waiting[next(iter(pool._waiting))]
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # one of the variables a kernel's environment is drawn from
    assert pool.take(DAY, SEED) is None
    assert pool.waiting() == [] and not stage.folder.exists()
    pool.prepare(DAY, SEED, kernel_seed(SEED))
    stage = pool.take(DAY, SEED)
    assert stage is not None and stage.kernel.env["OMP_NUM_THREADS"] == "1"
    stage.close()
    assert not stage.folder.exists()


def test_discarded_kernels_leave_no_process_and_no_folder():
    pool.prepare(DAY, SEED, kernel_seed(SEED))
    stage = pool._waiting[next(iter(pool._waiting))]
    launcher = stage.kernel._client.km.provisioner.process.pid
    assert pool.waiting_pids() == [launcher]
    pool.prepare("day95", SEED, kernel_seed(SEED))  # another exercise: the first is closed
    assert pool.waiting() == [("day95", SEED)]
    assert not stage.folder.exists() and _gone(launcher)
    pool.discard()
    assert pool.waiting() == []


def _gone(pid: int) -> bool:
    """True when no process ``pid`` runs (none at all, or one that ended and waits to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_in_a_warm_process_nothing_of_one_learner_reaches_the_next(tmp_path):
    pool.keep_warm()
    before = grade(_notebook(tmp_path / "before", LEAVES_TRACES), seed=SEED, hidden=False)
    assert before.exercises[0].execution.failures == ()
    assert pool.waiting() == [(DAY, SEED)]  # launched while the first learner's checks ran
    after = grade(_notebook(tmp_path / "after", LOOKS_FOR_TRACES), seed=SEED, hidden=False)
    execution = after.exercises[0].execution
    assert execution.cells_run == 1 and execution.failures == (), [f.evalue for f in execution.failures]


def test_a_folder_of_days_launches_each_next_kernel_and_grades_as_one_at_a_time(tmp_path):
    for day in ("day93", "day95"):
        (tmp_path / day).mkdir()
        (tmp_path / day / f"{day}.ipynb").write_bytes(exercises.get(day).solution.read_bytes())
    together = grade(tmp_path, seed=SEED, lang="en")
    assert pool.waiting() == []  # not warm: nothing launched after the last day
    alone = [grade(tmp_path / day, seed=SEED, lang="en") for day in ("day93", "day95")]
    assert [e.score for e in together.exercises] == [r.score for r in alone] == [r.max_score for r in alone]
    assert [json.dumps([c.message and c.message.en for c in e.checks]) for e in together.exercises] == \
        [json.dumps([c.message and c.message.en for c in r.exercises[0].checks]) for r in alone]
