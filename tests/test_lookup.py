"""Points only for a function that computes its answer (red team F6, F10), days 93-96, in-process.

F10: the public check files hold every public input with its answer; a stub that looks its arguments up in those
tables must earn nothing once graded, because each public entry is also asked as a *twin* (same case, shapes and
dtypes, fresh values from the seed, judged by the hidden diagnosis). F6: a check of a side property ("keeps its
input", "raises ValueError") earns nothing without a right value on a valid input.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from grader import diagnosis
from grader.checks import CheckFailed
from grader.diagnosis import expect_entries
from grader.learner import Call, LocalLearner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import mutation  # noqa: E402 - benchmarks/mutation.py: in-process grading of every public and hidden check

DAYS = ("day93", "day94", "day95", "day96")
FUNCTIONS = {
    "day93": ("conv_single_step", "feature_map", "feature_maps", "relu"),
    "day94": ("conv_output_size", "keras_output_size", "zero_pad", "conv_forward"),
    "day95": ("pool_forward",),
    "day96": ("conv_params", "dense_params", "separable_conv_params", "conv_output_shape", "build_model"),
}
SEEDS = (0, 93, 2**31 - 1)


def public_tables(day: str) -> dict:
    """The TABLES literal of the day's public check file, as a learner can read it."""
    return mutation.checks_of(day)[0][0].__globals__["TABLES"]


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return type(a) is type(b) and a == b


def lookup_stub(day: str) -> dict:
    """The red team's stub (F10), every function of the day: the public table's answer, or 0; an error entry's
    exception when the arguments are an error entry's."""
    tables = public_tables(day)

    def make(name):
        def lookup(*args, **kwargs):
            for entry in tables.get(name, ()):
                if not isinstance(entry, dict) or "args" not in entry or len(entry["args"]) != len(args):
                    continue
                if all(_same(a, b) for a, b in zip(args, entry["args"])) and entry["kwargs"].keys() == kwargs.keys() \
                        and all(_same(kwargs[k], entry["kwargs"][k]) for k in kwargs):
                    if "raises" in entry:
                        raise ValueError("looked up")
                    want = entry["want"]
                    return tuple(want) if entry.get("kind") == "tuple" else (
                        np.array(want) if entry.get("kind") == "array" else want)
            return 0
        return lookup
    return {name: make(name) for name in FUNCTIONS[day]}


def return_zero(day: str) -> dict:
    """F6's stub: every function returns 0, computes nothing and leaves its inputs alone."""
    return {name: (lambda *a, **k: 0) for name in FUNCTIONS[day]}


def always_raises(day: str) -> dict:
    """Every function raises ValueError: the "raises on bad input" checks alone must earn nothing."""
    def refuse(*args, **kwargs):
        raise ValueError("no")
    return {name: refuse for name in FUNCTIONS[day]}


def score(day: str, namespace: dict, seed: int) -> tuple[float, float, list]:
    outcomes = mutation.grade_in_process(day, namespace, seed=seed)
    passed = [o.check for o in outcomes if o.passed]
    return sum(o.points for o in outcomes if o.passed), sum(o.points for o in outcomes), passed


@pytest.mark.parametrize("day", DAYS)
def test_the_lookup_stub_scores_nothing_and_is_named(day):
    outcomes = mutation.grade_in_process(day, lookup_stub(day), seed=93)
    assert [o.check for o in outcomes if o.passed] == []
    named = {o.key for o in outcomes if not o.hidden}
    if day != "day96":   # day96's public counting checks: the table answers are right, the twins are not
        assert "answers_only_the_examples" in named, named
    else:
        assert "answers_only_the_examples" in {o.key for o in outcomes if o.target != "build_model" and not o.hidden}


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("stub", [return_zero, always_raises], ids=["return_0", "always_raises"])
def test_stubs_that_compute_nothing_score_nothing(day, stub):
    for seed in SEEDS[:2]:
        points, _, passed = score(day, stub(day), seed)
        assert points == 0, (seed, passed)


@pytest.mark.parametrize("day", DAYS)
def test_the_solution_still_scores_full_marks_with_its_twins(day):
    for seed in SEEDS:
        points, total, passed = score(day, mutation.namespace_for(day), seed)
        assert points == total > 0, (seed, passed)


def test_the_lookup_is_named_in_both_languages_on_the_public_check():
    outcomes = mutation.grade_in_process("day93", lookup_stub("day93"), seed=0)
    slides = next(o for o in outcomes if o.check == "feature_map_slides")
    assert slides.key == "answers_only_the_examples"
    assert "look answers up" in slides.text.en and "查表" in slides.text.zh_tw


def test_without_the_hidden_diagnosis_the_public_checks_are_just_their_tables(monkeypatch, tmp_path):
    """A learner's release (no grader/hidden): the lookup passes the public table, as nothing can be computed."""
    monkeypatch.setenv("GRADER_HIDDEN_DIR", str(tmp_path))
    entries = [e for e in public_tables("day93")["relu"] if "raises" not in e]
    learner = LocalLearner(lookup_stub("day93"))
    expect_entries(learner, "relu", entries, arg_names=("x",), day="day93", rng=np.random.default_rng(0))
    assert diagnosis.twins_of("day93", "relu", entries, np.random.default_rng(0)) == []


def test_twins_keep_the_case_and_change_the_values():
    rng = np.random.default_rng(1)
    for day in DAYS:
        diagnoses = diagnosis.load(day).DIAGNOSES
        for function, entries in public_tables(day).items():
            if function not in diagnoses:
                continue
            values = [e for e in entries if "raises" not in e]
            twins = [(e, diagnoses[function].twin(e, rng)) for e in values]
            assert sum(t is None for _, t in twins) <= 1, (day, function)   # a twin may rarely equal its example
            for original, twin in twins:
                if twin is None:
                    continue
                assert twin["kwargs"].keys() == original["kwargs"].keys()
                assert [np.shape(a) for a in twin["args"]] == [np.shape(a) for a in original["args"]]
                assert [getattr(a, "dtype", type(a)) for a in twin["args"]] == \
                       [getattr(a, "dtype", type(a)) for a in original["args"]]
                assert not diagnosis._same_call((tuple(twin["args"]), twin["kwargs"]),
                                                (tuple(original["args"]), original["kwargs"]))


class _Reporting(LocalLearner):
    """A kernel whose report of the arguments after the call is missing or forged."""

    def __init__(self, namespace, after):
        super().__init__(namespace)
        self.after = after

    def run(self, name, *args, timeout=None, **kwargs):
        return Call(value=super().run(name, *args, **kwargs).value, args_after=self.after)


@pytest.mark.parametrize("after", [(), (None, None), None], ids=["empty", "nulls", "none"])
def test_an_unreported_argument_is_not_counted_as_unchanged(after):
    namespace = mutation.namespace_for("day93")
    entry = diagnosis.load("day93").DIAGNOSES["feature_map"].entry(np.ones((5, 6)), np.ones((3, 3)), 1.0)
    with pytest.raises(CheckFailed) as failed:
        expect_entries(_Reporting(namespace, after), "feature_map", [entry], arg_names=("image", "kernel"))
    assert failed.value.key == "input_not_reported"
    expect_entries(LocalLearner(namespace), "feature_map", [entry], arg_names=("image", "kernel"))


def test_a_check_of_errors_only_is_refused():
    entry = diagnosis.error_entry(diagnosis.load("day95").DIAGNOSES["pool_forward"].errors[0])
    with pytest.raises(ValueError, match="grader bug"):
        expect_entries(LocalLearner(always_raises("day95")), "pool_forward", [entry])
