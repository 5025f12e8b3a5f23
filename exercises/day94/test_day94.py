"""Public checks for day94 (padding and stride): run them with `pytest exercises/day94`.

These use the course slides' worked example and small fixed inputs. More checks, with fresh random
inputs of other shapes, paddings and strides, run when your work is graded: make your functions right
for any input, not just for these.
"""
import numpy as np
import pytest

from grader.checks import expect_array, expect_number, expect_unchanged, fail
from grader.learner import LearnerRaised

# (n, f, pad, stride) -> size, and what the known mistakes give. (9, 2, 0, 2) comes first: there rounding up
# and a missing + 1 stand out, while counting the padding once or twice cannot show (pad = 0).
CONV_SIZES = [
    ((9, 2, 0, 2), 4, {"size_ceil": 5, "size_missing_plus_one": 3}),
    ((5, 3, 1, 2), 3, {"pad_counted_once": 2, "pad_doubled": 4}),
    ((224, 7, 3, 2), 112, {"pad_counted_once": 111, "pad_doubled": 115, "size_ceil": 113}),
]

# (n, f, stride, padding) -> Keras Conv2D's output size, and what the known mistakes give.
KERAS_SIZES = [
    ((28, 3, 1, "valid"), 26, {"paddings_swapped": 28}),          # the slides' Conv2D(32, (3, 3)) on 28x28
    ((28, 3, 1, "same"), 28, {"paddings_swapped": 26}),
    ((5, 3, 2, "same"), 3, {"same_floor": 2, "same_ignores_stride": 5}),
    ((9, 2, 2, "valid"), 4, {"size_ceil": 5, "size_missing_plus_one": 3}),
    ((224, 7, 2, "same"), 112, {"same_ignores_stride": 224, "paddings_swapped": 109}),
]

# A batch of two 2x3 single-channel integer images, and the same batch padded with one ring of zeros.
SMALL_BATCH = np.array([[[1, 2, 3], [4, 5, 6]],
                        [[7, 8, 9], [10, 11, 12]]], dtype=np.int64)[..., np.newaxis]   # (2, 2, 3, 1)
SMALL_BATCH_PADDED = np.array([[[0, 0, 0, 0, 0], [0, 1, 2, 3, 0], [0, 4, 5, 6, 0], [0, 0, 0, 0, 0]],
                               [[0, 0, 0, 0, 0], [0, 7, 8, 9, 0], [0, 10, 11, 12, 0], [0, 0, 0, 0, 0]]],
                              dtype=np.int64)[..., np.newaxis]                         # (2, 4, 5, 1)
# What padding other axes gives: every axis (np.pad(X, 1)), the first two, the batch axis too, the channel axis too.
WRONG_AXES_SHAPES = [(4, 4, 5, 3), (4, 4, 3, 1), (4, 4, 5, 1), (2, 4, 5, 3)]

# The 5x5 binary image of the course slides as a batch (1, 5, 5, 1), and its three 3x3 filters as W (3, 3, 1, 3).
IMAGE = np.array([[1, 1, 1, 0, 1],
                  [0, 0, 1, 0, 1],
                  [1, 0, 1, 0, 1],
                  [0, 1, 0, 0, 0],
                  [0, 0, 1, 0, 0]], dtype=float)[np.newaxis, :, :, np.newaxis]
DIAGONAL = [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]]
HORIZONTAL = [[1, 1, 1], [0, 0, 0], [0, 0, 0]]
ZEBRA = [[1, -1, 1], [1, -1, 1], [1, -1, 1]]
W_SLIDES = np.array([DIAGONAL, HORIZONTAL, ZEBRA], dtype=float).transpose(1, 2, 0)[:, :, np.newaxis, :]


def maps_as_batch(maps):
    """K literal maps (K, H', W') -> the layout of conv_forward's output, (1, H', W', K)."""
    return np.moveaxis(np.array(maps, dtype=float), 0, -1)[np.newaxis]


