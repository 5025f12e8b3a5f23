"""day93's diagnoses: for each learner function its reference (SciPy's ``correlate2d``), the known mistakes and the
discriminating cases (an integer image like the slides', an even kernel, non-square inputs, several channels,
negative values, a bias, f = 1, the default arguments). Never shipped to learners."""
import math

import numpy as np
from scipy.signal import convolve2d, correlate2d

from grader.diagnosis import Diagnosis, Variant, shape


def correlate(image, kernel, bias=0.0, *, flip=False):
    """Valid cross-correlation of (H, W[, C]) with (f, f[, C]), channels summed; ``flip`` gives true convolution."""
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    op = convolve2d if flip else correlate2d
    if image.ndim == 2:
        return op(image, kernel, mode="valid") + bias
    return sum(op(image[..., c], kernel[..., c], mode="valid") for c in range(image.shape[-1])) + bias


def _flip_all(kernel):
    kernel = np.asarray(kernel)
    return np.flip(kernel) if kernel.ndim == 3 else None   # np.flip without axes also reverses the channels


def _channels(image, kernel, how):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    if image.ndim != 3 or image.shape[-1] < 2:
        return None
    return (image[..., 0], kernel[..., 0]) if how == "first" else (image.sum(-1), kernel.sum(-1))


# ---------------------------------------------------------------- conv_single_step

def single_step(window, kernel, bias=0.0):
    return float(np.sum(np.asarray(window, dtype=float) * np.asarray(kernel, dtype=float)) + bias)


def _step_channels(window, kernel, bias, how):
    pair = _channels(window, kernel, how)
    return None if pair is None else single_step(*pair, bias)


def _f(x):
    return np.asarray(x, dtype=float)


# Mistakes in the step itself (window, kernel, bias) -> value; feature_map shows them at every position.
STEP_MISTAKES = (
    ("bias_subtracted", lambda w, k, b: float(np.sum(w * k) - b) if b else None),
    ("products_missing", lambda w, k, b: float(np.sum(w + k) + b)),
    ("products_missing", lambda w, k, b: float(np.sum(w) + b)),
    ("products_missing", lambda w, k, b: float(np.sum(w) * np.sum(k) + b)),
)


def _map_with(step, image, kernel, bias):
    """The valid, stride-1 map computed with a mistaken ``step``; None where the step cannot show."""
    image, kernel = _f(image), _f(kernel)
    f = kernel.shape[0]
    rows, cols = image.shape[0] - f + 1, image.shape[1] - f + 1
    values = [[step(image[i:i + f, j:j + f], kernel, bias) for j in range(cols)] for i in range(rows)]
    return None if any(v is None for row in values for v in row) else np.array(values, dtype=float)


SINGLE_STEP = Diagnosis(
    function="conv_single_step", kind="float", floats=True,
    reference=single_step,
    variants=(
        Variant("bias_every_product", lambda w, k, b=0.0: single_step(w, k) + np.size(w) * b),
        Variant("bias_missing", lambda w, k, b=0.0: single_step(w, k) if b != 0 else None),
        Variant("flipped_kernel", lambda w, k, b=0.0: single_step(w, np.flip(k, axis=(0, 1)), b)),
        Variant("flipped_kernel", lambda w, k, b=0.0: None if _flip_all(k) is None else single_step(w, _flip_all(k), b)),
        Variant("relu_before_bias", lambda w, k, b=0.0: max(single_step(w, k), 0.0) + b),
        Variant("relu_applied", lambda w, k, b=0.0: max(single_step(w, k, b), 0.0)),
        Variant("result_cast_to_int", lambda w, k, b=0.0: math.trunc(single_step(w, k, b))),
        Variant("channels_ignored", lambda w, k, b=0.0: _step_channels(w, k, b, "first")),
        Variant("channels_summed_first", lambda w, k, b=0.0: _step_channels(w, k, b, "sum")),
        *(Variant(key, lambda w, k, b=0.0, step=step: step(_f(w), _f(k), b)) for key, step in STEP_MISTAKES),
    ),
    cases=(
        ((np.array([[1, 1, 1], [0, 0, 1], [1, 0, 1]], dtype=float),
          np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float), 0.5), {}),     # the slides' first window
        ((np.array([[3, -1, 2], [0, 4, -2], [1, 5, -3]]), np.array([[1, 2, 0], [-1, 0, 3], [2, -2, 1]])), {}),
        ((np.array([[3, -1], [0, 4]]), np.array([[1, 2], [-1, 0]]), 0.5), {}),          # integers, a half bias
        ((np.arange(-6, 6, dtype=float).reshape(2, 2, 3) / 2, np.array(
            [[[1, -2, 0.5], [0, 3, -1]], [[2, 1, -1], [-0.5, 0, 2]]]), -1.25), {}),     # f = 2, three channels
        ((np.array([[2.5]]), np.array([[-2.0]]), 1.0), {}),                              # f = 1
    ),
)


