"""Warm grading workers (grader.worker): a worker that graded hostile submissions grades the next one exactly as a
fresh worker would; warm and per-process batches give identical results on the planted samples of days 93-96;
a submission past its time limit has its grader stopped (SIGTERM, then SIGKILL and a sweep), leaving no session
folder, cgroup or process of it, and the next one gets a fresh worker; and the GPU worker layout (``--per-gpu K``)
of the Dask engine."""
import glob
import json
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from grader import engine as engines
from grader import exercise as exercises
from grader import job as jobs
from grader import sandbox, worker
from grader.batch import run_batch
from grader.job import Job, Settings
from corpus import CASES
from samples import SAMPLES, plant
from test_batch import results, stable

SEED = 4242
HOSTILE = ("fork_bomb", "output_flood", "os_exit", "monkeypatch_numpy")


def _job(learner: str, path: Path, **settings) -> Job:
    return Job(learner, ((path.parent.name, path.read_bytes()),), Settings(seed=SEED, lang="en", **settings))


def _warm_pid() -> int:
    (child,) = worker._idle
    return child.process.pid


def _endless(tmp_path: Path, marker: str) -> Path:
    """A day93 notebook whose one cell writes ``marker`` in the kernel's working folder, then never ends."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"open({marker!r}, 'w').close()\nwhile True:\n    pass"))
    path = tmp_path / "endless" / "day93" / "day93.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _cgroups(pid: int) -> list[Path]:
    """The kernels' cgroups of the grader process ``pid`` (named ``grader-<pid>-...`` by grader.kernel)."""
    return [group for base in sandbox.cgroup_bases() for group in base.glob(f"grader-{pid}-*")]


def _sessions(pid: int) -> list[str]:
    """The session folders of the grader process ``pid`` (holding its kernels' ``.kernel-<pid>-...`` folders)."""
    return [f for f in glob.glob(f"{tempfile.gettempdir()}/grader-*")
            if glob.glob(f"{f}/.kernel-{pid}-*") or glob.glob(f"{f}/.sandbox-{pid}-*")]


def _while_grading(grade, marker: str):
    """``grade()``'s outcome, and what its kernel had while the marked cell ran: (the grader's pid, the session
    folder, its cgroups)."""
    done: dict = {}
    thread = threading.Thread(target=lambda: done.update(outcome=grade()))
    thread.start()
    seen = None
    while thread.is_alive():
        started = glob.glob(os.path.join(tempfile.gettempdir(), "grader-*", "work", marker))
        if started and seen is None:
            folder = Path(started[0]).parent.parent
            pid = int(next(folder.glob(".kernel-*")).name.split("-")[1])
            seen = pid, folder, _cgroups(pid)
        time.sleep(0.1)
    thread.join()
    assert seen is not None, "the endless cell never started"
    return done["outcome"], seen


def _recording_stops(monkeypatch, module, **options) -> list:
    """(pid, exit status) of every process ``module.kill_tree`` stops, called with ``options``."""
    stops, kill_tree = [], jobs.kill_tree

    def recording(process, **given):
        kill_tree(process, **{**given, **options})
        stops.append((process.pid, process.returncode))
    monkeypatch.setattr(module, "kill_tree", recording)
    return stops


@pytest.fixture
def fresh_workers():
    worker.shutdown()
    yield
    worker.shutdown()


def test_a_worker_that_graded_hostile_submissions_grades_the_next_as_a_fresh_one(tmp_path, fresh_workers):
    sample = plant(tmp_path, "day93", next(iter(SAMPLES["day93"])))
    fresh = worker.grade_job_warm(_job("sample", sample, cell_timeout_s=10))
    assert fresh.ok, fresh.reason
    pid = _warm_pid()
    cases = {c.name: c for c in CASES}
    for name in HOSTILE:
        case = cases[name]
        outcome = worker.grade_job_warm(_job(name, case.build(tmp_path / "hostile", {}),
                                             cell_timeout_s=case.cell_timeout_s))
        assert outcome.ok, (name, outcome.reason)
        assert json.loads(outcome.result)["exercises"][0]["id"] == "day93"
    assert _warm_pid() == pid, "the hostile submissions were not all graded by the same warm worker"
    after = worker.grade_job_warm(_job("sample", sample, cell_timeout_s=10))
    assert after.ok, after.reason
    assert _warm_pid() == pid, "the submission after the hostile ones was not graded by the same warm worker"
    assert stable(json.loads(after.result)) == stable(json.loads(fresh.result))
    (child,) = worker._idle
    assert len(child.kept) <= 1, "more than the next submission's kernel was launched ahead"
    assert worker.strays(pid, list(child.kept)) == [], "the hostile submissions left processes behind"
    worker.shutdown()  # retired with the kernel it launched ahead: nothing of it is left
    assert not psutil.pid_exists(pid) and _sessions(pid) == [] and _cgroups(pid) == []


