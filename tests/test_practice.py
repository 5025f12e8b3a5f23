"""`check("name")` inside a learner's notebook."""
import re

import numpy as np

import nbformat
import pytest

from grader import exercise as exercises
from grader import messages, practice
from grader.notebook import solution_lines
from grader.practice import check, hint
from grader.results import Status

def solution_code(exercise_id: str) -> list[str]:
    """The solution regions' code lines of one exercise (stripped, comments and short lines left out)."""
    nb = nbformat.read(exercises.get(exercise_id).solution, as_version=4)
    lines = [line.split("#")[0].strip() for cell in nb.cells if cell.cell_type == "code"
             for line in solution_lines(cell.source)]
    return [line for line in lines if len(line) > 12]


LEARNER_FUNCTIONS = [(e.id, f) for e in exercises.EXERCISES.values() for f in e.functions]


def correct_namespace():
    from scipy.signal import correlate2d

    def feature_map(image, kernel, bias=0.0):
        if np.ndim(image) == 2:
            return correlate2d(image, kernel, mode="valid") + bias
        return sum(correlate2d(image[..., c], kernel[..., c], mode="valid") for c in range(image.shape[-1])) + bias

    return {"feature_map": feature_map, "relu": lambda x: np.maximum(x, 0)}


def test_check_runs_the_public_checks_of_one_function(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)
    assert check("feature_map", lang="en", namespace=correct_namespace()) == [Status.PASSED, Status.PASSED]
    hidden = exercises.hidden_check_count("day93", "feature_map")   # that function's hidden checks, not the day's
    assert 0 < hidden < exercises.hidden_check_count("day93")
    assert f"2 of 2 public checks passed; {hidden} more checks run when your work is graded." in capsys.readouterr().out


def test_a_shape_unpacked_into_too_few_names_is_shown_with_that_days_own_names(capsys, monkeypatch):
    # day93's message once showed day94's `A_prev`, a name the learner of day93 has never met
    from scipy.signal import correlate2d

    def feature_map(image, kernel, bias=0.0):
        f, _ = kernel.shape
        H, W = image.shape   # too many values to unpack for a colour image
        return correlate2d(image, kernel, mode="valid") + bias

    monkeypatch.delenv("GRADER_GRADING", raising=False)
    statuses = check("feature_map", lang="en", namespace={**correct_namespace(), "feature_map": feature_map})
    assert Status.PASSED in statuses and set(statuses) != {Status.PASSED}
    out = capsys.readouterr().out
    assert "the shape was unpacked into the wrong number of names" in out, out
    assert "`H, W = image.shape[:2]`" in out and "A_prev" not in out


def test_a_word_the_docstring_accepts_and_the_function_refuses_is_named(capsys, monkeypatch):
    # pool_forward refusing mode="mean" (the docstring's other name for "average") was told "a condition reversed,
    # or the wrong axis compared"
    from numpy.lib.stride_tricks import sliding_window_view

    def pool_forward(A_prev, f, stride, mode="max"):
        if mode not in ("max", "average"):
            raise ValueError("bad mode")
        windows = sliding_window_view(np.asarray(A_prev, dtype=float), (f, f), axis=(1, 2))[:, ::stride, ::stride]
        return windows.max(axis=(-2, -1)) if mode == "max" else windows.mean(axis=(-2, -1))

    monkeypatch.delenv("GRADER_GRADING", raising=False)
    statuses = check("pool_forward", lang="en", namespace={"pool_forward": pool_forward})
    assert Status.PASSED in statuses and set(statuses) != {Status.PASSED}
    out = capsys.readouterr().out
    assert "while the calls with mode='average' worked: the docstring accepts mode='mean' too" in out, out
    assert "a condition reversed" not in out


def test_an_error_of_the_learners_function_names_the_call_that_raised_it(capsys, monkeypatch):
    # an error no rule names was "Your `feature_maps` raised TypeError: ...", without the call, where every other
    # sentence names it
    def feature_maps(image, kernels, biases=None):
        scale = float(kernels)   # TypeError for every call: an array is no scalar
        return image * scale

    monkeypatch.delenv("GRADER_GRADING", raising=False)
    assert check("feature_maps", lang="en", namespace={"feature_maps": feature_maps}) == [Status.ERROR]
    out = capsys.readouterr().out
    assert re.search(r"`feature_maps\(array \([^`]*\)` raised TypeError: only", out), out
    assert "Your `feature_maps` raised" not in out


def test_check_shows_the_same_messages_as_the_grader(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)

    def relu(x):
        x[x < 0] = 0
        return x

    assert check("relu", lang="zh-TW", namespace={"relu": relu}) == [Status.FAILED]
    assert "`relu` 直接修改了傳入的參數 `x`" in capsys.readouterr().out
    assert check("relu", lang="en", namespace={}) == [Status.ERROR]
    assert "No function named `relu`" in capsys.readouterr().out


def test_check_does_nothing_while_the_grader_runs_the_notebook(capsys, monkeypatch):
    monkeypatch.setenv("GRADER_GRADING", "1")
    assert check("relu", namespace={}, lang="en") == []
    assert "the grader runs the checks itself" in capsys.readouterr().out


