"""GitHub Classroom: the workflow's shape, and its day steps run as Actions runs them, decoded as the reporter does."""
import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import platform_tools
import samples
from grader import classroom
from grader import exercise as exercises
from grader.environment import describe
from grader.results import CheckResult, Execution, ExerciseResult, GradeResult, Status, Text, from_json

ROOT = exercises.ROOT
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def _workflow(**options) -> dict:
    return yaml.safe_load(classroom.workflow(**options))


def _job(data: dict) -> dict:
    return data["jobs"]["run-autograding-tests"]


def _step(data: dict, *, id=None, name=None) -> dict:
    return next(s for s in _job(data)["steps"] if (id and s.get("id") == id) or (name and s.get("name") == name))


def reporter_totals(output_file: Path, runners: list[str]) -> tuple[float, float, list[dict]]:
    """What the reporter does: for each runner read <ID>_RESULTS, base64-decode, parse; add up scores and maxima."""
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    total = most = 0
    decoded = []
    for runner in runners:
        data = json.loads(base64.b64decode(outputs[f"{runner}.result"]).decode("utf-8"))
        decoded.append(data)
        if not data["max_score"]:
            continue
        total += sum(t["score"] for t in data["tests"])
        most += data["max_score"]
    return total, most, decoded


class Actions:
    """Runs workflow steps' `run:` scripts in a workspace the way GitHub Actions does (GITHUB_* files, bash -e)."""

    def __init__(self, workspace: Path, workflow: dict):
        self.workspace, self.workflow = workspace, workflow
        self.files = {name: workspace.parent / f"{name.lower()}.txt" for name in
                      ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.write_text("")
        self.outputs = workspace.parent / "outputs.txt"
        self.outputs.write_text("")

    def _env(self, step: dict) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "GITHUB_"))}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        job_env = {k: str(v) for k, v in _job(self.workflow).get("env", {}).items() if "${{" not in str(v)}
        exported = dict(line.split("=", 1) for line in self.files["GITHUB_ENV"].read_text().splitlines() if line)
        return {**env, **job_env, "GRADER_LANG": "en", **exported, **{k: str(v) for k, v in step.get("env", {}).items()},
                **{k: str(p) for k, p in self.files.items()}}

    def run(self, step: dict, **env) -> subprocess.CompletedProcess:
        self.files["GITHUB_OUTPUT"].write_text("")
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=self.workspace, capture_output=True, text=True,
                              env={**self._env(step), **env}, timeout=600)
        if step.get("id"):
            with self.outputs.open("a") as out:
                for line in self.files["GITHUB_OUTPUT"].read_text().splitlines():
                    out.write(f"{step['id']}.{line}\n")
        return done

    @property
    def summary(self) -> str:
        return self.files["GITHUB_STEP_SUMMARY"].read_text()


def _workspace(tmp_path: Path, notebook) -> Path:
    """A learner's repository: exercises/day93/day93.ipynb (their work) and nothing else of theirs."""
    ws = tmp_path / "ws"
    (ws / "exercises" / "day93").mkdir(parents=True)
    if isinstance(notebook, Path):
        shutil.copy(notebook, ws / "exercises" / "day93" / "day93.ipynb")
    else:
        import nbformat
        nbformat.write(notebook, ws / "exercises" / "day93" / "day93.ipynb")
    return ws


def _fetch_hidden(ws: Path) -> None:
    """What the checkout of the private instructor repository leaves in .grader-hidden."""
    from grader.release import hidden_repository

    hidden_repository(ws / ".grader-hidden")  # what the instructor pushed there: every day and its helpers


# ---------------------------------------------------------------- the workflow file

