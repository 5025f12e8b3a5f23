"""day95's diagnosis of ``pool_forward``: NumPy's ``sliding_window_view`` as the reference, the known mistakes and
the discriminating cases (the slides' integer map, several channels, overlapping windows, a stride that does not
divide the size, H != W, negative values, f = stride = 1, the default mode, the promised errors).
Never shipped to learners."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.diagnosis import Diagnosis, ErrorCase, Variant, shape

OTHER_MODE = {"max": "average", "average": "max", "mean": "max"}


def windows(A, f, stride, strides=None):
    """Every f x f window, every stride-th one: (m, H', W', C, f, f); ``strides`` (rows, cols) for the mistakes."""
    rows, cols = strides or (stride, stride)
    return sliding_window_view(np.asarray(A, dtype=float), (f, f), axis=(1, 2))[:, ::rows, ::cols]


def pool(A, f, stride, mode="max", *, strides=None, reduce=None):
    found = windows(A, f, stride, strides)
    if reduce is not None:
        return reduce(found)
    return found.max(axis=(-2, -1)) if mode == "max" else found.mean(axis=(-2, -1))


def _average_only(compute):
    return lambda A, f, stride, mode="max": compute(A, f, stride) if mode != "max" else None


def _sizes(A, f, stride):
    m, h, w, c = np.shape(A)
    return m, (h - f) // stride + 1, (w - f) // stride + 1, c


def _cut(values, A, f, stride):
    _, rows, cols, _ = _sizes(A, f, stride)
    return values[:, :rows, :cols]


def _stride_ignored(A, f, stride, mode="max"):
    if stride == 1:
        return None
    _, rows, cols, _ = _sizes(A, f, stride)
    return pool(A, f, 1, mode)[:, :rows, :cols]


def _across_channels(A, f, stride, mode="max"):
    pooled = pool(A, f, stride, mode)
    mix = np.max if mode == "max" else np.mean
    return np.broadcast_to(mix(pooled, axis=-1, keepdims=True), pooled.shape) if pooled.shape[-1] > 1 else None


POOL = Diagnosis(
    function="pool_forward", floats=True, windows=True,
    reference=pool,
    variants=(
        Variant("pool_modes_swapped", lambda A, f, stride, mode="max": pool(A, f, stride, OTHER_MODE[mode])),
        Variant("pool_median", _average_only(lambda A, f, s: pool(A, f, s, reduce=lambda w: np.median(w, axis=(-2, -1))))),
        Variant("pool_divided_by_f", _average_only(lambda A, f, s: pool(A, f, s, reduce=lambda w: w.sum(axis=(-2, -1)) / f))),
        Variant("pool_sum", _average_only(lambda A, f, s: pool(A, f, s, reduce=lambda w: w.sum(axis=(-2, -1))))),
        Variant("result_cast_to_int", lambda A, f, stride, mode="max": np.trunc(pool(A, f, stride, mode))),
        Variant("pool_stride_ignored", _stride_ignored),
        Variant("stride_one_axis", lambda A, f, stride, mode="max": pool(A, f, stride, mode, strides=(stride, 1))
                if stride > 1 else None),
        Variant("stride_one_axis", lambda A, f, stride, mode="max": pool(A, f, stride, mode, strides=(1, stride))
                if stride > 1 else None),
        Variant("stride_one_axis", lambda A, f, stride, mode="max": _cut(pool(A, f, stride, mode, strides=(
            1, stride)), A, f, stride) if stride > 1 else None),
        Variant("stride_one_axis", lambda A, f, stride, mode="max": _cut(pool(A, f, stride, mode, strides=(
            stride, 1)), A, f, stride) if stride > 1 else None),
        Variant("pool_across_channels", _across_channels),
        Variant("pool_across_channels", lambda A, f, stride, mode="max": shape(*_sizes(A, f, stride)[:3])),
        Variant("hw_swapped", lambda A, f, stride, mode="max": np.swapaxes(pool(A, f, stride, mode), 1, 2)),
        Variant("pool_size_without_stride", lambda A, f, stride, mode="max": shape(*_sizes(A, f, 1)) if stride > 1
                else None),
        Variant("pool_size_rounded_up", lambda A, f, stride, mode="max": shape(
            np.shape(A)[0], -(-(np.shape(A)[1] - f) // stride) + 1, -(-(np.shape(A)[2] - f) // stride) + 1,
            np.shape(A)[3])),
        Variant("pool_blocks_only", lambda A, f, stride, mode="max": shape(
            np.shape(A)[0], np.shape(A)[1] // f, np.shape(A)[2] // f, np.shape(A)[3])),
    ),
    cases=(
        ((np.array([[1, 2, 3, 4], [5, 6, 7, 8], [7, 6, 5, 4], [3, 2, 1, 0]]).reshape(1, 4, 4, 1), 2, 2),
         {"mode": "max"}),                                                # the slides' integer map
        ((np.array([[1, 2, 3, 4], [5, 6, 7, 8], [7, 6, 5, 4], [3, 2, 1, 0]]).reshape(1, 4, 4, 1), 2, 2),
         {"mode": "average"}),
        ((np.array([[1, 2, 3, 4], [5, 6, 7, 8], [7, 6, 5, 4], [3, 2, 1, 0]]).reshape(1, 4, 4, 1), 2, 2),
         {"mode": "mean"}),
        ((np.stack([np.arange(16.0).reshape(4, 4) % 7, 10 - np.arange(16.0).reshape(4, 4) % 7], -1)[None], 2, 2),
         {}),                                                             # two channels, the default mode "max"
        ((np.array([[1, 3, 2, 0, 4], [5, 0, 1, 2, 2], [3, 1, 6, 1, 0], [0, 2, 1, 7, 3]], dtype=float).reshape(
            1, 4, 5, 1), 3, 1), {"mode": "max"}),                         # overlapping windows
        ((np.array([[1, 3, 2, 0, 4], [5, 0, 1, 2, 2], [3, 1, 6, 1, 0], [0, 2, 1, 7, 3]], dtype=float).reshape(
            1, 4, 5, 1), 3, 1), {"mode": "average"}),
        ((np.arange(-56, 56, dtype=float).reshape(2, 7, 8, 1).repeat(2, -1) % 11 - 5 + np.array([0.0, 0.5]), 2, 3),
         {"mode": "average"}),                                            # stride 3 does not divide 7 or 8
        ((np.arange(-56, 56, dtype=float).reshape(2, 7, 8, 1).repeat(2, -1) % 11 - 5 + np.array([0.0, 0.5]), 3, 2),
         {"mode": "max"}),
        ((np.arange(-12, 12).reshape(1, 3, 4, 2), 1, 1), {"mode": "average"}),   # f = stride = 1: the identity
    ),
    errors=(
        ErrorCase((np.arange(16.0).reshape(1, 4, 4, 1), 2, 2), {"mode": "min"}, "ValueError",
                  "pool_bad_mode_accepted", "pool_wrong_error"),
        ErrorCase((np.arange(16.0).reshape(1, 4, 4, 1), 2, 2), {"mode": "sum"}, "ValueError",
                  "pool_bad_mode_accepted", "pool_wrong_error"),
        ErrorCase((np.arange(20.0).reshape(1, 4, 5, 1), 5, 1), {"mode": "max"}, "ValueError",
                  "pool_empty_output", "pool_wrong_error"),
        ErrorCase((np.arange(20.0).reshape(1, 4, 5, 1), 7, 1), {"mode": "average"}, "ValueError",
                  "pool_empty_output", "pool_wrong_error"),
        ErrorCase((np.arange(20.0).reshape(1, 4, 5, 1), 2, 0), {"mode": "average"}, "ValueError",
                  "pool_bad_size_accepted", "pool_wrong_error"),
        ErrorCase((np.arange(20.0).reshape(1, 4, 5, 1), 0, 2), {"mode": "max"}, "ValueError",
                  "pool_bad_size_accepted", "pool_wrong_error"),
    ),
)

DIAGNOSES = {"pool_forward": POOL}
ARG_NAMES = {"pool_forward": ("A_prev",)}
