"""day94's diagnoses: output-size formulas, ``np.pad`` and a sliding-window einsum as references, the known mistakes
and the discriminating cases ((5, 3, 1, 2), (9, 2, 0, 2), (224, 7, 3, 2); integer images; an even filter; a stride
that does not divide the size; H != W; several channels; padding 0; f = 1; each bias shape; default arguments).
Never shipped to learners."""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.diagnosis import Diagnosis, ErrorCase, Variant, grown, shape

# ---------------------------------------------------------------- output sizes


def conv_size(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) // stride + 1


def _fresh_size(stride_at):
    """A twin of a size case: ``n`` grown by a multiple of the stride (same remainder), the rest kept."""
    def fresh(rng, args, kwargs):
        stride = kwargs.get("stride", args[stride_at] if len(args) > stride_at else 1)
        return (grown(rng, args[0], stride),) + tuple(args[1:]), kwargs
    return fresh


CONV_SIZE = Diagnosis(
    function="conv_output_size", kind="int", float_key="float_output_size", fallback="conv_size_formula",
    fresh=_fresh_size(3),
    reference=conv_size,
    variants=(
        Variant("pad_counted_once", lambda n, f, pad=0, stride=1: (n + pad - f) // stride + 1),
        Variant("pad_doubled", lambda n, f, pad=0, stride=1: (n + 4 * pad - f) // stride + 1),
        Variant("size_ceil", lambda n, f, pad=0, stride=1: math.ceil((n + 2 * pad - f) / stride) + 1),
        Variant("size_missing_plus_one", lambda n, f, pad=0, stride=1: (n + 2 * pad - f) // stride),
        Variant("outshape_stride_ignored", lambda n, f, pad=0, stride=1: n + 2 * pad - f + 1),
    ),
    cases=(
        ((9, 2), {"pad": 0, "stride": 2}), ((5, 3), {"pad": 1, "stride": 2}), ((224, 7), {"pad": 3, "stride": 2}),
        ((7, 3), {}),                                       # the defaults pad=0, stride=1
        ((6, 1), {"pad": 0, "stride": 4}), ((10, 4), {"pad": 2, "stride": 3}),
        ((7, 3), {"pad": 2, "stride": 1}),                  # the padding counted once and a missing + 1 differ
    ),
)


def keras_size(n, f, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    return (n - f) // stride + 1 if padding == "valid" else math.ceil(n / stride)


def _when(padding_wanted, compute):
    return lambda n, f, stride=1, padding="valid": compute(n, f, stride) if padding == padding_wanted else None


KERAS_SIZE = Diagnosis(
    function="keras_output_size", kind="int", float_key="float_output_size", fallback="keras_size_formula",
    fresh=_fresh_size(2),
    reference=keras_size,
    variants=(
        Variant("paddings_swapped", lambda n, f, stride=1, padding="valid": keras_size(
            n, f, stride, "same" if padding == "valid" else "valid")),
        Variant("same_floor", _when("same", lambda n, f, s: n // s)),
        Variant("same_ignores_stride", _when("same", lambda n, f, s: n)),
        Variant("size_ceil", _when("valid", lambda n, f, s: math.ceil((n - f) / s) + 1)),
        Variant("size_missing_plus_one", _when("valid", lambda n, f, s: (n - f) // s)),
        Variant("outshape_stride_ignored", _when("valid", lambda n, f, s: n - f + 1)),
    ),
    cases=(
        ((28, 3), {"stride": 1, "padding": "valid"}), ((28, 3), {"stride": 1, "padding": "same"}),
        ((5, 3), {"stride": 2, "padding": "same"}), ((5, 3), {"stride": 2, "padding": "valid"}),
        ((9, 2), {"stride": 2, "padding": "valid"}), ((9, 2), {"stride": 2, "padding": "same"}),
        ((224, 7), {"stride": 2, "padding": "same"}), ((13, 5), {"stride": 3, "padding": "valid"}),
        ((10, 5), {"stride": 3, "padding": "same"}),       # ceil 4, floor 3, "valid" 2: each mistake shows
        ((12, 3), {}),                                      # the defaults stride=1, padding="valid"
    ),
    errors=tuple(ErrorCase((7, 3), {"stride": 1, "padding": p}, "ValueError", "padding_not_checked",
                           "padding_wrong_error") for p in ("full", "causal")),
)

# ---------------------------------------------------------------- zero padding


def padded(X, pad, *, sides=((1, 1), (1, 1)), mode="constant", value=0):
    (top, bottom), (left, right) = sides
    widths = ((0, 0), (pad * top, pad * bottom), (pad * left, pad * right), (0, 0))
    if mode == "edge":
        return np.pad(X, widths, mode="edge")
    return np.pad(X, widths, mode="constant", constant_values=value)


def _pad_shape(X, pad, grow):
    return shape(*(n + 2 * pad * g for n, g in zip(np.shape(X), grow)))


ZERO_PAD = Diagnosis(
    function="zero_pad", keeps_dtype=True,
    reference=padded,
    variants=(
        Variant("pad_one_side", lambda X, pad: padded(X, pad, sides=((1, 0), (1, 0)))),
        Variant("pad_one_side", lambda X, pad: padded(X, pad, sides=((0, 1), (0, 1)))),
        Variant("pad_not_zeros", lambda X, pad: padded(X, pad, mode="edge")),
        Variant("pad_with_ones", lambda X, pad: padded(X, pad, value=1)),
        Variant("pad_with_ones", lambda X, pad: padded(X, pad, value=-1)),
        Variant("result_cast_to_int", lambda X, pad: np.trunc(padded(X, pad)) if np.asarray(X).dtype.kind == "f"
                else None),
        Variant("hw_swapped", lambda X, pad: np.swapaxes(padded(X, pad), 1, 2)),
        Variant("pad_wrong_axes", lambda X, pad: _pad_shape(X, pad, (1, 1, 1, 1))),
        Variant("pad_wrong_axes", lambda X, pad: _pad_shape(X, pad, (1, 1, 0, 0))),
        Variant("pad_wrong_axes", lambda X, pad: _pad_shape(X, pad, (1, 1, 1, 0))),
        Variant("pad_wrong_axes", lambda X, pad: _pad_shape(X, pad, (0, 1, 1, 1))),
        Variant("pad_counted_once", lambda X, pad: shape(*(n + pad * g for n, g in zip(np.shape(X), (0, 1, 1, 0))))),
        Variant("pad_doubled", lambda X, pad: _pad_shape(X, 2 * pad, (0, 1, 1, 0))),
    ),
    cases=(
        ((np.array([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]], dtype=np.int64)[..., np.newaxis], 1), {}),
        ((np.arange(-6, 6, dtype=np.float32).reshape(1, 3, 2, 2) / 4, 2), {}),
        ((np.arange(8, dtype=float).reshape(2, 2, 2, 1) - 3.5, 0), {}),                  # pad 0: unchanged
    ),
)

# ---------------------------------------------------------------- convolution forward


def correlate(A, W, b, stride=1, pad=0, *, flip=None, pad_mode="zeros", strides=None):
    """Reference: pad H and W, take every f x f window with a sliding-window view, contract with W, add b once.

    ``flip``, ``pad_mode`` and ``strides`` (row stride, column stride) compute the known mistakes."""
    A, W = np.asarray(A, dtype=float), np.asarray(W, dtype=float)
    W = W if flip is None else np.flip(W, axis=flip)
    widths = ((0, 0), (pad, pad), (pad, pad), (0, 0))
    if pad_mode == "one_side":
        widths = ((0, 0), (pad, 0), (pad, 0), (0, 0))
    padded_A = np.pad(A, widths, mode="edge") if pad_mode == "edge" else np.pad(
        A, widths, constant_values=1 if pad_mode == "ones" else 0)
    f = W.shape[0]
    rows, cols = strides or (stride, stride)
    windows = sliding_window_view(padded_A, (f, f), axis=(1, 2))[:, ::rows, ::cols]   # (m, H', W', C, f, f)
    return np.einsum("mhwcuv,uvck->mhwk", windows, W) + np.reshape(np.asarray(b, dtype=float), -1)


def _sizes(A, W, stride, pad):
    (m, h, w, _), f, k = np.shape(A), np.shape(W)[0], np.shape(W)[-1]
    return m, conv_size(h, f, pad, stride), conv_size(w, f, pad, stride), k


def _bias_every_product(A, W, b, stride=1, pad=0):
    f, _, c, _ = np.shape(W)
    return correlate(A, W, b, stride, pad) + (f * f * c - 1) * np.reshape(np.asarray(b, dtype=float), -1)


def _cut(values, A, W, stride, pad):
    """The top-left part of ``values`` that fits the right output shape (a loop over the right sizes)."""
    _, rows, cols, _ = _sizes(A, W, stride, pad)
    return values[:, :rows, :cols]


def _stride_ignored(A, W, b, stride=1, pad=0):
    if stride == 1:
        return None
    _, rows, cols, _ = _sizes(A, W, stride, pad)
    return correlate(A, W, b, 1, pad)[:, :rows, :cols]


def _channel_zero(A, W, b, stride=1, pad=0):
    if np.shape(A)[-1] < 2:
        return None
    return correlate(np.asarray(A)[..., :1], np.asarray(W)[:, :, :1], b, stride, pad)


def _no_bias(A, W, b, stride=1, pad=0):
    return correlate(A, W, 0.0, stride, pad) if np.any(np.asarray(b)) else None


def _size_shapes(key, compute):
    """A shape-only variant from a size mistake ``compute(n, f, pad, stride)`` applied to H and W."""
    def variant(A, W, b, stride=1, pad=0):
        (m, h, w, _), f, k = np.shape(A), np.shape(W)[0], np.shape(W)[-1]
        return shape(m, compute(h, f, pad, stride), compute(w, f, pad, stride), k)
    return Variant(key, variant)


CONV_FORWARD = Diagnosis(
    function="conv_forward", floats=True, windows=True,
    reference=correlate,
    variants=(
        Variant("flipped_kernel", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, flip=(0, 1))),
        Variant("flipped_kernel", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, flip=(0, 1, 2))),
        Variant("bias_missing", _no_bias),
        Variant("bias_subtracted", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad)
                - 2 * np.reshape(np.asarray(b, dtype=float), -1) if np.any(np.asarray(b)) else None),
        Variant("bias_every_product", _bias_every_product),
        Variant("stride_ignored", _stride_ignored),
        Variant("stride_one_axis", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, strides=(stride, 1))
                if stride > 1 else None),
        Variant("stride_one_axis", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, strides=(1, stride))
                if stride > 1 else None),
        _size_shapes("pad_counted_once", lambda n, f, pad, stride: (n + pad - f) // stride + 1),
        Variant("stride_one_axis", lambda A, W, b, stride=1, pad=0: _cut(correlate(A, W, b, stride, pad, strides=(
            1, stride)), A, W, stride, pad) if stride > 1 else None),
        Variant("stride_one_axis", lambda A, W, b, stride=1, pad=0: _cut(correlate(A, W, b, stride, pad, strides=(
            stride, 1)), A, W, stride, pad) if stride > 1 else None),
        Variant("pad_one_side", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, pad_mode="one_side")
                if pad else None),
        Variant("pad_with_ones", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, pad_mode="ones")
                if pad else None),
        Variant("pad_not_zeros", lambda A, W, b, stride=1, pad=0: correlate(A, W, b, stride, pad, pad_mode="edge")
                if pad else None),
        Variant("result_cast_to_int", lambda A, W, b, stride=1, pad=0: np.trunc(correlate(A, W, b, stride, pad))),
        Variant("relu_applied", lambda A, W, b, stride=1, pad=0: np.maximum(correlate(A, W, b, stride, pad), 0)),
        Variant("hw_swapped", lambda A, W, b, stride=1, pad=0: np.swapaxes(correlate(A, W, b, stride, pad), 1, 2)),
        Variant("channels_ignored", _channel_zero),
        _size_shapes("stride_hard_coded", lambda n, f, pad, stride: conv_size(n, f, pad, 1)),
        _size_shapes("pad_hard_coded", lambda n, f, pad, stride: conv_size(n, f, 0, stride)),
        _size_shapes("pad_hard_coded", lambda n, f, pad, stride: conv_size(n, f, 1, stride)),
        _size_shapes("size_missing_plus_one", lambda n, f, pad, stride: (n + 2 * pad - f) // stride),
        _size_shapes("size_ceil", lambda n, f, pad, stride: -(-(n + 2 * pad - f) // stride) + 1),
    ),
    cases=(
        ((np.array([[1, 1, 1, 0, 1], [0, 0, 1, 0, 1], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]])[
            np.newaxis, :, :, np.newaxis],
          np.array([[[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], [[1, 1, 1], [0, 0, 0], [0, 0, 0]],
                    [[1, -1, 1], [1, -1, 1], [1, -1, 1]]], dtype=float).transpose(1, 2, 0)[:, :, np.newaxis, :],
          np.zeros(3)), {"stride": 2, "pad": 0}),                    # the slides' integer image, stride 2
        ((np.array([[1, 1, 1, 0, 1], [0, 0, 1, 0, 1], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]])[
            np.newaxis, :, :, np.newaxis],
          np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)[:, :, np.newaxis, np.newaxis],
          np.full((1, 1, 1, 1), 0.5)), {"stride": 1, "pad": 1}),     # pad 1 and a half bias (1, 1, 1, K)
        ((np.arange(-35, 35, dtype=float).reshape(2, 5, 7, 1).repeat(3, axis=-1) % 5 - 2
          + np.array([0.0, 0.5, -0.25]),
          np.array([[[[1, 0], [0, -1], [2, 1]], [[-1, 2], [0.5, 0], [1, -1]]],
                    [[[0, 1], [1, 1], [-2, 0]], [[1, -1], [0, 2], [-1, 0.5]]]]),
          np.array([1.5, -0.75])), {"stride": 3, "pad": 1}),        # f = 2, stride 3 does not divide, 3 channels
        ((np.arange(48, dtype=float).reshape(1, 4, 6, 2) % 7 - 3, np.array([[[[2.0, -1.0], [0.5, 1.0]]]]), 1.25),
         {"stride": 2, "pad": 0}),                                   # f = 1, a scalar bias
        ((np.arange(60, dtype=float).reshape(2, 6, 5, 1) % 9 - 4,
          np.arange(36, dtype=float).reshape(3, 3, 1, 4) % 5 - 2, np.array([0.5, -1.0, 2.0, 0.25]).reshape(1, 1, 1, 4)),
         {"stride": 2, "pad": 2}),
        ((np.arange(30, dtype=float).reshape(1, 6, 5, 1) % 4 - 1.5, np.array([[[[1.0]], [[-2.0]]], [[[0.5]], [[1.0]]]]),
          np.array([0.25])), {"stride": 2, "pad": 3}),                # pad 3: a padding of 1, 0 or counted once shows
        ((np.arange(20, dtype=float).reshape(1, 4, 5, 1) % 3 - 1, np.array([[[[2.0]], [[1.0]]], [[[-1.0]], [[0.5]]]]),
          -0.5), {"stride": 1, "pad": 3}),
        ((np.arange(-24, 24, dtype=float).reshape(1, 6, 4, 2) / 4, np.arange(18, dtype=float).reshape(3, 3, 2, 1) % 4 - 1,
          np.array([-0.5])), {}),                                    # the defaults stride=1, pad=0
    ),
)

DIAGNOSES = {d.function: d for d in (CONV_SIZE, KERAS_SIZE, ZERO_PAD, CONV_FORWARD)}
ARG_NAMES = {"conv_output_size": (), "keras_output_size": (), "zero_pad": ("X",), "conv_forward": ("A_prev", "W", "b")}
