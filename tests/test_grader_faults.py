"""One grader-side exception never loses the submission: a check that breaks for the grader's own reasons, or a
check file that cannot be collected, becomes that check's `error` (not the learner's fault), and the rest is graded."""
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from grader import exercise as exercises
from grader import grading, report
from grader.results import Status, from_json, to_json

ROOT = exercises.ROOT

BROKEN = '''
@pytest.mark.points(3)
@pytest.mark.target("relu")
def test_type_error(learner):
    return 1 + None

@pytest.mark.points(1)
def test_key_error(learner):
    return {}["weights"]

@pytest.mark.points(4)
def test_memory_error(learner):
    raise MemoryError()
'''

GOOD_AND_BROKEN = '''
import pytest

@pytest.mark.points(2)
@pytest.mark.target("relu")
def test_good(learner):
    assert learner.call("relu", 3) == 3

@pytest.mark.points(1)
def test_wrong(learner):
    assert learner.call("relu", -1) == 0, "relu(-1) should be 0"
''' + BROKEN


class FakeLearner:
    def call(self, name, value):
        return max(value, 0) if value > 0 else value  # relu wrong for negatives


@dataclass(frozen=True)
class FakeExercise:
    """An exercise whose public checks are a file of our own (the learner fixture finds it by its folder name)."""

    id: str
    public_checks: Path
    hidden_checks: Path | None = None


def _exercise(tmp_path: Path, source: str) -> FakeExercise:
    folder = tmp_path / "day93"
    folder.mkdir()
    (folder / "test_day93.py").write_text(source)
    return FakeExercise("day93", folder / "test_day93.py")


def _by_id(results):
    return {c.id: c for c in results}


def test_a_check_that_breaks_for_the_grader_is_an_error_and_the_others_still_score(tmp_path):
    collector = grading.collect_checks(_exercise(tmp_path, GOOD_AND_BROKEN), FakeLearner(), seed=1, hidden=False,
                                       lang="en")
    checks = _by_id(collector.results)
    assert set(checks) == {"good", "type_error", "key_error", "memory_error", "wrong"}
    assert checks["good"].status == Status.PASSED and checks["good"].score == 2
    assert checks["wrong"].status == Status.FAILED and checks["wrong"].score == 0
    for name, ename, points in (("type_error", "TypeError", 3), ("key_error", "KeyError", 1),
                                ("memory_error", "MemoryError", 4)):
        check = checks[name]
        assert check.status == Status.ERROR and check.score == 0 and check.max_score == points
        assert check.grader_fault and any(ename in line for line in check.grader_traceback)
        assert ename in check.message.en and "not your mistake" in check.message.en
        assert "不是你的錯誤" in check.message.zh_tw
        assert check.traceback == ()  # nothing shown to the learner as *their* traceback
    assert checks["type_error"].function == "relu"


def test_a_check_file_that_cannot_be_collected_gives_error_results_for_its_checks(tmp_path):
    source = GOOD_AND_BROKEN + '\nraise KeyError("a module-level bug")\n'
    collector = grading.collect_checks(_exercise(tmp_path, source), FakeLearner(), seed=1, hidden=False, lang="en")
    checks = _by_id(collector.results)
    assert set(checks) == {"good", "type_error", "key_error", "memory_error", "wrong"}
    assert all(c.status == Status.ERROR and c.grader_fault and c.score == 0 for c in checks.values())
    assert sum(c.max_score for c in checks.values()) == 11  # each check keeps its points as the maximum
    assert "test_day93.py" in checks["good"].message.en and "KeyError" in checks["good"].message.en


def test_the_grader_traceback_is_in_the_json_but_not_in_the_learners_report(tmp_path):
    collector = grading.collect_checks(_exercise(tmp_path, GOOD_AND_BROKEN), FakeLearner(), seed=1, hidden=False,
                                       lang="en")
    from grader.environment import describe
    from grader.results import Execution, ExerciseResult, GradeResult

    result = GradeResult(exercises=(ExerciseResult("day93", tuple(collector.results), Execution("day93.ipynb")),),
                         seed=1, environment=describe(), submission="x", lang="en")
    data = json.loads(to_json(result))
    broken = next(c for c in data["exercises"][0]["checks"] if c["id"] == "key_error")
    assert any("KeyError" in line for line in broken["grader_traceback"]) and broken["traceback"] == []
    # where it broke, for the instructor: Python's own traceback (pytest's ``--tb=native``), file, line and statement
    where = "\n".join(broken["grader_traceback"])
    assert 'test_day93.py", line ' in where and "in test_key_error" in where and 'return {}["weights"]' in where
    back = _by_id(from_json(to_json(result)).exercises[0].checks)
    assert back["key_error"].grader_traceback == _by_id(collector.results)["key_error"].grader_traceback
    md = report.markdown(result)
    assert "grader error (not yours)" in md and "raise KeyError" not in md and "Traceback" not in md


