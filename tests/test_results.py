import json

import pytest

from grader.results import (SCHEMA_VERSION, CellFailure, CheckResult, Environment, Execution, ExerciseResult,
                            GradeResult, Status, Text, from_json, to_dict, to_json, write_atomic)


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