# ---------------------------------------------------------------- feature_map

def _map_channels(image, kernel, bias, how):
    pair = _channels(image, kernel, how)
    return None if pair is None else correlate(*pair, bias)


def _off_by_one(image, kernel, bias):
    full = correlate(image, kernel, bias)
    return full[:-1, :-1] if min(full.shape) > 1 else None


def _hw_swapped(image, kernel, bias=0.0):
    return correlate(image, kernel, bias).T


def _sizes(image, kernel):
    image, f = np.asarray(image), np.shape(kernel)[0]
    return image.shape[0] - f + 1, image.shape[1] - f + 1


FEATURE_MAP = Diagnosis(
    function="feature_map", floats=True, windows=True,
    reference=correlate,
    variants=(
        Variant("result_cast_to_int", lambda i, k, b=0.0: np.trunc(correlate(i, k, b))),
        Variant("flipped_kernel", lambda i, k, b=0.0: correlate(i, k, b, flip=True)),
        Variant("flipped_kernel", lambda i, k, b=0.0: None if _flip_all(k) is None else correlate(i, _flip_all(k), b)),
        Variant("bias_every_product", lambda i, k, b=0.0: correlate(i, k, b) + (np.size(k) - 1) * b if b else None),
        Variant("bias_missing", lambda i, k, b=0.0: correlate(i, k) if b else None),
        Variant("relu_before_bias", lambda i, k, b=0.0: np.maximum(correlate(i, k), 0) + b),
        Variant("relu_applied", lambda i, k, b=0.0: np.maximum(correlate(i, k, b), 0)),
        Variant("hw_swapped", _hw_swapped),
        Variant("hw_swapped", lambda i, k, b=0.0: shape(*_sizes(i, k)[::-1]) if len(set(_sizes(i, k))) == 2 else None),
        Variant("channels_ignored", lambda i, k, b=0.0: _map_channels(i, k, b, "first")),
        Variant("channels_summed_first", lambda i, k, b=0.0: _map_channels(i, k, b, "sum")),
        Variant("per_channel_maps", lambda i, k, b=0.0: shape(*_sizes(i, k), np.shape(i)[2]) if np.ndim(i) == 3
                else None),
        *(Variant(key, lambda i, k, b=0.0, step=step: _map_with(step, i, k, b)) for key, step in STEP_MISTAKES),
        Variant("off_by_one", _off_by_one),
        Variant("off_by_one", lambda i, k, b=0.0: shape(*(n - 1 for n in _sizes(i, k)))),
    ),
    cases=(
        ((np.array([[1, 1, 1, 0, 1], [0, 0, 1, 0, 1], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]),
          np.array([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]])), {}),        # the slides' integer image, default bias
        ((np.array([[1, 1, 1, 0, 1], [0, 0, 1, 0, 1], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]),
          np.array([[1, -1, 1], [1, -1, 1], [1, -1, 1]]), 0.5), {}),       # integers and a half bias
        ((np.array([[-3, -2, -1, 0, 1, 2], [3, -3, -2, -1, 0, 1], [2, 3, -3, -2, -1, 0], [1, 2, 3, -3, -2, -1],
                    [0, 1, 2, 3, -3, -2]], dtype=float),
          np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float), 1.5), {}),   # 5 x 6: height != width
        ((np.arange(-42, 42, dtype=float).reshape(4, 7, 3) % 7 - 3,
          np.array([[[1, -1, 0.5], [2, 0, -1]], [[0, 1, -2], [-1, 0.5, 1]]]), -0.75), {}),   # f = 2, 3 channels
        ((np.array([[1.5, -2, 0, 3, -1], [2, 0.5, -3, 1, 4], [-1, 2, 2, -0.5, 0]]), np.array([[-2.0]]), 0.25), {}),
        ((np.arange(48, dtype=float).reshape(6, 4, 2) % 5 - 2,
          np.array([[[1, 0], [0, -1], [2, 1]], [[-1, 2], [1, 1], [0, -2]], [[0, 1], [-1, 0], [1, -1]]]), 2.0), {}),
    ),
)


# ---------------------------------------------------------------- feature_maps

def stacked(image, kernels, biases=None, *, flip=False):
    kernels = np.asarray(kernels, dtype=float)
    biases = np.zeros(len(kernels)) if biases is None else np.asarray(biases, dtype=float)
    return np.stack([correlate(image, k, b, flip=flip) for k, b in zip(kernels, biases)], axis=-1)


def _maps_sizes(image, kernels):
    return _sizes(image, np.asarray(kernels)[0]) + (len(kernels),)


