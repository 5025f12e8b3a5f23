"""One diagnosis per learner function (grader/diagnosis.py, grader/hidden/diagnosis_dayNN.py), days 93-96.

In-process (no kernel): each planted sample's functions are defined from the solution notebook's imports and the
sample's source, and every public and hidden check is called on them with a LocalLearner.
"""
import re
import sys
from pathlib import Path

import pytest

from grader import diagnosis, messages
from grader import exercise as exercises
from samples import SAMPLES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import mutation  # noqa: E402 - benchmarks/mutation.py: in-process grading and the mutator

DAYS = ("day93", "day94", "day95", "day96")
CJK = re.compile(r"[\u4e00-\u9fff]")

# The examples of issue 14: (day, sample, function, the mistake's name, in-process score, out of). Scores count
# no point for a "keeps its input" / "raises ValueError" / right-input-layer check unless the value on a valid
# input is right too, and public examples are also asked with fresh values (their twins; tests/test_lookup.py).
ISSUE_EXAMPLES = [
    ("day93", "biases_default_crash", "feature_maps", "default_argument_broken", 11, 14),
    ("day93", "relu_before_bias", "conv_single_step", "relu_before_bias", 2, 14),
    ("day93", "int_cast", "feature_map", "result_cast_to_int", 8, 14),
    ("day93", "flipped_kernel_all_axes", "feature_map", "flipped_kernel", 4, 14),
    ("day93", "transposed_map", "feature_map", "hw_swapped", 4, 14),
    ("day93", "biases_ignored", "feature_maps", "bias_missing", 11, 14),
    ("day93", "odd_kernel_only", "feature_map", "window_past_edge", 5, 14),          # an even kernel size
    ("day93", "channels_summed_first", "feature_map", "channels_summed_first", 7, 14),
    ("day94", "int_image_truncated", "conv_forward", "result_cast_to_int", 13, 20),
    ("day94", "stride_height_only", "conv_forward", "stride_one_axis", 11, 20),
    ("day94", "pad_one_side", "zero_pad", "pad_one_side", 7, 20),
    ("day94", "pad_with_ones", "zero_pad", "pad_with_ones", 7, 20),
    ("day94", "size_ceil", "conv_output_size", "size_ceil", 8, 20),                  # a stride that does not divide
    ("day94", "padding_not_checked", "keras_output_size", "padding_not_checked", 19, 20),   # a promised error
    ("day95", "mean_with_median", "pool_forward", "pool_median", 6, 17),
    ("day95", "average_divided_by_f", "pool_forward", "pool_divided_by_f", 6, 17),
    ("day95", "bad_mode_averages", "pool_forward", "pool_bad_mode_accepted", 15, 17),
    ("day95", "stride_ignored", "pool_forward", "pool_stride_ignored", 3, 17),
    ("day96", "average_pooling", "build_model", "model_average_pooling", 13, 21),
    ("day96", "filter_too_big_accepted", "conv_output_shape", "outshape_filter_not_fitting", 20, 21),
    ("day96", "depthwise_per_filter", "separable_conv_params", "params_depthwise_per_filter", 19, 21),
    ("day96", "bias_forgotten", "conv_params", "params_bias_forgotten", 14, 21),
]


def outcomes(day, sample):
    return mutation.grade_in_process(day, mutation.namespace_for(day, SAMPLES[day][sample]))


@pytest.mark.parametrize("day, sample, function, key, score, total", ISSUE_EXAMPLES,
                         ids=[f"{d}-{s}" for d, s, *_ in ISSUE_EXAMPLES])
def test_issue_example_loses_points_and_is_named_in_both_languages(day, sample, function, key, score, total):
    results = outcomes(day, sample)
    assert sum(o.points for o in results) == total
    assert sum(o.points for o in results if o.passed) == score < total
    failing = [o for o in results if not o.passed and o.target == function and not o.raised]
    assert failing and {o.key for o in failing} == {key}, [(o.check, o.key) for o in failing]
    for outcome in failing:
        assert outcome.text.en != outcome.text.zh_tw and CJK.search(outcome.text.zh_tw), outcome.text


