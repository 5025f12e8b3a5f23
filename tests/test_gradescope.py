"""Gradescope: the autograder zip, and run_autograder against a fake /autograder tree."""
import json
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest

import samples
from grader import exercise as exercises
from grader import gradescope
from grader.results import CheckResult, Execution, ExerciseResult, Status, Text

ROOT = exercises.ROOT
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# Gradescope's results.json, as ../shared/reference/platforms.md gives it.
SCHEMA = {
    "type": "object",
    "required": ["score", "execution_time", "output", "tests", "visibility", "stdout_visibility"],
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "integer", "minimum": 0},
        "output": {"type": "string"}, "output_format": FORMAT, "test_output_format": FORMAT,
        "test_name_format": FORMAT, "visibility": VISIBILITY, "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["score", "max_score", "status", "name", "output", "visibility"],
            "additionalProperties": False,
            "properties": {"score": {"type": "number"}, "max_score": {"type": "number"},
                           "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                           "name_format": FORMAT, "number": {"type": "string"}, "output": {"type": "string"},
                           "output_format": FORMAT, "tags": {"type": "array", "items": {"type": "string"}},
                           "visibility": VISIBILITY, "extra_data": {"type": "object"}}}},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "required": ["name", "value"], "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "value": {"type": "number"},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
}


@pytest.fixture(scope="module")
def autograder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "gradescope", str(out), "--exercises", "day93", "day94",
                          "--lang", "en"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    return out


def _fake_root(tmp_path: Path, autograder: Path, notebooks: dict[str, object]) -> Path:
    """/autograder as Gradescope lays it out: source/ (the zip), submission/ (the learner's files), results/, and
    run_autograder copied from source/ to the root, which is the copy the harness runs."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        (root / "source" / name).chmod(0o755)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    (root / "submission_metadata.json").write_text(json.dumps({"id": 1, "users": [{"name": "learner"}]}))
    for name, notebook in notebooks.items():
        target = root / "submission" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(notebook, Path):
            shutil.copy(notebook, target)
        else:
            import nbformat
            nbformat.write(notebook, target)
    return root


def _env(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    return {**env, "GRADER_AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}


def _run(root: Path) -> dict:
    """What the harness does: run <root>/run_autograder (the copy, not source/'s), from another folder."""
    elsewhere = root.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    run = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, env=_env(root),
                         timeout=600, cwd=elsewhere)
    assert run.returncode == 0, run.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    return data


