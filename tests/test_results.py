import json

import pytest

from grader.results import (MAX_CURVE_EPOCHS, SCHEMA_VERSION, CellFailure, CheckResult, Environment, Execution,
                            ExerciseResult, GradeResult, Status, Text, curve_points, from_json, to_dict, to_json,
                            write_atomic)


def sample_result(lang="en"):
    checks = (
        CheckResult("a", Status.PASSED, 2, 2, hidden=False, function="f"),
        CheckResult("b", Status.FAILED, 0, 3, hidden=True, function="g", message=Text("wrong", "錯誤")),
    )
    failure = CellFailure(2, "1/0", Status.ERROR, "ZeroDivisionError", "division by zero", ("tb",),
                          note=Text("n", "注"))
    execution = Execution("day93.ipynb", cells_run=3, cells_total=3, failures=(failure,))
    env = Environment("0.1.0", "3.11", "2.21", "3.15", "2.4", "Linux x86_64", "CPU: 2 cores")
    return GradeResult((ExerciseResult("day93", checks, execution),), seed=5, environment=env,
                       submission="x", lang=lang)


def test_totals_are_derived_from_the_checks():
    result = sample_result()
    assert (result.score, result.max_score) == (2, 5)
    assert result.exercises[0].count(Status.FAILED, hidden=True) == 1


def test_json_has_the_documented_fields_and_round_trips():
    data = to_dict(sample_result(lang="zh-TW"))
    assert data["schema_version"] == SCHEMA_VERSION
    assert (data["score"], data["max_score"], data["seed"]) == (2, 5, 5)
    check = data["exercises"][0]["checks"][1]
    assert {"id", "status", "score", "max_score", "hidden", "message"} <= set(check)
    assert check["message"] == "錯誤" and check["messages"] == {"en": "wrong", "zh-TW": "錯誤"}
    assert data["environment"]["tensorflow"] == "2.21"
    assert from_json(to_json(sample_result())) == sample_result()


def test_other_major_schema_versions_are_refused():
    data = to_dict(sample_result())
    data["schema_version"] = "2.0"
    with pytest.raises(ValueError, match="Unsupported result schema"):
        from_json(json.dumps(data))


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "out" / "result.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


def test_the_recorded_seed_repeats_the_hidden_checks_inputs():
    import numpy as np

    from grader import exercise as exercises
    from grader.grading import run_checks
    from grader.learner import LocalLearner

    def inputs_seen(seed):
        seen = []

        def relu(Z):
            seen.append(np.array(Z, dtype=float).round(12).tolist())
            return np.maximum(Z, 0)
        run_checks(exercises.get("day93"), LocalLearner({"relu": relu}), seed=seed, hidden=True, lang="en")
        return seen

    first = inputs_seen(5)
    assert first and inputs_seen(5) == first and inputs_seen(6) != first


def test_a_lone_surrogate_in_a_learners_message_still_writes_the_json(tmp_path):
    from dataclasses import replace

    result = sample_result()
    broken = replace(result.exercises[0].checks[0], message=Text("bad \ud800 value", "壞 \udfff 值"))
    result = replace(result, exercises=(replace(result.exercises[0], checks=(broken,)),))
    write_atomic(tmp_path / "r.json", to_json(result))
    back = from_json((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert back.exercises[0].checks[0].message == broken.message


def test_curve_points_keep_a_bounded_curve_of_finite_numbers():
    import numpy as np

    assert curve_points([1, 0.5, np.float32(0.25), None, float("nan"), -float("inf"), 1e308, -2e9, 1e9]) == \
        (1.0, 0.5, 0.25, None, None, None, None, None, 1e9)
    assert len(curve_points([0.5] * (MAX_CURVE_EPOCHS + 7))) == MAX_CURVE_EPOCHS
    for bad in ("0.5", [0.5, "x"], [[0.5]], {"a": 1}):
        with pytest.raises(TypeError):
            curve_points(bad)


def test_a_learners_hostile_history_reaches_every_report_bounded_and_the_json_stays_standard():
    """A hand-written history (NaN, infinities, +-1e308, 60,000 epochs; found by a review) used to make the HTML
    page raise inside matplotlib, a 21 MB Markdown report and NaN / Infinity tokens in result.json."""
    import io
    from types import SimpleNamespace

    from rich.console import Console

    from grader import plugin, report
    from grader.grading import _Collector

    nan, inf = float("nan"), float("inf")
    measured = {"accuracy": [nan, inf] + [0.5] * 60_000, "loss": [-inf] + [1e308, -1e308] * 10 + [0.25],
                "val_accuracy": [0.5, "0.9"], "test_accuracy": nan, "moved_test_accuracy": 0.98, "head_accuracy": "0.99"}
    collector = _Collector("day97", None, seed=1, lang="en")
    collector.pytest_runtest_logreport(SimpleNamespace(
        nodeid="test_day97.py::test_training_history_has_a_learning_curve", failed=False,
        user_properties=[(plugin.MEASURE, item) for item in measured.items()]))
    assert collector.curves["accuracy"] == (None, None) + (0.5,) * (MAX_CURVE_EPOCHS - 2)
    assert collector.curves["loss"] == (None,) * 21 + (0.25,)
    assert "val_accuracy" not in collector.curves          # not a list of numbers: left out, as before
    assert collector.metrics == {"moved_test_accuracy": 0.98}

    base = sample_result()
    exercise = ExerciseResult("day97", base.exercises[0].checks, base.exercises[0].execution,
                              metrics=collector.metrics, curves=collector.curves)
    result = GradeResult((exercise,), seed=1, environment=base.environment, submission="x", lang="en")

    def refuse(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")

    text = to_json(result)
    json.loads(text, parse_constant=refuse)
    assert from_json(text) == result
    rendered = {name: render(result) for name, render in report.RENDERERS.items()}
    assert '<figure class="curves"><svg' in rendered["html"]
    assert all(len(page) < 500_000 for page in rendered.values()), {k: len(v) for k, v in rendered.items()}
    assert "| 1 | — | — |" in rendered["md"] and "| 1000 |  | 0.5000 |" in rendered["md"]   # loss, accuracy
    assert "xychart-beta" not in rendered["md"]             # both accuracy curves have gaps: no chart line
    console = Console(record=True, width=100, file=io.StringIO())
    report.print_terminal(result, console=console)
    assert "0.5000" in console.export_text()


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_written_files_get_the_permissions_the_umask_gives_new_files(tmp_path, umask):
    """Every output (gradebook, feedback pages, result.json) was written 0600 whatever the umask, as the temporary
    file it replaces was made: a TA's account or a web server could not read them."""
    import os
    import stat

    from grader.results import write_atomic

    before = os.umask(umask)
    try:
        write_atomic(tmp_path / "gradebook.csv", "learner,total\n")
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
    finally:
        os.umask(before)
    assert stat.S_IMODE((tmp_path / "gradebook.csv").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == \
        0o666 & ~umask