def day93_namespace():
    from scipy.signal import correlate2d

    namespace = correct_namespace()

    def conv_single_step(window, kernel, bias=0.0):
        return float(np.sum(window * kernel) + np.asarray(bias, dtype=float).item())

    def feature_maps(image, kernels, biases=None):
        biases = np.zeros(len(kernels)) if biases is None else np.asarray(biases, dtype=float).reshape(-1)
        return np.stack([namespace["feature_map"](image, k, b) for k, b in zip(kernels, biases)], axis=-1)

    assert correlate2d  # the reference above is SciPy's
    return {**namespace, "conv_single_step": conv_single_step, "feature_maps": feature_maps}


def test_check_with_no_name_covers_the_whole_day(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)
    statuses = check(lang="en", namespace=day93_namespace())
    every = sum(len(practice.checks_for(f)) for f in exercises.get("day93").functions)
    assert statuses == [Status.PASSED] * every and every >= 4
    out = capsys.readouterr().out
    for function in exercises.get("day93").functions:
        assert f"`{function}`" in out
    hidden = exercises.hidden_check_count("day93")
    assert f"{every} of {every} public checks passed; {hidden} more checks run when your work is graded." in out


def test_check_with_no_name_on_a_stub_says_not_attempted(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)

    def stub(*args, **kwargs):
        raise NotImplementedError

    statuses = check(namespace={"pool_forward": stub})
    assert statuses and set(statuses) == {Status.NOT_ATTEMPTED}
    assert "尚未作答" in capsys.readouterr().out   # no language chosen: zh-TW


@pytest.mark.parametrize("lang, expected", [("zh-TW", "你是不是要找 `feature_map`"),
                                            ("en", "Did you mean `feature_map`")])
def test_a_misspelt_name_gets_a_suggestion_in_the_learners_language(capsys, monkeypatch, lang, expected):
    monkeypatch.delenv("GRADER_GRADING", raising=False)
    assert check("featur_map", lang=lang, namespace={}) == []
    assert expected in capsys.readouterr().out
    assert hint("feature_mapp", lang=lang) is None
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id, function", LEARNER_FUNCTIONS)
def test_every_learner_function_has_three_distinct_hints_in_both_languages(exercise_id, function):
    hints = practice.hints_for(function)
    assert len(hints) >= 3
    assert len({h.en for h in hints}) == len(hints) and len({h.zh_tw for h in hints}) == len(hints)
    assert all(f"hint.{exercise_id}.{function}.{n}" in messages.CATALOG for n in range(1, len(hints) + 1))
    code = solution_code(exercise_id)
    for h in hints:   # a nudge or a formula, never a line of the solution's code
        assert not [line for line in code if line in h.en or line in h.zh_tw], h.en


def test_hint_gives_the_next_hint_each_time_then_stays_on_the_last(capsys, monkeypatch):
    monkeypatch.setattr(practice, "HINTS_GIVEN", {})
    hints = practice.hints_for("relu")
    shown = [hint("relu", lang="en") for _ in range(len(hints) + 1)]
    assert shown == [*hints, hints[-1]]
    out = capsys.readouterr().out
    assert f"Hint 1 of {len(hints)} for `relu`: {hints[0].en}" in out
    assert "That was the last hint for `relu`" in out
    hint("relu")   # no language chosen: zh-TW
    assert f"`relu` 的提示 {len(hints)} / {len(hints)}：" in capsys.readouterr().out


def test_with_no_language_chosen_feedback_is_zh_tw_whatever_the_locale(capsys, monkeypatch):
    monkeypatch.delenv("GRADER_GRADING", raising=False)
    monkeypatch.delenv("GRADER_LANG", raising=False)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    check("relu", namespace={"relu": lambda x: np.maximum(x, 0)})
    assert "公開檢查通過 1 / 1 項" in capsys.readouterr().out


def test_a_release_counts_hidden_checks_per_function_from_its_count_file(tmp_path, monkeypatch):
    import json

    counts = exercises.hidden_counts()
    assert counts["day93.feature_map"] == exercises.hidden_check_count("day93", "feature_map") > 0
    assert sum(counts[f"day93.{f}"] for f in exercises.get("day93").functions) == counts["day93"]
    package = tmp_path / "grader"
    package.mkdir()
    (package / "hidden_counts.json").write_text(json.dumps(counts))
    monkeypatch.setenv("GRADER_HIDDEN_DIR", str(tmp_path / "no-hidden-checks"))   # a release: no hidden folder
    monkeypatch.setattr(exercises, "PACKAGE_DIR", package)
    assert exercises.get("day93").hidden_checks is None
    assert exercises.hidden_check_count("day93", "feature_map") == counts["day93.feature_map"]
    assert exercises.hidden_check_count("day93") == counts["day93"]


def test_checks_return_value_shows_nothing_under_the_feedback_in_a_notebook(monkeypatch):
    """The statuses stay a list (== [Status.PASSED]); IPython formats them as no data at all, so a notebook (whose
    kernel publishes a result only when it has data) shows nothing; a plain list showed its repr."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setattr(practice, "HINTS_GIVEN", {})
    statuses = check("relu", lang="en", namespace={"relu": lambda x: np.maximum(x, 0)})
    assert statuses == [Status.PASSED] and isinstance(statuses, list)
    shell = InteractiveShell.instance()
    try:
        assert shell.display_formatter.format(statuses) == ({}, {})
        shown = hint("relu", lang="en")
        assert shown == practice.hints_for("relu")[0] == shown and shell.display_formatter.format(shown) == ({}, {})
        assert "Status.PASSED" in shell.display_formatter.format([Status.PASSED])[0]["text/plain"]
    finally:
        InteractiveShell.clear_instance()