# Stride 2, no padding: the slides' "跳著看" maps (the slides print 3 at the diagonal map's bottom left: it is 2).
STRIDE_2_MAPS = maps_as_batch([[[-2, -2], [2, -1]], [[3, 2], [2, 2]], [[4, 6], [2, 3]]])
# What a window start without the stride gives: the top-left 2x2 of the stride-1 maps.
STRIDE_IGNORED_MAPS = maps_as_batch([[[-2, 0], [-4, -1]], [[3, 2], [1, 1]], [[4, -2], [2, -1]]])
# The diagonal filter on the zero-padded image (pad 1, stride 1, the slides' "0 0 ? ? ?" map), plus a bias of 0.5.
PAD_1_MAP = maps_as_batch([[[0.5, 0.5, -0.5, -1.5, 0.5], [-2.5, -1.5, 0.5, -1.5, -0.5],
                            [2.5, -3.5, -0.5, -1.5, 0.5], [-1.5, 2.5, -2.5, -0.5, -0.5],
                            [-0.5, -1.5, 2.5, -0.5, 0.5]]])


def expect_size(got, want, *, what, mistakes):
    """An output size: an int (a float is named as such) equal to ``want``."""
    if isinstance(got, (float, np.floating)):
        fail("float_output_size", what=what, expected=want, got=repr(float(got)))
    expect_number(got, want, what=what, kind=int, mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("conv_output_size")
def test_conv_output_size_discriminating_cases(learner):
    for (n, f, pad, stride), want, mistakes in CONV_SIZES:
        got = learner.call("conv_output_size", n, f, pad=pad, stride=stride)
        expect_size(got, want, what=f"conv_output_size({n}, {f}, pad={pad}, stride={stride})", mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("keras_output_size")
def test_keras_output_size_valid_and_same(learner):
    for (n, f, stride, padding), want, mistakes in KERAS_SIZES:
        got = learner.call("keras_output_size", n, f, stride=stride, padding=padding)
        expect_size(got, want, what=f'keras_output_size({n}, {f}, stride={stride}, padding="{padding}")',
                    mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("keras_output_size")
def test_keras_output_size_rejects_unknown_padding(learner):
    for padding in ("full", "causal"):
        what = f'keras_output_size(7, 3, stride=1, padding="{padding}")'
        try:
            got = learner.call("keras_output_size", 7, 3, stride=1, padding=padding)
        except LearnerRaised as raised:
            ename = raised.text.en.partition(" raised ")[2].partition(":")[0]
            if ename != "ValueError":
                fail("padding_wrong_error", what=what, padding=f'"{padding}"', ename=ename)
            continue
        fail("padding_not_checked", what=what, padding=f'"{padding}"', got=repr(got))


@pytest.mark.points(1)
@pytest.mark.target("zero_pad")
def test_zero_pad_small_batch(learner):
    call = learner.run("zero_pad", SMALL_BATCH, 1)
    what = "zero_pad(X of shape (2, 2, 3, 1), pad=1)"
    got = call.value
    if isinstance(got, np.ndarray) and got.shape in WRONG_AXES_SHAPES:
        fail("pad_wrong_axes", what=what, expected=SMALL_BATCH_PADDED.shape, got=got.shape)
    if isinstance(got, np.ndarray) and got.shape == SMALL_BATCH_PADDED.shape and got.dtype != np.int64:
        fail("pad_dtype_changed", what=what, expected="int64", got=str(got.dtype))
    expect_array(got, SMALL_BATCH_PADDED, what=what,
                 shape_mistakes={"pad_counted_once": (2, 3, 4, 1), "pad_doubled": (2, 6, 7, 1)})
    expect_unchanged(SMALL_BATCH, call.args_after[0], function="zero_pad", arg="X")


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_slides_stride_2(learner):
    got = learner.call("conv_forward", IMAGE, W_SLIDES, np.zeros(3), stride=2, pad=0)
    expect_array(got, STRIDE_2_MAPS, what="conv_forward(slides image (1, 5, 5, 1), W (3, 3, 1, 3), stride=2)",
                 mistakes={"stride_ignored": STRIDE_IGNORED_MAPS})


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_slides_pad_1(learner):
    bias = np.full((1, 1, 1, 1), 0.5)   # the classic assignment's bias shape (1, 1, 1, K)
    got = learner.call("conv_forward", IMAGE, W_SLIDES[..., :1], bias, stride=1, pad=1)
    expect_array(got, PAD_1_MAP, what="conv_forward(slides image, diagonal filter, b=0.5, stride=1, pad=1)",
                 mistakes={"bias_missing": PAD_1_MAP - 0.5},
                 shape_mistakes={"pad_hard_coded": (1, 3, 3, 1), "pad_counted_once": (1, 4, 4, 1)})
