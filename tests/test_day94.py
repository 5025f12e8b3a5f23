"""day94 end to end: the reference passes, the stub is not attempted, each planted mistake is named.

Mistakes planted in notebooks are graded for real (one grading each). The smaller mistakes of the size and
padding functions, which break nothing else, are checked in-process: their functions are defined from the
sample's source and the public and hidden checks are called on them directly (no kernel, milliseconds).
"""
import importlib.util
import inspect
import math

import numpy as np
import pytest

from grader import exercise as exercises
from grader.checks import CheckFailed
from grader.grading import grade
from grader.hidden import day94 as hidden
from grader.learner import LocalLearner
from grader.results import Status
from stored import assert_as_stored
from samples import SAMPLES, plant

pytestmark = pytest.mark.usefixtures("warm_kernels")  # each grading finds its kernel launched (conftest.py)

SEED = 94
DAY94 = SAMPLES["day94"]


def load_public_checks():
    path = exercises.get("day94").public_checks
    spec = importlib.util.spec_from_file_location("public_day94", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PUBLIC = load_public_checks()


def by_id(result):
    return {c.id: c for e in result.exercises for c in e.checks}


def test_solution_scores_full_marks_on_public_and_hidden_checks():
    result = grade(exercises.get("day94").solution, seed=SEED)
    assert_as_stored(result, "day94", "solution")
    checks = by_id(result)
    assert result.score == result.max_score == 20
    assert {c.hidden for c in checks.values()} == {True, False}
    assert all(c.status == Status.PASSED for c in checks.values()), [c for c in checks.values() if c.score == 0]
    assert result.exercises[0].execution.failures == ()


def test_solution_passes_with_other_seeds():
    for seed in (0, 2**31 - 1):
        result = grade(exercises.get("day94").solution, seed=seed)
        assert result.score == result.max_score, (seed, [c for c in by_id(result).values() if c.score == 0])


def test_stub_scores_zero_with_every_check_not_attempted():
    result = grade(exercises.ROOT / "exercises" / "day94", seed=SEED)
    assert_as_stored(result, "day94", "stub")
    assert result.score == 0 and result.max_score == 20
    assert {c.status for c in by_id(result).values()} == {Status.NOT_ATTEMPTED}
    assert all("NotImplementedError" in c.message.en for c in by_id(result).values())


# sample -> (the checks that must name the mistake, English, zh-TW substrings of the message)
EXPECTED_MISTAKE = {
    "stride_ignored": (("conv_forward_uses_stride", "conv_forward_slides_stride_2"),
                       "the window start ignores the stride", "視窗的起點沒有用到步長"),
    "pad_counted_once": (("conv_output_size_random", "conv_output_size_discriminating_cases",
                          "conv_forward_uses_pad", "conv_forward_slides_pad_1"),
                         "The padding was counted once", "填補只算了一次"),
    "pad_doubled": (("conv_output_size_random", "conv_output_size_discriminating_cases"),
                    "The padding was doubled", "填補算成了兩倍"),
    "pad_every_axis": (("zero_pad_random", "zero_pad_small_batch"),
                       "never the batch axis 0 or the channel axis 3", "不要補批次軸（第 0 軸）或通道軸（第 3 軸）"),
    "pad_first_axes": (("zero_pad_random", "zero_pad_small_batch"),
                       "never the batch axis 0 or the channel axis 3", "不要補批次軸（第 0 軸）或通道軸（第 3 軸）"),
    "float_output_size": (("conv_output_size_random", "conv_output_size_discriminating_cases"),
                          "a float", "是浮點數（float）"),
    "hard_coded_pad": (("conv_forward_uses_pad",), "the size for a fixed padding", "固定填補（0 或 1）的大小"),
    "hard_coded_stride": (("conv_forward_uses_stride",), "the size for a stride of 1", "步長被寫死成 1"),
}


@pytest.mark.parametrize("sample", sorted(EXPECTED_MISTAKE))
def test_planted_mistake_loses_points_and_is_named(tmp_path, sample):
    result = grade(plant(tmp_path, "day94", sample), seed=SEED)
    assert_as_stored(result, "day94", sample)
    check_ids, english, chinese = EXPECTED_MISTAKE[sample]
    checks = by_id(result)
    assert result.score < result.max_score
    for check_id in check_ids:
        check = checks[check_id]
        assert check.status == Status.FAILED and check.score == 0, (check_id, check.status, check.message)
        assert english in check.message.en and chinese in check.message.zh_tw, (check_id, check.message)


def test_hard_coded_examples_fail_the_public_tables_and_the_hidden_checks(tmp_path):
    result = grade(plant(tmp_path, "day94", "hard_coded_examples"), seed=SEED)
    checks = by_id(result).values()
    assert Status.FAILED in {c.status for c in checks if not c.hidden}
    for check in (c for c in checks if c.hidden and c.id != "conv_forward_keeps_inputs"):
        assert check.status == Status.FAILED and check.score == 0, (check.id, check.status)


# ---------------------------------------------------------------- in-process: checks called on the functions

def learner_for(sample):
    namespace = {"np": np, "math": math}
    for source in DAY94[sample].values():
        exec(source, namespace)  # noqa: S102 - our own sample source, the way a notebook cell defines it
    return LocalLearner(namespace)


def failure(check, learner):
    kwargs = {"rng": np.random.default_rng(SEED)} if "rng" in inspect.signature(check).parameters else {}
    with pytest.raises(CheckFailed) as caught:
        check(learner, **kwargs)
    return caught.value.text


# sample -> (the checks that must name the mistake, English, zh-TW substrings of the message)
NAMED_IN_PROCESS = {
    "size_ceil": ((PUBLIC.test_conv_output_size_discriminating_cases, hidden.test_conv_output_size_random),
                  "The division was rounded up", "除法被向上取整了"),
    "size_missing_plus_one": ((PUBLIC.test_conv_output_size_discriminating_cases,
                               hidden.test_conv_output_size_random), "The + 1 is missing", "少了 + 1"),
    "same_floor": ((PUBLIC.test_keras_output_size_valid_and_same, hidden.test_keras_output_size_random),
                   "Keras rounds up", "Keras 向上取整"),
    "same_ignores_stride": ((PUBLIC.test_keras_output_size_valid_and_same, hidden.test_keras_output_size_random),
                            "keeps the input size n only with stride 1", "只有在步長為 1 時才維持輸入大小 n"),
    "paddings_swapped": ((PUBLIC.test_keras_output_size_valid_and_same, hidden.test_keras_output_size_random),
                         "the other padding's size", "另一種填補方式的大小"),
    "padding_not_checked": ((PUBLIC.test_keras_output_size_rejects_unknown_padding,),
                            "should raise ValueError for padding=\"full\"", "應該丟出 ValueError"),
    "padding_wrong_error": ((PUBLIC.test_keras_output_size_rejects_unknown_padding,),
                            "raised KeyError", "丟出了 KeyError"),
    "dtype_changed": ((PUBLIC.test_zero_pad_small_batch, hidden.test_zero_pad_random),
                      "zero padding must keep the dtype", "補零不能改變資料型別"),
    "pad_not_zeros": ((hidden.test_zero_pad_random,), "its border is not zeros", "邊框不是 0"),
}


@pytest.mark.parametrize("sample", sorted(NAMED_IN_PROCESS))
def test_smaller_mistakes_are_named_by_the_checks(sample):
    checks, english, chinese = NAMED_IN_PROCESS[sample]
    for check in checks:
        text = failure(check, learner_for(sample))
        assert english in text.en and chinese in text.zh_tw, (check.__name__, text)


def test_every_planted_sample_is_tested():
    from test_diagnosis import ISSUE_EXAMPLES   # the samples of issue 14, graded in-process there

    issue = {sample for day, sample, *_ in ISSUE_EXAMPLES if day == "day94"}
    assert set(DAY94) == set(EXPECTED_MISTAKE) | set(NAMED_IN_PROCESS) | {"hard_coded_examples"} | issue
