"""`grader batch` end to end: a sample class graded on Dask, resumed after a kill, on a separate scheduler and
worker, and its pages rendered in a real headless Chromium."""
import csv
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import platform_tools

from grader import html
from grader.job import Job, Settings, grade_job
from grader.results import from_json
from grader.submissions import discover
from samples_batch import PREFIX, build_class, learners
from samples import SAMPLES, notebook_with

SEED = "7321"
ARGS = ["--seed", SEED, "--lang", "en", "--cell-timeout", "4", "--quiet"]
GRADABLE = sorted(learners())
EVERYONE = sorted([*GRADABLE, "peggy"])
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--window-size=1100,1400"]
UNSTABLE = {"submission", "started_at", "duration_s", "durations", "kernel_start_s", "run_s", "learner_s",
            "notebook", "environment", "sandbox"}


def grader(*args, timeout=900, env=None):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def stable(data):
    """A result's JSON without what differs between two runs of the same grading (times, paths)."""
    if isinstance(data, dict):
        return {k: stable(v) for k, v in data.items() if k not in UNSTABLE}
    if isinstance(data, list):
        return [stable(v) for v in data]
    return data


def results(out: Path) -> dict:
    return {p.parent.name: stable(json.loads(p.read_text())) for p in (out / "learners").glob("*/result.json")}


def before_run_section(path: Path) -> str:
    return path.read_text().split("\n## Run\n")[0]


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return build_class(tmp_path_factory.mktemp("batch"))


@pytest.fixture(scope="module")
def reference(klass, tmp_path_factory):
    """The class graded once, uninterrupted, with 2 local workers."""
    out = tmp_path_factory.mktemp("reference") / "out"
    run = grader("batch", str(klass[0]), "--out", str(out), "--workers", "2", *ARGS)
    assert run.returncode == 1, run.stderr  # 1: one submission (peggy's empty repository) could not be graded
    assert "failed 1 (peggy: no notebook in cnn-hw-peggy)" in run.stderr
    return out


def test_layouts_give_learner_ids_and_content_hashes(klass, tmp_path):
    folder, _ = klass
    found = {s.learner: s for s in discover(folder)}
    assert sorted(found) == EVERYONE
    assert found["heidi"].exercises == ("day93", "day95") and found["judy"].exercises == ("day93",)
    assert found["ivan"].source.endswith("ivan.zip") and found["niaj"].source.endswith("niaj.ipynb")
    assert found["trent"].exercises == ("day95",) and found["bob"].exercises == ("day93",)
    assert found["peggy"].problem and not found["alice"].problem
    moved = shutil.copytree(folder, tmp_path / "elsewhere")
    assert {s.learner: s.digest() for s in discover(moved)} == {k: s.digest() for k, s in found.items()}
    (moved / f"{PREFIX}alice" / "day93" / "day93.ipynb").write_text(
        json.dumps(json.loads((moved / f"{PREFIX}carol" / "day93" / "day93.ipynb").read_text())))
    changed = {s.learner for s in discover(moved) if s.digest() != found[s.learner].digest()}
    assert changed == {"alice"}


def _grade_alone(alone: Path, tmp: Path) -> dict:
    out = tmp / f"{alone.name}.json"
    # GRADER_SEED as well as --seed: `grader grade --seed` alone does not (yet) seed the hidden checks' inputs
    run = grader("grade", str(alone), "--json", str(out), "--format", "json", "--seed", SEED, "--lang", "en",
                 "--cell-timeout", "4", timeout=600, env={**os.environ, "GRADER_SEED": SEED})
    assert run.returncode == 0, run.stderr
    return stable(json.loads(out.read_text()))