def test_a_submission_past_its_time_limit_is_killed_with_its_worker_and_the_next_gets_a_fresh_one(tmp_path,
                                                                                                    fresh_workers,
                                                                                                    monkeypatch):
    marker = f"started-{uuid.uuid4().hex}"
    endless = _endless(tmp_path, marker)
    solution = exercises.get("day93").solution
    first = worker.grade_job_warm(_job("solution", solution, cell_timeout_s=10))
    assert first.ok, first.reason
    pid = _warm_pid()
    stops = _recording_stops(monkeypatch, worker)
    stopped, (grader_pid, folder, groups) = _while_grading(
        lambda: worker.grade_job_warm(_job("endless", endless, cell_timeout_s=600, timeout_s=12)), marker)
    assert not stopped.ok and stopped.reason.en == "timed out after 12 s and was stopped"
    assert grader_pid == pid, "the endless notebook was not graded by the warm worker"
    # stopped, and graded once more on a fresh worker (a failure on a worker that graded before), stopped too
    assert [p for p, _ in stops][:1] == [pid] and len(stops) == 2, stops
    assert [code for _, code in stops] == [0, 0], "a warm worker did not stop by itself on SIGTERM"
    assert not folder.exists(), f"left behind: {folder}"
    assert [(_sessions(p), _cgroups(p)) for p, _ in stops] == [([], [])] * 2, f"left behind ({groups} seen)"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert worker._idle == [] and worker._busy == []
    monkeypatch.setenv("GRADER_WORKER_MAX_RSS_MB", "1")  # and a worker grown past its bound is retired after grading
    after = worker.grade_job_warm(_job("solution", solution, cell_timeout_s=10))
    assert after.ok and json.loads(after.result)["score"] == json.loads(first.result)["score"]
    assert worker._idle == [] and worker._busy == []


SLOW_KERAS = """\
import os, sys, time


class SlowKeras:  # the first import of Keras in this process takes GRADER_TEST_SLOW_KERAS_S seconds more
    def find_spec(self, name, path=None, target=None):
        if name == "keras":
            sys.meta_path.remove(self)
            time.sleep(float(os.environ["GRADER_TEST_SLOW_KERAS_S"]))
        return None


if os.environ.get("GRADER_TEST_SLOW_KERAS_S"):
    sys.meta_path.insert(0, SlowKeras())
"""


def _sitecustomize(tmp_path: Path, monkeypatch, source: str) -> None:
    """``source`` as the ``sitecustomize`` of every Python process this test starts (first on its PYTHONPATH)."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(source)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path / "site"),
                                                                    os.environ.get("PYTHONPATH")])))


@pytest.mark.parametrize("grade", [worker.grade_job_warm, jobs.grade_job], ids=["warm", "per-submission"])
def test_the_graders_own_keras_import_is_not_counted_against_a_submissions_time_limit(tmp_path, fresh_workers,
                                                                                       monkeypatch, grade):
    # A grading process's first day94-98 submission used to pay for importing Keras and TensorFlow (5-10 s on 2
    # cores, over 30 s under load) inside its time limit: an honest learner graded first on a worker was timed out.
    # Here the import takes 40 s more (a sitecustomize on the grader's PYTHONPATH; the kernels never import Keras
    # for day95) and the limit is 35 s: graded, because the import is waited on before the submission's clock.
    _sitecustomize(tmp_path, monkeypatch, SLOW_KERAS)
    monkeypatch.setenv("GRADER_TEST_SLOW_KERAS_S", "40")
    solution = exercises.get("day95").solution
    outcome = grade(_job("solution", solution, cell_timeout_s=60, timeout_s=35))
    assert outcome.ok, outcome.reason.en
    if grade is worker.grade_job_warm:   # by the warm child itself, not by its per-submission fallback
        (child,) = worker._idle
        assert child.graded == 1 and child.keras_ready
    assert outcome.duration_s > 40, "the slowed import of Keras never happened: this test proves nothing"
    assert json.loads(outcome.result)["score"] == json.loads(outcome.result)["max_score"]


def test_a_grader_that_never_starts_is_stopped_and_the_learner_is_not_told_they_timed_out(tmp_path, monkeypatch):
    # The grading child's own start (its imports) hangs past START_TIMEOUT_S: it is stopped then, not after the
    # submission's whole limit, and the reason is the grader's, not "timed out" (the learner's notebook never ran).
    _sitecustomize(tmp_path, monkeypatch, SLOW_KERAS)
    monkeypatch.setenv("GRADER_TEST_SLOW_KERAS_S", "600")
    monkeypatch.setattr(jobs, "START_TIMEOUT_S", 2.0)
    stops = _recording_stops(monkeypatch, jobs)
    outcome = jobs.grade_job(_job("solution", exercises.get("day95").solution, cell_timeout_s=60, timeout_s=30))
    assert not outcome.ok and not outcome.result
    assert outcome.reason.en.startswith("the grader did not start within 2 s"), outcome.reason.en
    assert "timed out" not in outcome.reason.en and "沒有啟動" in outcome.reason.zh_tw
    assert outcome.duration_s < 20, "waited for the submission's limit rather than the grader's start"
    ((pid, _),) = stops
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


DIE_STARTING = """\
import os, subprocess, sys