def test_every_issue_example_is_planted():
    assert {(d, s) for d, s, *_ in ISSUE_EXAMPLES} <= {(d, s) for d in DAYS for s in SAMPLES[d]}


# Samples whose public and hidden checks cannot both see the mistake in-process (the public answers are hard-coded,
# or the model is refused only by the kernel transfer).
NOT_COMPARED = {"hard_coded_slides", "hard_coded_examples", "hard_coded_public", "lambda_layer", "custom_layer"}


@pytest.mark.parametrize("day", DAYS)
def test_public_and_hidden_checks_give_one_name_per_mistake(day):
    """For every planted sample: the first name the public checks give a function is the hidden checks' first."""
    compared = 0
    for sample in sorted(set(SAMPLES[day]) - NOT_COMPARED):
        results = outcomes(day, sample)
        for function in {o.target for o in results}:
            public = [o.key for o in results if o.target == function and not o.passed and not o.hidden and o.key]
            hidden = [o.key for o in results if o.target == function and not o.passed and o.hidden and o.key]
            if public and hidden:
                assert public[0] == hidden[0], (sample, function, public, hidden)
                compared += 1
    assert compared >= {"day93": 10, "day94": 15, "day95": 8, "day96": 20}[day]


def test_public_tables_agree_with_the_diagnoses():
    """`grader stubs --check` regenerates every table from the diagnoses and finds nothing to change."""
    assert diagnosis.write_tables(check=True) == []
    for day in DAYS:
        text = exercises.get(day).public_checks.read_text(encoding="utf-8")
        assert diagnosis.tables_source(day) in text


@pytest.mark.parametrize("day", DAYS)
def test_public_checks_hold_no_reference_code(day):
    text = exercises.get(day).public_checks.read_text(encoding="utf-8")
    for reference in ("scipy", "correlate", "convolve", "sliding_window_view", "einsum", "np.pad(", "tensordot",
                      "count_params(layer", "keras.layers.Conv2D"):
        assert reference not in text, reference


def test_every_key_a_diagnosis_names_has_a_sentence_in_both_languages():
    keys = set()
    for day in DAYS:
        for d in diagnosis.load(day).DIAGNOSES.values():
            keys |= {v.key for v in d.variants} | {e.not_raised for e in d.errors} | {e.wrong_error for e in d.errors}
            keys |= {d.fallback, d.float_key} - {None}
    keys |= {"window_past_edge", "window_empty", "window_not_moving", "float_index", "valid_input_refused",
             "shape_unpacked_wrong", "default_argument_broken", "positions_not_computed", "output_size_wrong",
             "axes_order", "result_cast_to_int", "pad_dtype_changed", "model_average_pooling", "word_argument_refused"}
    for key in sorted(keys):
        en, zh = messages.CATALOG[key]
        assert en and CJK.search(zh), key


def test_the_naming_rule_prefers_the_mistake_that_explains_every_answer():
    entries = [{"kind": "int", "want": 3, "variants": [["a", 2], ["b", 2]]},
               {"kind": "int", "want": 4, "variants": [["a", 5], ["b", 3]]}]
    assert diagnosis.explaining_key([(entries[0], 2), (entries[1], 3)]) == "b"
    assert diagnosis.explaining_key([(entries[0], 2), (entries[1], 5)]) == "a"
    assert diagnosis.explaining_key([(entries[0], 2), (entries[1], 9)]) is None
    assert diagnosis.first_key(entries[0], 2) == "a"


# ---------------------------------------------------------------- the mutation run, a fixed sample

MUTANTS_PER_DAY = 20


@pytest.mark.parametrize("day", DAYS)
def test_mutants_are_killed_and_named(day):
    verdicts = mutation.run((day,), sample=MUTANTS_PER_DAY, seed=mutation.SEED)[day]
    figures = mutation.figures(verdicts)
    live = figures["mutants"] - figures["equivalent"]
    assert figures["mutants"] == MUTANTS_PER_DAY and live > 0
    assert figures["survived"] == 0, [v.mutant.description for v in verdicts if v.status == "survived"]
    assert figures["killed"] == live
    assert figures["named"] >= 0.8 * live, [(v.mutant.description, v.keys) for v in verdicts if v.status == "killed"]