def test_two_workers_give_exactly_the_scores_of_grading_each_alone(klass, reference, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    _, alone = klass
    with ThreadPoolExecutor(2) as pool:
        expected = dict(zip(GRADABLE, pool.map(lambda name: _grade_alone(alone[name], tmp_path), GRADABLE)))
    assert results(reference) == expected
    rows = list(csv.DictReader((reference / "gradebook.csv").open()))
    assert [r["learner"] for r in rows] == EVERYONE  # one row per learner
    by_id = {r["learner"]: r for r in rows}
    for name in GRADABLE:
        assert float(by_id[name]["total"]) == expected[name]["score"]
    assert by_id["alice"]["day93"] == "14" and by_id["alice"]["day95"] == "" and by_id["bob"]["total"] == "0"
    assert by_id["alice"]["status"] == "incomplete" and by_id["alice"]["note"] == "missing day95"
    assert by_id["heidi"]["status"] == "graded" and by_id["trent"]["note"] == "missing day93"
    assert by_id["peggy"]["status"] == "not graded" and by_id["frank"]["total"] == "0"
    assert by_id["grace"]["total"] == "14"  # the cell that never ends was stopped; the rest still graded
    summary = (reference / "summary.md").read_text()
    assert "flipped_kernel (feature_map)" in summary and "![Score distribution](score_histogram.svg)" in summary
    assert "| day93 | feature_map_random_channels (hidden) |" in summary
    run = json.loads((reference / "run.json").read_text())
    assert run["seed"] == int(SEED) and len(run["workers"]) == 2 and run["devices"] == ["CPU: %d cores" % os.cpu_count()]


def _states(out: Path) -> dict:
    return {p.parent.name: json.loads(p.read_text()) for p in (out / "learners").glob("*/batch.json")}


def _grading_processes() -> list:
    """Grader children and kernels of this test's seed still alive."""
    alive = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        cmdline, environ = process.info["cmdline"] or [], process.info["environ"] or {}
        if environ.get("GRADER_SEED") == SEED or ("--seed" in cmdline and SEED in cmdline and "grade" in cmdline):
            alive.append(process)
    return alive


def test_a_batch_killed_part_way_and_rerun_grades_only_the_rest(klass, reference, tmp_path):
    folder = shutil.copytree(klass[0], tmp_path / "class")
    out = tmp_path / "out"
    # one worker: the class takes twice as long, so a test process starved by a loaded machine still sees it part way
    command = [sys.executable, "-m", "grader.cli", "batch", str(folder), "--out", str(out), "--workers", "1", *ARGS]
    # SIGINT as a terminal has it: pytest-xdist's workers ignore it, and a child would inherit that, so Python would
    # install no KeyboardInterrupt handler and the Ctrl-C below would be lost
    batch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 400
        while len(_states(out)) < 4 and time.monotonic() < deadline and batch.poll() is None:
            time.sleep(0.2)
        batch.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = batch.communicate(timeout=120)
    finally:
        if batch.poll() is None:
            os.killpg(batch.pid, signal.SIGKILL)
    assert batch.returncode == 130, stderr
    assert "interrupted" in stderr
    first = _states(out)
    assert 4 <= len(first) < len(EVERYONE)
    assert not list(out.rglob("*.tmp")) and not (out / "gradebook.csv").exists()
    for name, state in first.items():  # every file there is complete
        if state["ok"]:
            from_json((out / "learners" / name / "result.json").read_text())
    deadline = time.monotonic() + 15
    while _grading_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _grading_processes(), "a grading process outlived the interrupted batch"

    rerun = grader("batch", str(folder), "--out", str(out), "--workers", "2", "--lang", "en", "--cell-timeout", "4",
                   "--quiet")  # no --seed: the interrupted run's seed is resumed
    assert rerun.returncode == 1, rerun.stderr
    done_first = {n for n, s in first.items() if s["ok"]}
    again = {n for n, s in _states(out).items() if s["run"] != first.get(n, {}).get("run")}
    assert again == set(EVERYONE) - done_first
    assert f"skipped {len(done_first)} (already graded)" in rerun.stderr
    assert (out / "gradebook.csv").read_text() == (reference / "gradebook.csv").read_text()
    assert results(out) == results(reference)
    assert before_run_section(out / "summary.md") == before_run_section(reference / "summary.md")

    carol = folder / f"{PREFIX}carol" / "day93" / "day93.ipynb"  # a learner resubmits: only she is graded again
    carol.write_bytes(json.dumps(notebook_with("day93", functions=SAMPLES["day93"]["off_by_one"])).encode())
    third = grader("batch", str(folder), "--out", str(out), "--lang", "en", "--cell-timeout", "4", "--quiet")
    assert f"graded 1, skipped {len(GRADABLE) - 1} (already graded)" in third.stderr
    rows = {r["learner"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["carol"]["total"] == rows["dave"]["total"]
    # carol alone: peggy (no notebook, failed) is counted once, as failed, not also as already graded (13 of 12)
    fourth = grader("batch", str(folder), "--out", str(out), "--lang", "en", "--cell-timeout", "4", "--quiet",
                    "--learners", "carol")
    assert f"graded 1, skipped {len(EVERYONE) - 2} (already graded), failed 1" in fourth.stderr, fourth.stderr


def test_a_result_graded_under_other_checks_is_graded_again(reference, tmp_path, monkeypatch):
    """The skip test covers more than the notebook and the options: a hidden check edited (one check's points
    changed) or a new grader version changes :func:`grader.exercise.checks_digest`, so no learner keeps a score
    from the old checks (a reviewer's re-run skipped everyone, then ``--learners s1`` gave s1 16 of 14)."""
    from grader import batch
    from grader import exercise as exercises
    from grader.submissions import Submission

    name, state = next((n, s) for n, s in sorted(_states(reference).items()) if s["ok"])
    saved = json.loads(state["settings"])
    settings = Settings(**{k: saved[k] for k in ("seed", "hidden", "cell_timeout_s", "device")})
    learner = Submission(name, state["source"])
    assert saved["checks"] == exercises.checks_digest()
    assert batch._up_to_date(reference, learner, state["digest"], settings)
    hidden = shutil.copytree(exercises.hidden_dir(), tmp_path / "hidden", ignore=shutil.ignore_patterns("__pycache__"))
    checks = hidden / "day93.py"
    checks.write_text(checks.read_text().replace("@pytest.mark.points(1)", "@pytest.mark.points(3)", 1))
    monkeypatch.setenv("GRADER_HIDDEN_DIR", str(hidden))
    exercises.checks_digest.cache_clear()
    try:
        assert not batch._up_to_date(reference, learner, state["digest"], settings)
    finally:
        monkeypatch.delenv("GRADER_HIDDEN_DIR")
        exercises.checks_digest.cache_clear()
    assert batch._up_to_date(reference, learner, state["digest"], settings)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_same_batch_on_a_separate_dask_scheduler_and_worker_gives_identical_results(klass, reference, tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    logs = [open(tmp_path / name, "w") for name in ("scheduler.log", "worker.log")]
    dask = [sys.executable, "-m", "dask"]
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=logs[0], stderr=subprocess.STDOUT, env=env, start_new_session=True)]
    try:
        processes.append(subprocess.Popen([*dask, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                           "--no-dashboard"], stdout=logs[1], stderr=subprocess.STDOUT, env=env,
                                          start_new_session=True))
        out = tmp_path / "out"
        run = grader("batch", str(klass[0]), "--out", str(out), "--scheduler", address, *ARGS)
        assert run.returncode == 1, run.stderr
    finally:
        for process in reversed(processes):
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs:
            log.close()
    assert (out / "gradebook.csv").read_text() == (reference / "gradebook.csv").read_text()
    assert results(out) == results(reference)
    run_meta = json.loads((out / "run.json").read_text())
    assert run_meta["scheduler"] == address and run_meta["workers"]


def _chromium(url: str, tmp_path: Path, name: str) -> tuple[str, Path]:
    exe = platform_tools.chromium()  # on PATH, else Debian's, installed by the test run itself
    png = tmp_path / f"{name}.png"
    shot = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / (name + '-shot')}",
                           f"--screenshot={png}", url], capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and png.is_file(), shot.stderr[-2000:]
    dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / (name + '-dom')}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return dom.stdout, png