class DieStarting:  # the grading child dies importing Keras, leaving a process that holds its start pipe open
    def find_spec(self, name, path=None, target=None):
        if name == "keras":
            subprocess.Popen(["sleep", os.environ["GRADER_TEST_DIE_STARTING"]], close_fds=False)
            os._exit(3)
        return None


if os.environ.get("GRADER_TEST_DIE_STARTING"):
    sys.meta_path.insert(0, DieStarting())
"""


def test_a_grader_that_dies_starting_is_reported_by_its_exit_even_with_its_start_pipe_held_open(tmp_path,
                                                                                                monkeypatch):
    _sitecustomize(tmp_path, monkeypatch, DIE_STARTING)
    holder = f"{30 + uuid.uuid4().int % 1000 / 1000:.3f}"   # sleep's argument marks the process holding the pipe
    monkeypatch.setenv("GRADER_TEST_DIE_STARTING", holder)
    monkeypatch.setattr(jobs, "START_TIMEOUT_S", 20.0)
    try:
        outcome = jobs.grade_job(_job("solution", exercises.get("day95").solution, cell_timeout_s=60,
                                      timeout_s=60))
        assert not outcome.ok and outcome.reason.en.startswith("the grader exited with status 3"), outcome.reason.en
        assert outcome.duration_s < 15, "waited for the start limit: the child's exit was not noticed"
    finally:
        for process in psutil.process_iter(["cmdline"]):
            if process.info["cmdline"] == ["sleep", holder]:
                process.kill()


def test_a_warm_worker_started_for_a_batch_with_keras_days_imports_it_before_its_first_submission(fresh_workers):
    settings = Settings(seed=SEED, lang="en", cell_timeout_s=10)
    worker.prestart(settings, 1, keras=True)   # as a batch with days 94-98 starts its workers
    solution = exercises.get("day93").solution
    outcome = worker.grade_job_warm(Job("solution", (("day93", solution.read_bytes()),), settings))
    assert outcome.ok, outcome.reason.en
    (child,) = worker._idle   # graded by the warm child (not by the per-submission fallback), Keras already in it
    assert child.graded == 1 and child.keras and child.keras_ready


def test_a_grader_that_ignores_sigterm_is_killed_and_its_session_folder_and_cgroups_swept(tmp_path, monkeypatch):
    marker = f"started-{uuid.uuid4().hex}"
    endless = _endless(tmp_path, marker)
    stops = _recording_stops(monkeypatch, jobs, grace_s=0)  # no time to close anything: SIGKILL at once
    stopped, (pid, folder, groups) = _while_grading(
        lambda: jobs.grade_job(_job("endless", endless, cell_timeout_s=600, timeout_s=15)), marker)
    assert not stopped.ok and stopped.reason.en == "timed out after 15 s and was stopped"
    assert stops == [(pid, -9)], "the per-submission grader was not the one killed"
    assert not folder.exists() and _sessions(pid) == [] and _cgroups(pid) == [], f"left behind ({groups} seen)"
    assert not [p for p in psutil.process_iter(["cmdline"]) if str(folder) in " ".join(p.info["cmdline"] or [])]


def test_warm_and_per_process_batches_give_identical_results_on_the_planted_samples(tmp_path):
    klass = tmp_path / "class"
    for day in ("day93", "day94", "day95", "day96"):
        name = list(SAMPLES[day])[-1]  # one planted mistake per day: the machine is shared, keep it small
        planted = plant(tmp_path / "planted", day, name)
        target = klass / f"{day}-{name}" / day / f"{day}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes(planted.read_bytes())
    options = dict(workers=1, seed=SEED, lang="en", progress=False, device="cpu", cell_timeout_s=20)
    cold = run_batch(klass, out=tmp_path / "cold", warm=False, **options)
    warm = run_batch(klass, out=tmp_path / "warm", warm=True, **options)
    assert cold.graded == warm.graded and len(warm.graded) == 4 and not warm.failed
    assert results(tmp_path / "warm") == results(tmp_path / "cold")
    assert (tmp_path / "warm" / "gradebook.csv").read_text() == (tmp_path / "cold" / "gradebook.csv").read_text()
    assert json.loads((tmp_path / "warm" / "run.json").read_text())["warm_workers"] is True


def test_per_gpu_puts_k_single_threaded_workers_on_each_gpu_with_memory_growth():
    spec = engines.gpu_worker_spec(["0", "3"], per_gpu=3)
    assert sorted(spec) == ["gpu0-0", "gpu0-1", "gpu0-2", "gpu3-0", "gpu3-1", "gpu3-2"]
    for name, worker_spec in spec.items():
        options = worker_spec["options"]
        assert options["nthreads"] == 1 and options["resources"] == {"GPU": 1} and options["name"] == name
        assert options["env"] == {"CUDA_VISIBLE_DEVICES": name[3], "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
    assert engines.gpu_worker_spec(["1"])["gpu1"]["options"]["env"] == {"CUDA_VISIBLE_DEVICES": "1"}
    with pytest.raises(engines.EngineError, match="--per-gpu 0"):
        engines.gpu_worker_spec(["0"], per_gpu=0)
