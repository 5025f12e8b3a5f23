"""Warm grading workers (grader.worker): a worker that graded hostile submissions grades the next one exactly as a
fresh worker would; warm and per-process batches give identical results on the planted samples of days 93-96;
a submission past its time limit has its process group killed and the next one gets a fresh worker; and the
GPU worker layout (``--per-gpu K``) of the Dask engine."""
import json
from pathlib import Path

import nbformat
import psutil
import pytest

from grader import engine as engines
from grader import exercise as exercises
from grader import worker
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
    (child,) = worker._children.values()
    return child.process.pid


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
    assert psutil.Process(pid).children(recursive=True) == [], "the hostile submissions left processes behind"


def test_a_submission_past_its_time_limit_is_killed_with_its_worker_and_the_next_gets_a_fresh_one(tmp_path,
                                                                                                    fresh_workers,
                                                                                                    monkeypatch):
    nb = nbformat.read(exercises.get("day93").solution, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("while True:\n    pass"))
    endless = tmp_path / "endless" / "day93" / "day93.ipynb"
    endless.parent.mkdir(parents=True)
    nbformat.write(nb, endless)
    solution = exercises.get("day93").solution
    first = worker.grade_job_warm(_job("solution", solution, cell_timeout_s=10))
    assert first.ok, first.reason
    pid = _warm_pid()
    group = psutil.Process(pid).children(recursive=True)
    stopped = worker.grade_job_warm(_job("endless", endless, cell_timeout_s=600, timeout_s=20))
    assert not stopped.ok and stopped.reason == "timed out after 20 s and was stopped"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not [p for p in group if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert worker._children == {}
    monkeypatch.setenv("GRADER_WORKER_MAX_RSS_MB", "1")  # and a worker grown past its bound is retired after grading
    after = worker.grade_job_warm(_job("solution", solution, cell_timeout_s=10))
    assert after.ok and json.loads(after.result)["score"] == json.loads(first.result)["score"]
    assert worker._children == {}


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
