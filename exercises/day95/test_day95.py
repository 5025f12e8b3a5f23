"""Public checks for day95 (max and mean pooling): run them with `pytest exercises/day95`.

These use the course slides' 4x4 example and small fixed inputs. More checks, with fresh random inputs
of other shapes, strides and channel counts, run when your work is graded: make `pool_forward` right for
any input, not just for these.
"""
import re

import numpy as np
import pytest

from grader.checks import expect_array, expect_unchanged, fail
from grader.learner import LearnerRaised

# The slides' 4x4 feature map, as a batch of one single-channel map: (m, H, W, C) = (1, 4, 4, 1).
SLIDES_MAP = np.array([[1, 2, 3, 4],
                       [5, 6, 7, 8],
                       [7, 6, 5, 4],
                       [3, 2, 1, 0]]).reshape(1, 4, 4, 1)   # integers, as on the slides
# Pooled with a 2x2 window, stride 2 (slides): (1, 2, 2, 1).
SLIDES_MAX = np.array([[6, 8], [7, 5]]).reshape(1, 2, 2, 1)
SLIDES_MEAN = np.array([[3.5, 5.5], [4.5, 2.5]]).reshape(1, 2, 2, 1)
# What windows starting at (i, j) instead of (2i, 2j) give, and the averages cut to integers.
SLIDES_MAX_NO_STRIDE = np.array([[6, 7], [7, 7]]).reshape(1, 2, 2, 1)
SLIDES_MEAN_NO_STRIDE = np.array([[3.5, 4.5], [6, 6]]).reshape(1, 2, 2, 1)
SLIDES_MEAN_TRUNCATED = np.array([[3, 5], [4, 2]]).reshape(1, 2, 2, 1)

# Two channels: the slides' map and 10 minus it; 2x2 max pooling, stride 2, each channel on its own.
SLIDES_2D = SLIDES_MAP[0, :, :, 0]                                                    # (4, 4)
TWO_CHANNELS = np.stack([SLIDES_2D, 10 - SLIDES_2D], axis=-1)[None].astype(float)    # (1, 4, 4, 2)
TWO_CHANNELS_MAX = np.stack([[[6, 8], [7, 5]], [[9, 7], [8, 10]]], axis=-1)[None]   # (1, 2, 2, 2)
TWO_CHANNELS_MIXED = np.stack([[[9, 8], [8, 10]]] * 2, axis=-1)[None]               # max over both channels
TWO_CHANNELS_MEAN = np.stack([[[3.5, 5.5], [4.5, 2.5]], [[6.5, 4.5], [5.5, 7.5]]], axis=-1)[None]   # mean instead

# Overlapping windows: a 4x5 input, 3x3 window, stride 1 -> (1, 2, 3, 1).
OVERLAP = np.array([[1, 3, 2, 0, 4],
                    [5, 0, 1, 2, 2],
                    [3, 1, 6, 1, 0],
                    [0, 2, 1, 7, 3]], dtype=float).reshape(1, 4, 5, 1)
OVERLAP_MAX = np.array([[6, 6, 6], [6, 7, 7]]).reshape(1, 2, 3, 1)
OVERLAP_MEAN = (np.array([[22, 16, 18], [19, 21, 23]]) / 9).reshape(1, 2, 3, 1)


def expect_floats(got, *, what):
    """The output is an array of floats, even for an integer input."""
    if isinstance(got, np.ndarray) and got.dtype.kind != "f":
        fail("pool_not_float", what=what, dtype=str(got.dtype))


def shape_of(value) -> str:
    """The shape of what came back instead of an exception, in words that read in both languages."""
    try:
        return str(np.shape(value))
    except ValueError:   # a ragged list
        return "?"


def raised_name(error: LearnerRaised) -> str | None:
    """The exception class the learner's function raised, or None when the problem was something else."""
    found = re.match(r"Your `\w+` raised (\w+):", error.text.en)
    return found.group(1) if found else None


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_slides_max(learner):
    what = "pool_forward(slides' 4x4 map, f=2, stride=2, mode='max')"
    got = learner.call("pool_forward", SLIDES_MAP, 2, 2, mode="max")
    expect_array(got, SLIDES_MAX, what=what,
                 mistakes={"pool_stride_ignored": SLIDES_MAX_NO_STRIDE, "pool_modes_swapped": SLIDES_MEAN},
                 shape_mistakes={"pool_size_without_stride": (1, 3, 3, 1), "pool_across_channels": (1, 2, 2)})
    expect_floats(got, what=what)


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_slides_average(learner):
    for mode in ("average", "mean"):
        what = f"pool_forward(slides' 4x4 map, f=2, stride=2, mode={mode!r})"
        got = learner.call("pool_forward", SLIDES_MAP, 2, 2, mode=mode)
        expect_array(got, SLIDES_MEAN, what=what,
                     mistakes={"pool_int_output": SLIDES_MEAN_TRUNCATED, "pool_stride_ignored": SLIDES_MEAN_NO_STRIDE,
                               "pool_modes_swapped": SLIDES_MAX},
                     shape_mistakes={"pool_size_without_stride": (1, 3, 3, 1), "pool_across_channels": (1, 2, 2)})
        expect_floats(got, what=what)


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_channels_independent(learner):
    call = learner.run("pool_forward", TWO_CHANNELS, 2, 2, mode="max")
    expect_array(call.value, TWO_CHANNELS_MAX, what="pool_forward(2-channel 4x4 input, f=2, stride=2, mode='max')",
                 mistakes={"pool_across_channels": TWO_CHANNELS_MIXED, "pool_modes_swapped": TWO_CHANNELS_MEAN},
                 shape_mistakes={"pool_across_channels": (1, 2, 2), "pool_size_without_stride": (1, 3, 3, 2)})
    expect_unchanged(TWO_CHANNELS, call.args_after[0], function="pool_forward", arg="A_prev")


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_overlapping_windows(learner):
    for mode, want, other in (("max", OVERLAP_MAX, OVERLAP_MEAN), ("average", OVERLAP_MEAN, OVERLAP_MAX)):
        got = learner.call("pool_forward", OVERLAP, 3, 1, mode=mode)
        expect_array(got, want, what=f"pool_forward(4x5 input, f=3, stride=1, mode={mode!r})",
                     mistakes={"pool_modes_swapped": other},
                     shape_mistakes={"pool_blocks_only": (1, 1, 1, 1), "pool_across_channels": (1, 2, 3)})


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_rejects_unknown_mode(learner):
    what = "pool_forward(slides' 4x4 map, f=2, stride=2, mode='min')"
    try:
        got = learner.call("pool_forward", SLIDES_MAP, 2, 2, mode="min")
    except LearnerRaised as error:
        name = raised_name(error)
        if name is None:
            raise
        if name != "ValueError":
            fail("pool_wrong_error", what=what, got=name)
        return
    fail("pool_bad_mode_accepted", what=what, got=shape_of(got))
