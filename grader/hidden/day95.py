"""Hidden checks for day95: fresh random inputs every run, compared whole against independent references.

The references are NumPy's ``sliding_window_view`` (every f x f window, then every stride-th one) and Keras's
own ``MaxPooling2D`` / ``AveragePooling2D``; each known wrong variant is computed from the first so the message
can name the mistake.
"""
import re

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from grader.checks import as_numeric_array, expect_array, expect_unchanged, fail
from grader.learner import LearnerRaised

OTHER_MODE = {"max": "average", "average": "max", "mean": "max"}
BAD_MODES = ("min", "sum", "median", "l2")


def pool(A, f, stride, mode):
    """Valid pooling of (m, H, W, C) with an f x f window: (m, H', W', C), each channel on its own."""
    windows = sliding_window_view(A, (f, f), axis=(1, 2))[:, ::stride, ::stride]   # (m, H', W', C, f, f)
    return windows.max(axis=(-2, -1)) if mode == "max" else windows.mean(axis=(-2, -1))


def random_input(rng, *, f, stride, channels=(1, 5), integers=False):
    """A batch (m, H, W, C) with H != W, at least 2 output rows and columns, m 1-3."""
    h, w = (f + stride * int(rng.integers(1, 4)) + int(rng.integers(0, stride)) for _ in range(2))
    w = w if w != h else w + 1
    shape = (int(rng.integers(1, 4)), h, w, int(rng.integers(*channels)))
    return rng.integers(-9, 10, size=shape) if integers else rng.normal(size=shape).round(3)


def random_case(rng, kind):
    """(A, f, stride): "overlap" has stride < f, "strided" stride >= 2, "any" f 1-4 and stride 1-3,
    "window" f 2-4 (never the 1x1 window, whose max equals its mean) and stride 1-3."""
    if kind == "overlap":
        f = int(rng.integers(2, 5))
        stride = int(rng.integers(1, f))
    else:
        f = int(rng.integers(2 if kind == "window" else 1, 5))
        stride = int(rng.integers(2 if kind == "strided" else 1, 4))
    channels = (2, 5) if kind in ("overlap", "strided") else (1, 5)
    return random_input(rng, f=f, stride=stride, channels=channels), f, stride