def _per_kernel(variant, image, kernels, biases=None):
    """What feature_maps gives when the feature_map it calls has ``variant``'s mistake (None where it cannot show)."""
    biases = np.zeros(len(kernels)) if biases is None else biases
    maps = [variant.compute(image, k, b) for k, b in zip(np.asarray(kernels, dtype=float), biases)]
    if any(m is None for m in maps):
        maps = [correlate(image, k, b) if m is None else m for m, k, b in zip(maps, kernels, biases)]
    if any(isinstance(m, dict) for m in maps):
        return shape(*maps[0]["shape"], len(maps)) if all(isinstance(m, dict) for m in maps) else None
    return np.stack(maps, axis=-1) if len({m.shape for m in maps}) == 1 else None


def _stacked_no_bias(image, kernels, biases=None):
    return None if biases is None or not np.any(biases) else stacked(image, kernels)


FEATURE_MAPS = Diagnosis(
    function="feature_maps", floats=True, windows=True,
    reference=stacked,
    variants=(
        Variant("maps_first_axis", lambda i, k, b=None: np.moveaxis(stacked(i, k, b), -1, 0)),
        Variant("maps_first_axis", lambda i, k, b=None: shape(*np.roll(_maps_sizes(i, k), 1))),
        Variant("hw_swapped", lambda i, k, b=None: stacked(i, k, b).transpose(1, 0, 2)),
        Variant("hw_swapped", lambda i, k, b=None: shape(*np.asarray(_maps_sizes(i, k))[[1, 0, 2]])),
        Variant("bias_missing", _stacked_no_bias),
        # A mistake of feature_map (which feature_maps calls) shows in every map.
        *(Variant(v.key, lambda i, k, b=None, v=v: _per_kernel(v, i, k, b)) for v in FEATURE_MAP.variants),
    ),
    cases=(
        ((np.array([[-3, -2, -1, 0, 1, 2], [3, -3, -2, -1, 0, 1], [2, 3, -3, -2, -1, 0], [1, 2, 3, -3, -2, -1],
                    [0, 1, 2, 3, -3, -2]], dtype=float),
          np.array([[[1, 0, -1], [2, 0, -2], [1, 0, -1]], [[0, 1, 0], [1, -4, 1], [0, 1, 0]]], dtype=float),
          [0.5, -1.0]), {}),
        ((np.array([[1, 1, 1, 0, 1], [0, 0, 1, 0, 1], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]),
          np.array([[[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], [[1, 1, 1], [0, 0, 0], [0, 0, 0]],
                    [[1, -1, 1], [1, -1, 1], [1, -1, 1]]])), {}),          # biases left at their default None
        ((np.arange(-20, 20, dtype=float).reshape(4, 5, 2) % 6 - 2.5,
          np.array([[[[1, 0], [-1, 2]], [[0.5, -1], [1, 0]]], [[[0, 2], [1, -1]], [[-2, 1], [0, 0.5]]]]),
          [1.5, -0.5]), {}),                                               # f = 2, two channels, two kernels
        ((np.array([[0.5, -1, 2, 0], [1, 3, -2, 1], [-1, 0, 1, 2]]),
          np.array([[[1, -1], [0, 2]]], dtype=float), [2.0]), {}),         # one kernel
        ((np.array([[2.0, -1, 0, 1], [0.5, 1, -2, 3], [1, 0, 2, -1]]),
          [[[1, 0], [0, -1]], [[0.5, 2], [-1, 0]]], [0.5, -0.25]), {}),   # the kernels as a list, as promised
    ),
)


# ---------------------------------------------------------------- relu

RELU = Diagnosis(
    function="relu",
    reference=lambda x: np.maximum(np.asarray(x, dtype=float), 0),
    variants=(
        Variant("result_cast_to_int", lambda x: np.trunc(np.maximum(_f(x), 0))),
        Variant("relu_wrong_threshold", lambda x: np.maximum(_f(x), 1)),
        Variant("relu_wrong_threshold", lambda x: np.maximum(_f(x), -1)),
        Variant("relu_abs", lambda x: np.abs(np.asarray(x, dtype=float))),
        Variant("relu_inverted", lambda x: np.minimum(np.asarray(x, dtype=float), 0)),
        Variant("relu_inverted", lambda x: np.maximum(-np.asarray(x, dtype=float), 0)),
    ),
    cases=(
        ((np.array([[4, -2, 6], [2, -1, 4], [2, -1, 3]], dtype=float),), {}),   # the zebra map of the slides
        ((np.arange(-6, 6, dtype=float).reshape(2, 3, 2) * 0.75,), {}),
        ((np.array([-0.5, 0.0, 0.25, -3.0, 7.0]),), {}),
    ),
)

DIAGNOSES = {d.function: d for d in (SINGLE_STEP, FEATURE_MAP, FEATURE_MAPS, RELU)}
ARG_NAMES = {"conv_single_step": ("window", "kernel"), "feature_map": ("image", "kernel"),
             "feature_maps": ("image", "kernels"), "relu": ("x",)}