def test_the_zip_holds_setup_run_autograder_hidden_checks_and_pinned_requirements(autograder):
    with zipfile.ZipFile(autograder) as archive:
        names = set(archive.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        requirements = archive.read("requirements.txt").decode().split()
        config = json.loads(archive.read("config.json"))
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "requirements.txt", "config.json", "grader/hidden/day93.py",
            "exercises/day93/test_day93.py", "grader/gradescope.py"} <= names
    assert not any(n.startswith("solutions/") for n in names)
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    pins = dict(line.split("==") for line in requirements)
    assert {"numpy", "tensorflow", "pytest", "nbclient", "ipykernel", "scipy"} <= set(pins)
    assert all(metadata.version(name) == version for name, version in pins.items())
    assert config["hidden_visibility"] == "after_published" and config["public_visibility"] == "visible"
    assert config["exercises"] == ["day93", "day94"] and config["lang"] == "en"
    assert "requirements.txt" in setup and f"--python {sys.version_info[0]}.{sys.version_info[1]}" in setup
    for script in ("setup.sh", "run_autograder"):
        with zipfile.ZipFile(autograder) as archive:
            check = subprocess.run(["bash", "-n"], input=archive.read(script).decode(), capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


def test_setup_builds_matplotlibs_font_list_into_the_image(tmp_path, autograder):
    """setup.sh's last step, run as Gradescope runs it (from the unpacked zip, with the image's Python): the font
    list every graded kernel is given (grader.fonts) is built once there, not at each submission."""
    with zipfile.ZipFile(autograder) as archive:
        archive.extractall(tmp_path / "source")
        (line,) = [line for line in archive.read("setup.sh").decode().splitlines() if "fonts.font_list()" in line]
    env = {**os.environ, "SOURCE": str(tmp_path / "source"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", line.replace("/autograder/venv/bin/python", sys.executable)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "cache" / "cnn-grader").glob("matplotlib-*/fontlist-v*.json"))) == 1


@pytest.mark.slow
def test_run_autograder_with_the_solutions_writes_full_marks_valid_against_the_schema(tmp_path, autograder):
    root = _fake_root(tmp_path, autograder, {"day93.ipynb": exercises.get("day93").solution,
                                             "work/day94/day94.ipynb": exercises.get("day94").solution})
    data = _run(root)
    maximum = sum(t["max_score"] for t in data["tests"])
    assert data["score"] == maximum > 0 and all(t["status"] == "passed" for t in data["tests"])
    assert {t["tags"][0] for t in data["tests"]} == {"day93", "day94"}
    hidden = [t for t in data["tests"] if "hidden" in t["tags"]]
    assert hidden and all(t["visibility"] == "after_published" for t in hidden)
    assert all(t["visibility"] == "visible" for t in data["tests"] if "public" in t["tags"])


@pytest.mark.slow
def test_run_autograder_with_a_broken_submission_gives_partial_credit(tmp_path, autograder):
    broken = samples.plant(tmp_path, "day93", "flipped_kernel")
    root = _fake_root(tmp_path, autograder, {"day93.ipynb": broken})  # day94 not submitted
    data = _run(root)
    day93 = [t for t in data["tests"] if t["tags"][0] == "day93"]
    day94 = [t for t in data["tests"] if t["tags"][0] == "day94"]
    assert 0 < data["score"] == sum(t["score"] for t in day93) < sum(t["max_score"] for t in day93)
    flipped = [t for t in day93 if t["status"] == "failed"]
    assert any(t["name"] == "day93 feature_map_slides" and "flipped" in t["output"] for t in flipped)
    assert day94 and all(t["score"] == 0 and t["max_score"] > 0 for t in day94)
    assert "No notebook found" in data["output"]


@pytest.mark.slow
def test_results_are_written_after_each_day_so_a_global_timeout_keeps_partial_credit(tmp_path, autograder):
    endless = samples.notebook_with("day94", insert={1: "while True:\n    pass"})
    root = _fake_root(tmp_path, autograder, {"day93.ipynb": exercises.get("day93").solution, "day94.ipynb": endless})
    results = root / "results" / "results.json"
    process = subprocess.Popen([str(root / "run_autograder")], env=_env(root), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, data, first = time.monotonic() + 300, None, None
        while time.monotonic() < deadline and process.poll() is None:
            if results.exists():
                data = json.loads(results.read_text())
                first = first or data
                if any(t["tags"][0] == "day93" and t["status"] == "passed" for t in data["tests"]):
                    break
            time.sleep(0.5)
        assert process.poll() is None, "day94's endless loop should still be running"
    finally:
        os.killpg(process.pid, 9)  # what Gradescope's global timeout does
        process.wait()
    data = json.loads(results.read_text())
    jsonschema.validate(data, SCHEMA)
    day93 = [t for t in data["tests"] if t["tags"][0] == "day93"]
    day94 = [t for t in data["tests"] if t["tags"][0] == "day94"]
    assert data["score"] == sum(t["max_score"] for t in day93) == 14
    assert day94 and all(t["score"] == 0 for t in day94) and "not graded yet" in day94[0]["output"]
    # before any grading, every day is pending: none claims the time budget was used up
    assert first is not None and all("not graded yet" in t["output"] and "budget" not in t["output"]
                                     for t in first["tests"])


def _exercise(metrics: dict) -> ExerciseResult:
    checks = (CheckResult("accuracy", Status.PASSED, 3.0, 3.0, hidden=True, function="train"),
              CheckResult("model", Status.FAILED, 0.0, 2.0, hidden=False, function="build_model",
                          message=Text("wrong", "錯")))
    return ExerciseResult(id="day97", checks=checks, execution=Execution(notebook="day97.ipynb"), metrics=metrics)


def test_day97_test_accuracy_goes_on_the_leaderboard_and_visibility_is_configurable():
    config = gradescope.Config(exercises=("day93",), public_visibility="after_due_date", hidden_visibility="hidden",
                               lang="en")
    data = gradescope.results([_exercise({"test_accuracy": 0.9913})], config=config, seconds=12.4, seed=1)
    jsonschema.validate(data, SCHEMA)
    assert data["leaderboard"] == [{"name": "Test accuracy (day97)", "value": 0.9913}]
    assert [t["visibility"] for t in data["tests"]] == ["hidden", "after_due_date"]
    assert data["score"] == 3 and data["tests"][1]["output"] == "incorrect: wrong"
    assert "leaderboard" not in gradescope.results([_exercise({})], config=config, seconds=1, seed=1)
    with pytest.raises(ValueError, match="hidden_visibility"):
        gradescope.Config(hidden_visibility="later")


@pytest.mark.slow
def test_grade_format_gradescope_is_valid_against_the_schema(tmp_path):
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "solutions/day93", "--format", "gradescope",
                          "--seed", "2", "--lang", "en"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 14 and len(data["tests"]) == 11


@pytest.mark.slow
def test_a_copy_named_as_browsers_name_it_is_graded_from_the_harness_copy_of_run_autograder(tmp_path, autograder):
    """Gradescope's harness exactly: the zip unpacked in source/, run_autograder copied to the root and run from
    there with another working folder, the learner's notebook saved as `day93 (1).ipynb` beside the untouched stub
    `day93.ipynb`; results.json's output names the notebook graded and the one passed over (it named neither)."""
    root = _fake_root(tmp_path, autograder, {"day93 (1).ipynb": exercises.get("day93").solution,
                                             "day93.ipynb": exercises.get("day93").stub})
    data = _run(root)
    day93 = [t for t in data["tests"] if t["tags"][0] == "day93"]
    assert sum(t["score"] for t in day93) == sum(t["max_score"] for t in day93) == 14
    assert "No notebook found at submission/day93" not in data["output"]
    assert "No notebook found at submission/day94.ipynb" in data["output"]   # where the learner's upload lands
    assert "Graded day93 (1).ipynb; also found and not graded: day93.ipynb" in data["output"], data["output"]


def test_the_time_budget_message_is_only_for_days_it_kept_from_starting(tmp_path):
    """A budget already spent: the days it kept from starting say so; nothing is graded."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    config = gradescope.Config(exercises=("day93", "day94"), lang="en", time_budget_s=0.0)
    data = gradescope.run(root=root, config=config)
    jsonschema.validate(data, SCHEMA)
    assert data["score"] == 0 and all("time budget of 0 s ran out" in t["output"] for t in data["tests"])
    assert json.loads((root / "results" / "results.json").read_text()) == data
