"""day95 end to end: the reference passes, the stub is not attempted, each planted mistake is named."""
import pytest

from grader import exercise as exercises
from grader.grading import grade
from grader.results import Status
from stored import assert_as_stored
from samples import SAMPLES, plant

pytestmark = pytest.mark.usefixtures("warm_kernels")  # each grading finds its kernel launched (conftest.py)

SEED = 95
MAX_SCORE = 17
DAY95 = SAMPLES["day95"]


def by_id(result):
    return {c.id: c for e in result.exercises for c in e.checks}


def test_solution_scores_full_marks_on_public_and_hidden_checks():
    result = grade(exercises.get("day95").solution, seed=SEED)
    assert_as_stored(result, "day95", "solution")
    checks = by_id(result)
    assert result.score == result.max_score == MAX_SCORE
    assert {c.hidden for c in checks.values()} == {True, False}
    assert all(c.status == Status.PASSED for c in checks.values()), [c for c in checks.values() if c.score == 0]
    assert result.exercises[0].execution.failures == ()


@pytest.mark.parametrize("seed", [0, 2**31 - 1])
def test_solution_passes_with_other_seeds(seed):
    result = grade(exercises.get("day95").solution, seed=seed)
    assert result.score == result.max_score, [c for c in by_id(result).values() if c.score == 0]


def test_stub_scores_zero_with_every_check_not_attempted():
    result = grade(exercises.ROOT / "exercises" / "day95", seed=SEED)
    assert_as_stored(result, "day95", "stub")
    assert result.score == 0 and result.max_score == MAX_SCORE
    assert {c.status for c in by_id(result).values()} == {Status.NOT_ATTEMPTED}
    assert all("NotImplementedError" in c.message.en for c in by_id(result).values())


# sample -> the checks that must fail, each with a distinctive part of its English and Chinese message.
EXPECTED_MISTAKES = {
    "stride_ignored": {
        "pool_forward_slides_max": ("did not move by the stride", "沒有依步長"),
        "pool_forward_random_max": ("did not move by the stride", "沒有依步長"),
        "pool_forward_random_average": ("did not move by the stride", "沒有依步長"),
    },
    "across_channels": {
        "pool_forward_channels_independent": ("pools across the channels", "跨通道做了池化"),
        "pool_forward_random_max": ("pools across the channels", "跨通道做了池化"),
        "pool_forward_random_average": ("pools across the channels", "跨通道做了池化"),
    },
    "modes_swapped": {
        "pool_forward_slides_max": ("max and average are swapped", "最大池化與平均池化對調了"),
        "pool_forward_random_average": ("max and average are swapped", "最大池化與平均池化對調了"),
        "pool_forward_max_at_least_mean": ("max and average are swapped", "最大池化與平均池化對調了"),
    },
    "empty_output": {
        "pool_forward_window_larger_than_input": ("instead of returning an empty array", "不要回傳空陣列"),
        "pool_forward_rejects_zero_f_or_stride": ("raised ZeroDivisionError", "丟出了 ZeroDivisionError"),
    },
    "bad_mode_averages": {
        "pool_forward_rejects_unknown_mode": ("instead of raising ValueError. The only modes", "其他模式要用"),
        "pool_forward_rejects_unknown_modes": ("instead of raising ValueError. The only modes", "其他模式要用"),
    },
    "blocks_only": {
        "pool_forward_overlapping_windows": ("separate f x f blocks", "互不重疊的 f x f 區塊"),
    },
    "int_output": {
        "pool_forward_slides_average": ("gives integers, not floats", "回傳的是整數，不是浮點數"),
        "pool_forward_slides_max": ("gives integers, not floats", "回傳的是整數，不是浮點數"),
        "pool_forward_identity_window": ("gives integers, not floats", "回傳的是整數，不是浮點數"),
    },
    "input_mutated": {
        "pool_forward_keeps_random_input": ("changed its argument `A_prev` in place",
                                            "直接修改了傳入的參數 `A_prev`"),
    },
}


@pytest.mark.parametrize("sample", sorted(EXPECTED_MISTAKES))
def test_planted_mistake_loses_points_and_is_named(tmp_path, sample):
    result = grade(plant(tmp_path, "day95", sample), seed=SEED)
    assert_as_stored(result, "day95", sample)
    checks = by_id(result)
    assert result.score < result.max_score
    for check_id, (english, chinese) in EXPECTED_MISTAKES[sample].items():
        check = checks[check_id]
        assert check.status == Status.FAILED and check.score == 0, (check_id, check.status, check.message)
        assert english in check.message.en and chinese in check.message.zh_tw, (check_id, check.message)


def test_hard_coded_public_answers_fail_the_public_tables_and_the_hidden_checks(tmp_path):
    result = grade(plant(tmp_path, "day95", "hard_coded_public"), seed=SEED)
    checks = by_id(result)
    public = [c for c in checks.values() if not c.hidden]
    assert public and any(c.status == Status.FAILED for c in public)
    for hidden in ("pool_forward_random_max", "pool_forward_random_average", "pool_forward_matches_keras",
                   "pool_forward_identity_window", "pool_forward_window_larger_than_input"):
        assert checks[hidden].status == Status.FAILED and checks[hidden].hidden, hidden


def test_every_planted_sample_is_tested():
    from test_diagnosis import ISSUE_EXAMPLES   # the samples of issue 14, graded in-process there

    issue = {sample for day, sample, *_ in ISSUE_EXAMPLES if day == "day95"}
    assert set(DAY95) == set(EXPECTED_MISTAKES) | {"hard_coded_public"} | issue


def test_check_ids_are_unique_across_public_and_hidden_checks():
    ids = []
    for path in (exercises.get("day95").public_checks, exercises.get("day95").hidden_checks):
        ids += [line[len("def test_"):].split("(")[0] for line in path.read_text().splitlines()
                if line.startswith("def test_")]
    assert len(ids) == len(set(ids)) == 14


def test_a_magic_that_fails_is_the_cell_named_by_every_check(tmp_path):
    """A misspelt magic at the top of the setup cell: IPython prints its UsageError on stderr only and stops the
    cell. The cell is a failure (it counted as run before, nothing said why ``np`` was missing), and every check,
    the one expecting a ValueError too (which called the NameError a wrong error), points at it."""
    from samples import notebook_with, write

    nb = notebook_with("day95")
    setup = next(c for c in nb.cells if c.cell_type == "code" and c.get("id") == "setup")
    setup.source = "%tensorflow_versio 2.x\n" + setup.source
    result = grade(write(tmp_path, "magic", "day95", nb), seed=SEED)
    failure = result.exercises[0].execution.failures[0]
    assert (failure.index, failure.ename) == (1, "UsageError")
    checks = by_id(result)
    assert {c.status for c in checks.values()} == {Status.ERROR}
    for check in checks.values():
        assert "code cell 2 failed (UsageError" in check.message.en, (check.id, check.message.en)
        assert "第 2 個程式碼儲存格失敗了（UsageError" in check.message.zh_tw