def test_the_cli_grades_the_rest_exits_zero_and_writes_the_json(tmp_path):
    """Hidden checks with three checks that break for the grader's reasons appended: the submission keeps every
    point the working checks give."""
    hidden = tmp_path / "hidden"
    shutil.copytree(exercises.PACKAGE_DIR / "hidden", hidden, ignore=shutil.ignore_patterns("__pycache__"))
    source = (hidden / "day93.py").read_text(encoding="utf-8")
    (hidden / "day93.py").write_text(source + "\n\n" + BROKEN)
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "solutions/day93", "--json", str(out),
                          "--seed", "3", "--lang", "en"], capture_output=True, text=True, cwd=ROOT, timeout=300,
                         env={**env, "GRADER_HIDDEN_DIR": str(hidden)})
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    checks = {c["id"]: c for c in data["exercises"][0]["checks"]}
    errors = {k for k, c in checks.items() if c["status"] == "error"}
    assert errors == {"type_error", "key_error", "memory_error"}
    assert all(checks[k]["grader_traceback"] for k in errors)
    assert data["score"] == 14 and data["max_score"] == 14 + 3 + 1 + 4
    assert f"Total: 14 / 22" in run.stdout and "Traceback" not in run.stdout


def test_a_hidden_check_file_that_cannot_load_leaves_the_public_checks_graded(tmp_path):
    public = tmp_path / "day93" / "test_day93.py"
    public.parent.mkdir()
    public.write_text(GOOD_AND_BROKEN.split(BROKEN)[0])
    hidden = tmp_path / "hidden.py"
    hidden.write_text("import pytest\n\n@pytest.mark.points(5)\ndef test_secret(learner):\n    pass\n\n"
                      "import not_a_module_that_exists\n")
    collector = grading.collect_checks(FakeExercise("day93", public, hidden), FakeLearner(), seed=1, hidden=True,
                                       lang="en")
    checks = _by_id(collector.results)
    assert checks["good"].status == Status.PASSED and checks["wrong"].status == Status.FAILED
    assert checks["secret"].status == Status.ERROR and checks["secret"].max_score == 5
    assert "ModuleNotFoundError" in checks["secret"].message.en and "hidden.py" in checks["secret"].message.en


def test_an_exercise_whose_grading_itself_crashes_keeps_its_checks_and_maximum(tmp_path, monkeypatch):
    """The kernel machinery raising (here MemoryError when the session starts) costs that exercise, not the
    submission: every check is an error at 0 of its points, and the result says it is the grader's fault."""
    class Exploding:
        def __init__(self, *args, **kwargs):
            raise MemoryError("the grader ran out of memory")

    monkeypatch.setattr(grading, "Session", Exploding)
    result = grading.grade_exercise(exercises.get("day93"), exercises.get("day93").solution, seed=1, lang="en")
    assert result.max_score == 14 and result.score == 0 and len(result.checks) == 11
    assert all(c.status == Status.ERROR and c.grader_fault for c in result.checks)
    assert any("MemoryError" in line for line in result.checks[0].grader_traceback)
    assert "MemoryError" in result.execution.problem.en and "says nothing about your work" in result.execution.problem.en


ONLY_NAMED_PLUGINS = '''

@pytest.mark.points(1)
def test_only_named_plugins(learner, request):
    assert not request.config.pluginmanager.has_plugin("xdist")   # installed here (the test extra), never named
'''

EMPTYING_PLUGIN = '''
def pytest_collection_modifyitems(items):
    items.clear()
'''


def test_the_machines_pytest_options_and_plugins_change_no_score(tmp_path, monkeypatch):
    """What a machine's environment tells pytest never reaches the grader's run of the checks: ``PYTEST_ADDOPTS``
    (with ``-x``, a day93 notebook with one wrong function scored 4 of 14 rather than 12: the checks after the
    first failure never ran), ``PYTEST_PLUGINS`` (here a plugin that drops every check), the installed plugins'
    entry points (pytest-xdist, installed with the test extra) and a conftest.py beside the check files or above
    them (the same plugin). The environment is as it was afterwards."""
    exercise = _exercise(tmp_path, GOOD_AND_BROKEN.replace(BROKEN, ONLY_NAMED_PLUGINS + BROKEN))
    (tmp_path / "emptying_plugin.py").write_text(EMPTYING_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    outcomes = []
    for addopts, plugins in ((None, None), ("-x -k good -n 2 -p xdist", "emptying_plugin")):
        for name, value in (("PYTEST_ADDOPTS", addopts), ("PYTEST_PLUGINS", plugins)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        if plugins is not None:
            for folder in (tmp_path, tmp_path / "day93"):
                (folder / "conftest.py").write_text(EMPTYING_PLUGIN)
        collector = grading.collect_checks(exercise, FakeLearner(), seed=1, hidden=False, lang="en")
        outcomes.append({c.id: (c.status, c.score) for c in collector.results})
        assert os.environ.get("PYTEST_ADDOPTS") == addopts and os.environ.get("PYTEST_PLUGINS") == plugins
        assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in os.environ
    assert outcomes[0] == outcomes[1]
    assert outcomes[0]["good"] == (Status.PASSED, 2) and outcomes[0]["wrong"] == (Status.FAILED, 0)
    assert outcomes[0]["only_named_plugins"] == (Status.PASSED, 1) and len(outcomes[0]) == 6