def test_workflow_has_the_shape_classroom_expects():
    data = _workflow(runs_on=("self-hosted", "gpu"))
    # the mapping form of `on:` (actionlint rejects repository_dispatch in the list form)
    assert data["name"] == "Autograding Tests" and data["on"] == {"push": None, "repository_dispatch": None}
    job = _job(data)
    assert job["runs-on"] == ["self-hosted", "gpu"] and "github-classroom[bot]" in job["if"]
    days = list(exercises.EXERCISES)
    day_steps = [s for s in job["steps"] if s.get("id") in days]
    assert [s["id"] for s in day_steps] == [s["name"] for s in day_steps] == days
    for step in day_steps:
        assert f"grader grade . --exercises {step['id']} --format classroom" in step["run"]
        assert f"python -m grader.classroom finish {step['id']}" in step["run"]
        # the grader's own limit is shorter than the step's, so a fallback result is always written in time
        assert int(step["env"]["GRADER_TIME_LIMIT_S"]) + 60 <= step["timeout-minutes"] * 60
        assert int(step["env"]["GRADER_TIME_LIMIT_S"]) > exercises.get(step["id"]).total_timeout_s
    reporter = job["steps"][-1]
    assert reporter["uses"] == REPORTER and reporter["with"]["runners"] == ",".join(days)
    assert reporter["env"] == {f"{d.upper()}_RESULTS": f"${{{{ steps.{d}.outputs.result }}}}" for d in days}
    assert sum(s["timeout-minutes"] for s in day_steps) < job["timeout-minutes"]


def test_hidden_checks_are_fetched_from_a_configurable_private_repository():
    data = _workflow()
    assert _job(data)["runs-on"] == "ubuntu-latest"
    fetch = _step(data, name="Fetch hidden checks")
    assert fetch["uses"] == "actions/checkout@v4"
    assert fetch["with"]["repository"] == "${{ vars.GRADER_HIDDEN_REPO }}"
    assert fetch["with"]["token"] == "${{ secrets.GRADER_HIDDEN_TOKEN }}"
    assert fetch["with"]["path"] == ".grader-hidden" and fetch["with"]["persist-credentials"] is False
    assert "GRADER_HAS_HIDDEN_TOKEN" in fetch["if"] and fetch["continue-on-error"] is True
    assert _step(data, name="Choose checks")["env"]["GRADER_HIDDEN_FETCHED"] == f"${{{{ steps.{fetch['id']}.outcome }}}}"
    assert _job(data)["env"]["GRADER_HAS_HIDDEN_TOKEN"] == "${{ secrets.GRADER_HIDDEN_TOKEN != '' }}"
    other = _workflow(secret="COURSE_TOKEN", variable="COURSE_HIDDEN")
    fetch = _step(other, name="Fetch hidden checks")
    assert fetch["with"] == {**fetch["with"], "repository": "${{ vars.COURSE_HIDDEN }}",
                             "token": "${{ secrets.COURSE_TOKEN }}"}
    assert "--secret COURSE_TOKEN --variable COURSE_HIDDEN" in _step(other, name="Choose checks")["run"]


# ---------------------------------------------------------------- the steps, run

def _grade_day93(tmp_path: Path, notebook, *, hidden: bool, at_root: Path | None = None, **env) -> tuple[Actions, Path]:
    ws = _workspace(tmp_path, notebook)
    if at_root is not None:   # GitHub's "Upload files" on the repository's page
        shutil.copy(at_root, ws / at_root.name)
    if hidden:
        _fetch_hidden(ws)
    actions = Actions(ws, _workflow(exercise_ids=("day93",)))
    # the fetch step's outcome, as Actions fills in ${{ steps.hidden.outcome }}
    mode = actions.run(_step(actions.workflow, name="Choose checks"),
                       GRADER_HIDDEN_FETCHED="success" if hidden else "skipped")
    assert mode.returncode == 0, mode.stderr
    day = actions.run(_step(actions.workflow, id="day93"), **env)
    assert day.returncode == 0, day.stderr
    return actions, ws


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["solution", "flipped_kernel"])
def test_each_step_reports_every_checks_points_and_the_totals_equal_the_canonical_json(tmp_path, sample):
    notebook = exercises.get("day93").solution if sample == "solution" else samples.plant(tmp_path, "day93", sample)
    actions, ws = _grade_day93(tmp_path, notebook, hidden=True)
    total, most, (data,) = reporter_totals(actions.outputs, ["day93"])
    canonical = json.loads((ws / ".grader" / "day93.json").read_text())
    assert (total, most) == (canonical["score"], canonical["max_score"])
    assert data["version"] == 1 and len(data["tests"]) == len(canonical["exercises"][0]["checks"])
    assert any("(hidden)" in t["name"] for t in data["tests"]) and canonical["hidden_included"] is True
    for test in data["tests"]:
        assert set(test) == {"name", "status", "score", "message", "test_code", "filename", "line_no", "duration"}
    if sample == "solution":
        assert total == most == 14 and data["status"] == "pass"
    else:  # partial credit: the flipped kernel loses the feature_map checks only
        assert 0 < total < most and data["status"] == "fail"
        failed = [t for t in data["tests"] if t["status"] == "fail"]
        assert failed and all("feature_map" in t["name"] for t in failed)
        assert any("flipped" in t["message"] for t in failed)
    assert f"## day93: {total:g} / {most:g}" in actions.summary
    assert "Graded with the public checks and the instructor's hidden checks." in actions.summary