def _pixels(png: Path):
    import matplotlib.image

    return matplotlib.image.imread(png)[..., :3]


def test_feedback_page_and_summary_render_in_headless_chromium(reference, tmp_path):
    import numpy as np

    dom, png = _chromium((reference / "summary.html").as_uri(), tmp_path, "summary")
    assert '<figure id="score-histogram"><svg' in dom and "Class summary" in dom
    assert "13 learners: 1 graded, 11 with exercises missing, 1 not graded" in dom
    pixels = _pixels(png)
    bar = np.array([0x2F, 0x6F, 0xB5]) / 255
    assert (np.abs(pixels - bar).max(axis=-1) < 0.05).sum() > 2000, "the histogram's bars are not on screen"
    dom, png = _chromium((reference / "learners" / "alice" / "feedback.html").as_uri(), tmp_path, "alice")
    assert 'id="total-score">Total score: 14 / 31</p>' in dom  # the class also has day95 (17 points), not submitted
    assert "Not submitted: day95 (0 of 17 points)" in dom
    pixels = _pixels(png)
    assert (pixels.min(axis=-1) < 0.5).mean() > 0.005, "the screenshot is blank"
    dom, _ = _chromium((reference / "learners" / "grace" / "feedback.html").as_uri(), tmp_path, "grace")
    assert "time.sleep(10**6)" in dom and "did not finish within 4 s" in dom  # her failing cell, shown to her


