import numpy as np
import pytest

from grader.checks import CheckFailed, expect_array, expect_number, expect_unchanged


def failure(fn, *args, **kwargs):
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return info.value.text


def test_matching_arrays_pass_and_ints_are_accepted():
    expect_array(np.array([[1, 2]]), [[1.0, 2.0]], what="x")


def test_wrong_values_say_where_what_was_expected_and_what_came():
    text = failure(expect_array, np.array([1.0, 5.0, 3.0]), [1, 2, 3], what="map")
    assert "index (1,)" in text.en and "expected 2" in text.en and "got 5" in text.en and "1 of 3" in text.en
    assert "索引 (1,)" in text.zh_tw


def test_a_known_mistake_is_named_before_the_generic_message():
    text = failure(expect_array, np.array([3.0, 2.0, 1.0]), [1, 2, 3], what="map",
                   mistakes={"flipped_kernel": [3, 2, 1]})
    assert "flipped" in text.en


def test_shape_mistakes_are_named_by_shape():
    text = failure(expect_array, np.zeros((3, 2)), np.zeros((2, 3)), what="map", shape_mistakes={"hw_swapped": (3, 2)})
    assert "swapped" in text.en
    assert "should have shape (2, 3)" in failure(expect_array, np.zeros((4,)), np.zeros((2, 3)), what="m").en


def test_non_arrays_and_non_finite_values_fail_clearly():
    assert "a str" in failure(expect_array, "nope", [1], what="m").en
    assert "NaN" in failure(expect_array, np.array([np.nan]), [1], what="m").en
    assert "array of Python objects" not in failure(expect_array, np.array(["a"]), [1], what="m").en


def test_numbers_check_their_python_type():
    expect_number(3, 3, what="n", kind=int)
    assert "a Python int" in failure(expect_number, 3.0, 3, what="n", kind=int).en
    assert "a Python float" in failure(expect_number, "3", 3, what="n").en
    assert "bias" in failure(expect_number, 2.5, -1.5, what="n", mistakes={"bias_every_product": 2.5}).en


def test_expect_unchanged_names_the_argument():
    expect_unchanged(np.ones(3), np.ones(3), function="relu", arg="x")
    text = failure(expect_unchanged, np.ones(3), np.zeros(3), function="relu", arg="x")
    assert "`relu` changed its argument `x`" in text.en


HOSTILE_NUMBERS = {"2**64": 2**64, "beyond floats": 10**400, "int64 max": np.int64(2**63 - 1),
                   "uint64 max": np.uint64(2**64 - 1), "0-d array of 2**62": np.array(2**62)}


@pytest.mark.parametrize("got", HOSTILE_NUMBERS.values(), ids=HOSTILE_NUMBERS.keys())
def test_numbers_of_any_size_are_wrong_values_not_grader_errors(got):
    for kind in (int, float):
        text = failure(expect_number, got, 3.0, what="size", kind=kind)
        assert "`size` should be 3" in text.en


def test_a_bool_is_not_a_number_and_an_int_too_long_to_print_is_still_described():
    assert "bool" in failure(expect_number, True, 1.0, what="n", kind=int).en
    assert "should be 3" in failure(expect_number, 10**5000, 3.0, what="n", kind=int).en


def test_a_list_of_numbers_beyond_floats_is_not_an_array_of_numbers():
    assert "NumPy array of numbers" in failure(expect_array, [10**400, 1], [1.0, 1.0], what="x").en