@pytest.mark.slow
def test_a_notebook_uploaded_to_the_repository_root_beside_the_stub_is_graded(tmp_path):
    """The step grades the day's notebook wherever it is in the repository, by the rule of ``grader grade`` and
    ``grader batch``: a solution uploaded as day93.ipynb at the root beside the untouched stub in exercises/day93
    scored 0/14 in Classroom (the step graded exercises/day93 only) and 14/14 everywhere else."""
    actions, ws = _grade_day93(tmp_path, exercises.get("day93").stub, hidden=True, at_root=exercises.get("day93").solution)
    total, most, _ = reporter_totals(actions.outputs, ["day93"])
    assert total == most == 14
    canonical = json.loads((ws / ".grader" / "day93.json").read_text())
    execution = canonical["exercises"][0]["execution"]
    assert execution["notebook"] == "day93.ipynb"   # relative to the workspace the step runs in
    assert execution["passed_over"] == ["exercises/day93/day93.ipynb"]


def test_a_hidden_folder_the_learner_committed_is_not_trusted(tmp_path):
    ws = _workspace(tmp_path, exercises.get("day93").solution)
    (ws / ".grader-hidden").mkdir()
    (ws / ".grader-hidden" / "day93.py").write_text("def test_free_points(learner):\n    pass\n")
    actions = Actions(ws, _workflow(exercise_ids=("day93",)))
    assert actions.run(_step(actions.workflow, name="Choose checks"), GRADER_HIDDEN_FETCHED="skipped").returncode == 0
    exported = actions.files["GITHUB_ENV"].read_text()
    assert "GRADER_CHECKS=--public-only" in exported and "GRADER_HIDDEN_DIR" not in exported


@pytest.mark.slow
def test_without_the_secret_the_step_grades_public_checks_only_and_says_so(tmp_path):
    actions, ws = _grade_day93(tmp_path, exercises.get("day93").solution, hidden=False)
    total, most, (data,) = reporter_totals(actions.outputs, ["day93"])
    assert total == most == 5 and not any("(hidden)" in t["name"] for t in data["tests"])
    assert "Hidden checks were NOT run" in actions.summary and "GRADER_HIDDEN_TOKEN" in actions.summary
    assert "5 of 5 public checks passed; 6 more checks run when your work is graded." in actions.summary


@pytest.mark.slow
def test_a_step_that_times_out_still_yields_json_with_tests(tmp_path):
    endless = samples.notebook_with("day93", insert={1: "while True:\n    pass"})
    actions, ws = _grade_day93(tmp_path, endless, hidden=True, GRADER_TIME_LIMIT_S="6")
    total, most, (data,) = reporter_totals(actions.outputs, ["day93"])
    assert data["status"] == "error" and len(data["tests"]) == 11
    assert all(t["status"] == "error" and t["score"] == 0 for t in data["tests"])
    assert (total, most) == (0, 14)  # the day's maximum still counts
    assert "stopped after 6 s" in data["tests"][0]["message"]
    assert "## day93: 0 / 14" in actions.summary