def expect_pooled(got, A, f, stride, mode, *, what, want=None, atol=1e-6):
    """Compare with the reference; name the known mistakes when ``got`` matches one of them."""
    A = np.asarray(A, dtype=float)
    want = pool(A, f, stride, mode) if want is None else want
    m, h, w, c = A.shape
    rows, cols = want.shape[1:3]
    mix = np.max if mode == "max" else np.mean
    mistakes = {
        "pool_stride_ignored": pool(A, f, 1, mode)[:, :rows, :cols],
        "pool_across_channels": np.broadcast_to(mix(pool(A, f, stride, mode), axis=-1, keepdims=True), want.shape),
        "pool_modes_swapped": pool(A, f, stride, OTHER_MODE[mode]),
    }
    shapes = {
        "pool_size_without_stride": (m, h - f + 1, w - f + 1, c),
        "pool_size_rounded_up": (m, -(-(h - f) // stride) + 1, -(-(w - f) // stride) + 1, c),
        "pool_blocks_only": (m, h // f, w // f, c),
        "pool_across_channels": (m, rows, cols),
    }
    expect_array(got, want, what=what, mistakes=mistakes, shape_mistakes=shapes, atol=atol, rtol=atol)


def raised_name(error: LearnerRaised) -> str | None:
    found = re.match(r"Your `\w+` raised (\w+):", error.text.en)
    return found.group(1) if found else None


def expect_value_error(learner, A, f, stride, mode, *, what, key):
    """The call must raise ValueError; a returned value fails with ``key``, another exception is named."""
    try:
        got = learner.call("pool_forward", A, f, stride, mode=mode)
    except LearnerRaised as error:
        name = raised_name(error)
        if name is None:
            raise
        if name != "ValueError":
            fail("pool_wrong_error", what=what, got=name)
        return
    fail(key, what=what, got=shape_of(got))


def shape_of(value) -> str:
    """The shape of what came back instead of an exception, in words that read in both languages."""
    try:
        return str(np.shape(value))
    except ValueError:   # a ragged list
        return "?"


def describe(A, f, stride, mode):
    return f"pool_forward(A_prev {A.shape}, f={f}, stride={stride}, mode={mode!r})"


@pytest.mark.points(2)
@pytest.mark.target("pool_forward")
def test_pool_forward_random_max(learner, rng):
    for kind in ("overlap", "strided", "any"):
        A, f, stride = random_case(rng, kind)
        got = learner.call("pool_forward", A, f, stride, mode="max")
        expect_pooled(got, A, f, stride, "max", what=describe(A, f, stride, "max"))


@pytest.mark.points(2)
@pytest.mark.target("pool_forward")
def test_pool_forward_random_average(learner, rng):
    for kind, mode in (("overlap", "average"), ("strided", "average"), ("any", "mean")):
        A, f, stride = random_case(rng, kind)
        got = learner.call("pool_forward", A, f, stride, mode=mode)
        expect_pooled(got, A, f, stride, mode, what=describe(A, f, stride, mode))


@pytest.mark.points(2)
@pytest.mark.target("pool_forward")
def test_pool_forward_matches_keras(learner, rng):
    import keras  # only this check pays for importing Keras (and TensorFlow)

    layers = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}
    for kind, mode in (("overlap", "max"), ("strided", "average"), ("overlap", "average"), ("strided", "max")):
        A, f, stride = random_case(rng, kind)
        A = A.astype(np.float32)
        layer = layers[mode](pool_size=f, strides=stride, padding="valid")
        want = keras.ops.convert_to_numpy(layer(A)).astype(float)
        got = learner.call("pool_forward", A, f, stride, mode=mode)
        expect_pooled(got, A, f, stride, mode, want=want, atol=1e-5,
                      what=f"{describe(A, f, stride, mode)} vs Keras {layers[mode].__name__}")


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_identity_window(learner, rng):
    A = random_input(rng, f=1, stride=1, integers=True)   # integers: the output must still be floats
    for mode in ("max", "average"):
        what = describe(A, 1, 1, mode)
        got = learner.call("pool_forward", A, 1, 1, mode=mode)
        expect_pooled(got, A, 1, 1, mode, what=what)
        if isinstance(got, np.ndarray) and got.dtype.kind != "f":
            fail("pool_not_float", what=what, dtype=str(got.dtype))


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_max_at_least_mean(learner, rng):
    A, f, stride = random_case(rng, "window")
    highest = as_numeric_array(learner.call("pool_forward", A, f, stride, mode="max"),
                               what=describe(A, f, stride, "max"))
    average = as_numeric_array(learner.call("pool_forward", A, f, stride, mode="average"),
                               what=describe(A, f, stride, "average"))
    if highest.shape != average.shape:
        fail("wrong_shape", what=describe(A, f, stride, "max"), expected=average.shape, got=highest.shape)
    below = highest < average - 1e-9
    if below.any():
        index = tuple(int(i) for i in np.argwhere(below)[0])
        fail("pool_max_below_mean", index=index, expected=f"{average[index]:.6g}", got=f"{highest[index]:.6g}")


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_rejects_unknown_modes(learner, rng):
    A, f, stride = random_case(rng, "any")
    for mode in rng.permutation(BAD_MODES)[:2]:
        expect_value_error(learner, A, f, stride, str(mode), what=describe(A, f, stride, str(mode)),
                           key="pool_bad_mode_accepted")


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_window_larger_than_input(learner, rng):
    A = random_input(rng, f=2, stride=1)
    h, w = A.shape[1:3]
    # A window one row taller than the input gives 0 rows; three rows taller gives a negative count.
    for f, stride in ((h + 1, 1), (h + 3, 1), (max(h, w) + int(rng.integers(1, 3)), 2)):
        mode = str(rng.choice(["max", "average"]))
        expect_value_error(learner, A, f, stride, mode, what=describe(A, f, stride, mode), key="pool_empty_output")


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_rejects_zero_f_or_stride(learner, rng):
    A = random_input(rng, f=2, stride=2)
    for f, stride in ((2, 0), (0, 2), (2, -1)):
        expect_value_error(learner, A, f, stride, "average", what=describe(A, f, stride, "average"),
                           key="pool_bad_size_accepted")


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_keeps_random_input(learner, rng):
    A, f, stride = random_case(rng, "overlap")
    for mode in ("max", "average"):
        call = learner.run("pool_forward", A, f, stride, mode=mode)
        expect_unchanged(A, call.args_after[0], function="pool_forward", arg="A_prev")