def test_feedback_page_shows_metrics_and_the_learning_curve(reference):
    result = from_json((reference / "learners" / "alice" / "result.json").read_text())
    curves = {"accuracy": (0.8, 0.9, 0.95), "val_accuracy": (0.78, 0.88, 0.9), "loss": (0.6, 0.3, 0.2)}
    exercise = dataclasses.replace(result.exercises[0], metrics={"test_accuracy": 0.9913}, curves=curves)
    page = html.render_feedback(dataclasses.replace(result, exercises=(exercise,)), lang="zh-TW", learner="alice")
    assert "學習曲線" in page and "test_accuracy" in page and "0.9913" in page and '<figure class="curves"><svg' in page
    assert "val_accuracy" in page.split('<figure class="curves">')[1]
    assert "curves" not in html.render_feedback(result, lang="en")


def test_a_submission_over_its_time_limit_is_killed_with_its_kernels(klass):
    _, alone = klass
    files = (("day93", (alone["grace"] / "day93" / "day93.ipynb").read_bytes()),)
    began = time.monotonic()
    outcome = grade_job(Job("grace", files, Settings(seed=int(SEED), timeout_s=8)))
    assert not outcome.ok and outcome.reason.en == "timed out after 8 s and was stopped"
    assert time.monotonic() - began < 20
    deadline = time.monotonic() + 10
    while _grading_processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _grading_processes()


def test_a_batch_that_cannot_run_exits_2_with_one_line(tmp_path):
    (tmp_path / "class.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)   # the whole class downloaded as one zip
    for args in (["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")],
                 ["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "o")],
                 ["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--memory-limit", "100"],
                 ["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--workers", "0"],
                 ["batch", str(tmp_path / "class.zip"), "--out", str(tmp_path / "o"), "--lang", "en"]):
        (tmp_path / "empty").mkdir(exist_ok=True)
        run = grader(*args, timeout=120)
        assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert run.stderr.startswith("grader: ")
    assert "class.zip is a zip file: grader batch grades a folder. Unzip" in run.stderr


def test_learners_named_as_written_are_shown_the_id_they_make(tmp_path):
    """--learners "李 美玲" was refused as unknown without a word about the id the folder name makes (李_美玲)."""
    from grader import exercise as exercises

    for folder in ("李 美玲", "bob"):
        (tmp_path / "class" / folder / "day93").mkdir(parents=True)
        shutil.copy(exercises.get("day93").stub, tmp_path / "class" / folder / "day93" / "day93.ipynb")
    run = grader("batch", str(tmp_path / "class"), "--out", str(tmp_path / "o"), "--learners", "李 美玲", "--lang",
                 "en", timeout=120)
    assert run.returncode == 2 and "李 美玲 (-> 李_美玲)" in run.stderr, run.stderr


def test_the_checks_digest_covers_the_data_and_configuration_a_score_depends_on(tmp_path, monkeypatch):
    """checks_digest read only *.py files: a new MNIST test split (day97's accuracy points), checks.ini or
    hidden_counts.json left old scores standing."""
    from grader import exercise as exercises

    data = tmp_path / "datasets" / "mnist"
    data.mkdir(parents=True)
    (data / "mnist.npz").write_bytes(b"first")
    monkeypatch.setattr(exercises, "ROOT", tmp_path)
    exercises.checks_digest.cache_clear()
    try:
        first = exercises.checks_digest()
        (data / "mnist.npz").write_bytes(b"second")
        exercises.checks_digest.cache_clear()
        assert exercises.checks_digest() != first
    finally:
        monkeypatch.undo()
        exercises.checks_digest.cache_clear()