def test_a_step_whose_grader_cannot_grade_still_yields_json_with_tests(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()  # the learner deleted exercises/day93
    actions = Actions(ws, _workflow(exercise_ids=("day93",)))
    actions.run(_step(actions.workflow, name="Choose checks"), GRADER_HIDDEN_FETCHED="skipped")
    assert actions.run(_step(actions.workflow, id="day93")).returncode == 0
    _, _, (data,) = reporter_totals(actions.outputs, ["day93"])
    # graded as missing: not attempted (a failed test, not the grader's error), saying which folder was looked in
    assert data["status"] == "fail" and data["max_score"] == 5 and len(data["tests"]) == 5
    assert all(t["status"] == "fail" and t["score"] == 0 for t in data["tests"])
    assert "No notebook found at day93/day93.ipynb" in data["tests"][0]["message"]


# ---------------------------------------------------------------- the renderer

@pytest.mark.slow
def test_grade_format_classroom_prints_the_reporters_base64(tmp_path):
    out = tmp_path / "result.json"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(samples.plant(tmp_path, "day93", "flipped_kernel")),
                          "--format", "classroom", "--json", str(out), "--seed", "3", "--public-only", "--lang", "en"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    data = classroom.decode(run.stdout)
    canonical = from_json(out.read_text())
    # a flipped kernel loses feature_map_slides and feature_map_keeps_its_input (which also checks the value)
    assert classroom.totals(data) == (canonical.score, canonical.max_score) == (2, 5)
    slides = next(t for t in data["tests"] if t["name"] == "day93 feature_map_slides (public)")
    assert slides["status"] == "fail" and slides["score"] == 0 and "flipped" in slides["message"]
    assert slides["filename"] == "exercises/day93/test_day93.py" and data["status"] == "fail"


# ---------------------------------------------------------------- the real consumers

REPORTER_JS = Path(__file__).parent / "data" / "classroom_reporter.js"


def run_reporter(results: dict[str, str]) -> subprocess.CompletedProcess:
    """Start the reporter as Actions does: node, with each runner's base64 in its own environment variable."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "INPUT_RUNNERS": ",".join(results),
           **{f"{runner.upper()}_RESULTS": value for runner, value in results.items()}}
    return subprocess.run([platform_tools.node(), str(REPORTER_JS)], capture_output=True, text=True, env=env,
                          timeout=120)


def _points_notice(run: subprocess.CompletedProcess) -> str:
    return next(line for line in run.stdout.splitlines() if line.startswith("::notice title=Autograding complete::"))


def test_actionlint_passes_the_generated_workflow(tmp_path):
    workflow = tmp_path / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    for options in ({}, {"exercise_ids": ("day93",), "lang": "en", "python": "3.12"}):
        workflow.write_text(classroom.workflow(**options))
        run = platform_tools.actionlint(workflow)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Checking 1 workflow file(s)" in run.stdout and "passed lint checks" in run.stdout
    # a self-hosted runner's own label is the one thing actionlint cannot know (its config lists such labels)
    workflow.write_text(classroom.workflow(runs_on=("self-hosted", "gpu")))
    run = platform_tools.actionlint(workflow)
    problems = [line for line in run.stdout.splitlines() if line.startswith("classroom.yml:")]
    assert problems and all('label "gpu" is unknown' in p and p.endswith("[ runner-label ]") for p in problems)
    # and actionlint does reject what the list form used to be
    workflow.write_text(classroom.workflow().replace("'on':\n  push:\n  repository_dispatch:\n",
                                                     "'on': [push, repository_dispatch]\n"))
    run = platform_tools.actionlint(workflow)
    assert run.returncode != 0 and "repository_dispatch" in run.stdout + run.stderr


def _result(checks: tuple[CheckResult, ...], exercise_id: str = "day98") -> GradeResult:
    return GradeResult(exercises=(ExerciseResult(exercise_id, checks, Execution(f"{exercise_id}.ipynb")),), seed=1,
                       environment=describe(), submission="x", lang="en")


def test_a_zero_point_skipped_check_does_not_fail_the_job_at_full_marks():
    skipped = Text("Not measured: no ImageNet weights for VGG16.", "未測量：沒有 VGG16 的 ImageNet 權重。")
    checks = (CheckResult("head_trains", Status.PASSED, 3.0, 3.0, hidden=False),
              CheckResult("imagenet_accuracy", Status.SKIPPED, 0.0, 0.0, hidden=True, message=skipped))
    data = classroom.payload(_result(checks))
    assert data["status"] == "pass"
    test = next(t for t in data["tests"] if "imagenet_accuracy" in t["name"])
    assert test["status"] == "pass" and test["score"] == 0 and "ImageNet" in test["message"]
    run = run_reporter({"day98": classroom.encode(data)})
    assert run.returncode == 0, run.stdout
    assert _points_notice(run).endswith("::Points 3/3")
    # a skipped check that was worth points is still a failure
    worth = (checks[0], CheckResult("imagenet_accuracy", Status.SKIPPED, 0.0, 2.0, hidden=True, message=skipped))
    assert classroom.payload(_result(worth))["status"] == "fail"
    assert run_reporter({"day98": classroom.encode(classroom.payload(_result(worth)))}).returncode == 1


def test_a_huge_traceback_is_trimmed_so_the_reporter_still_starts_and_counts_every_day():
    line = "  File \"<learner>\", line 1, in f\n    " + "x" * 300
    huge = Text("Your `feature_map` raised ValueError: " + "v" * 200_000, "你的 `feature_map` 丟出了 ValueError")
    checks = tuple(CheckResult(f"check_{i}", Status.ERROR, 0.0, 1.0, hidden=False, message=huge,
                               traceback=tuple([line] * 40)) for i in range(11)) + \
        (CheckResult("relu", Status.PASSED, 2.0, 2.0, hidden=False),)
    untrimmed = classroom.encode({"version": 1, "status": "fail", "max_score": 13,
                                  "tests": [classroom._test(e, c, "en") for e in _result(checks, "day93").exercises
                                            for c in e.checks]})
    assert len(untrimmed) > 128 * 1024
    try:  # what happened before: node cannot start with a variable this large, and every day's points are lost
        run = run_reporter({"day93": untrimmed})
        assert "Points" not in run.stdout
    except OSError as error:
        assert error.errno == 7  # E2BIG, "Argument list too long"
    encoded = classroom.render(_result(checks, "day93")).strip()
    assert len(encoded) <= classroom.MAX_PAYLOAD_BYTES < 128 * 1024
    data = classroom.decode(encoded)
    assert all("left out here to keep the report small" in t["message"] for t in data["tests"] if t["score"] == 0)
    assert classroom.totals(data) == (2, 13)
    full = classroom.encode(classroom.payload(_result((CheckResult("a", Status.PASSED, 5.0, 5.0, hidden=False),),
                                                      "day94")))
    run = run_reporter({"day93": encoded, "day94": full})
    assert _points_notice(run).endswith("::Points 7/18") and run.returncode == 1  # day93 failed, its points count


def test_a_learner_message_cannot_forge_the_reporters_notices():
    forged = Text("x\n::notice title=Autograding report::{\"totalPoints\":99,\"maxPoints\":99}\n::error::no",
                  "x")
    checks = (CheckResult("relu", Status.FAILED, 0.0, 1.0, hidden=False, message=forged),)
    data = classroom.payload(_result(checks, "day93"))
    assert not any(line.lstrip().startswith("::") for t in data["tests"] for line in t["message"].splitlines())
    run = run_reporter({"day93": classroom.encode(data)})
    assert [line for line in run.stdout.splitlines() if "Autograding report" in line] == \
        ['::notice title=Autograding report::{"totalPoints":0,"maxPoints":1}']
