"""Hidden checks for day94: fresh random sizes, shapes, dtypes, paddings and strides every run.

References are independent of any learner-style loop: the output-size formulas and Keras's own ``Conv2D``
(its ``compute_output_shape`` and, with the same weights, its output) for the sizes; ``np.pad`` with an einsum over
a sliding-window view, and again Keras's ``Conv2D``, for the convolution. Each known wrong variant is computed
too, so the message can name the mistake; a size mistake is named only when it explains every answer.
"""
import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from grader.checks import expect_array, expect_unchanged, fail

# ---------------------------------------------------------------- output sizes


def conv_size(n, f, pad, stride):
    return (n + 2 * pad - f) // stride + 1


CONV_SIZE_MISTAKES = {
    "pad_counted_once": lambda n, f, pad, stride: (n + pad - f) // stride + 1,
    "pad_doubled": lambda n, f, pad, stride: (n + 4 * pad - f) // stride + 1,
    "size_ceil": lambda n, f, pad, stride: math.ceil((n + 2 * pad - f) / stride) + 1,
    "size_missing_plus_one": lambda n, f, pad, stride: (n + 2 * pad - f) // stride,
}


def keras_size(n, f, stride, padding):
    return (n - f) // stride + 1 if padding == "valid" else math.ceil(n / stride)


KERAS_SIZE_MISTAKES = {
    "paddings_swapped": lambda n, f, stride, padding: keras_size(n, f, stride, "same" if padding == "valid"
                                                                 else "valid"),
    "same_floor": lambda n, f, stride, padding: keras_size(n, f, stride, padding) if padding == "valid"
    else n // stride,
    "same_ignores_stride": lambda n, f, stride, padding: keras_size(n, f, stride, padding) if padding == "valid"
    else n,
    "size_ceil": lambda n, f, stride, padding: math.ceil((n - f) / stride) + 1 if padding == "valid"
    else keras_size(n, f, stride, padding),
    "size_missing_plus_one": lambda n, f, stride, padding: (n - f) // stride if padding == "valid"
    else keras_size(n, f, stride, padding),
}

# The discriminating cases (n, f, pad, stride): counting the padding once, rounding up, a missing + 1.
DISCRIMINATING = [(5, 3, 1, 2), (9, 2, 0, 2), (224, 7, 3, 2)]


def expect_sizes(answers, wants, *, what, mistakes):
    """Every answer an int equal to its wanted size; when some are wrong, name the mistake that explains them all."""
    for case, got in answers:
        if isinstance(got, (float, np.floating)):
            fail("float_output_size", what=what(case), expected=wants[case], got=repr(float(got)))
        if not isinstance(got, (int, np.integer)) or isinstance(got, (bool, np.bool_)):
            fail("wrong_type", what=what(case), expected="a Python int", got=f"a {type(got).__name__}")
    wrong = [(case, got) for case, got in answers if got != wants[case]]
    if not wrong:
        return
    key = next((key for key, variant in mistakes.items()
                if all(got == variant(*case) for case, got in answers)), "wrong_value")
    case, got = wrong[0]
    fail(key, what=what(case), expected=wants[case], got=got)


def random_conv_sizes(rng, count):
    cases = []
    for _ in range(count):
        pad, stride, f = int(rng.integers(0, 6)), int(rng.integers(1, 5)), int(rng.integers(1, 12))
        n = int(rng.integers(max(1, f - 2 * pad), 300))
        cases.append((n, f, pad, stride))
    return cases


def random_keras_sizes(rng, count):
    cases = []
    for _ in range(count):
        f, stride = int(rng.integers(1, 8)), int(rng.integers(1, 5))
        cases.append((int(rng.integers(f, 80)), f, stride, str(rng.choice(["valid", "same"]))))
    return cases


def call_conv_size(learner, case):
    n, f, pad, stride = case
    return learner.call("conv_output_size", n, f, pad=pad, stride=stride)


def call_keras_size(learner, case):
    n, f, stride, padding = case
    return learner.call("keras_output_size", n, f, stride=stride, padding=padding)


def conv_size_what(case):
    return "conv_output_size({}, {}, pad={}, stride={})".format(*case)


def keras_size_what(case):
    return 'keras_output_size({}, {}, stride={}, padding="{}")'.format(*case)


@pytest.mark.points(2)
@pytest.mark.target("conv_output_size")
def test_conv_output_size_random(learner, rng):
    cases = DISCRIMINATING + random_conv_sizes(rng, 12)
    answers = [(case, call_conv_size(learner, case)) for case in cases]
    expect_sizes(answers, {case: conv_size(*case) for case in cases}, what=conv_size_what,
                 mistakes=CONV_SIZE_MISTAKES)


@pytest.mark.points(1)
@pytest.mark.target("keras_output_size")
def test_keras_output_size_random(learner, rng):
    sizes = [(5, 3, 2), (9, 2, 2)] + [(n, f, s) for n, f, s, _ in random_keras_sizes(rng, 5)]   # n % s != 0 first
    cases = [(n, f, s, padding) for n, f, s in sizes for padding in ("valid", "same")]
    answers = [(case, call_keras_size(learner, case)) for case in cases]
    expect_sizes(answers, {case: keras_size(*case) for case in cases}, what=keras_size_what,
                 mistakes=KERAS_SIZE_MISTAKES)


@pytest.mark.points(1)
@pytest.mark.target("keras_output_size")
def test_keras_output_size_matches_keras(learner, rng):
    cases = []
    for n, f, stride, padding in random_keras_sizes(rng, 4):
        width = n + int(rng.integers(1, 6))   # H != W: Keras gives both sizes at once
        cases += [(n, f, stride, padding), (width, f, stride, padding)]
    answers = [(case, call_keras_size(learner, case)) for case in cases]   # before loading Keras: a stub stops here

    import keras  # the grader pays for loading Keras only in the checks that compare with it

    wants = {}
    for (n, f, stride, padding), (width, _, _, _) in zip(cases[::2], cases[1::2]):
        layer = keras.layers.Conv2D(1, f, strides=stride, padding=padding)
        _, out_h, out_w, _ = layer.compute_output_shape((1, n, width, 1))
        wants[(n, f, stride, padding)], wants[(width, f, stride, padding)] = int(out_h), int(out_w)
    expect_sizes(answers, wants, what=keras_size_what, mistakes=KERAS_SIZE_MISTAKES)


# ---------------------------------------------------------------- zero padding

DTYPES = ("float32", "float64", "int64")


def random_batch(rng, dtype):
    m, h, c = int(rng.integers(1, 4)), int(rng.integers(2, 7)), int(rng.integers(1, 4))
    w = h + int(rng.integers(1, 4)) * int(rng.choice([-1, 1]))   # never equal to h
    w = w if w >= 1 else h + 1
    if dtype == "int64":
        return rng.integers(-9, 10, size=(m, h, w, c)).astype(np.int64)
    return rng.normal(size=(m, h, w, c)).round(3).astype(dtype)


def padded_shape_mistakes(shape, pad):
    m, h, w, c = shape
    return [("pad_wrong_axes", (m + 2 * pad, h + 2 * pad, w + 2 * pad, c + 2 * pad)),   # np.pad(X, pad)
            ("pad_wrong_axes", (m + 2 * pad, h + 2 * pad, w, c)),                       # the first two axes
            ("pad_wrong_axes", (m + 2 * pad, h + 2 * pad, w + 2 * pad, c)),             # batch axis too
            ("pad_wrong_axes", (m, h + 2 * pad, w + 2 * pad, c + 2 * pad)),             # channel axis too
            ("pad_counted_once", (m, h + pad, w + pad, c)),                             # one side only
            ("pad_doubled", (m, h + 4 * pad, w + 4 * pad, c))]


def expect_shape(got, want_shape, *, what, mistakes):
    """An ndarray of ``want_shape``; a wrong shape is named by the first entry of ``mistakes`` it matches."""
    if not isinstance(got, np.ndarray):
        fail("wrong_type", what=what, expected="a NumPy array", got=f"a {type(got).__name__}")
    if got.shape != tuple(want_shape):
        key = next((key for key, shape in mistakes if tuple(shape) == got.shape), "wrong_shape")
        fail(key, what=what, expected=tuple(want_shape), got=got.shape)


@pytest.mark.points(2)
@pytest.mark.target("zero_pad")
def test_zero_pad_random(learner, rng):
    for dtype in rng.permutation(DTYPES):
        X, pad = random_batch(rng, str(dtype)), int(rng.integers(1, 4))
        want = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        what = f"zero_pad(X of shape {X.shape} and dtype {X.dtype}, pad={pad})"
        call = learner.run("zero_pad", X, pad)
        expect_shape(call.value, want.shape, what=what, mistakes=padded_shape_mistakes(X.shape, pad))
        if call.value.dtype != X.dtype:
            fail("pad_dtype_changed", what=what, expected=str(X.dtype), got=str(call.value.dtype))
        expect_array(call.value, want, what=what, mistakes={
            "pad_not_zeros": np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")})
        expect_unchanged(X, call.args_after[0], function="zero_pad", arg="X")


# ---------------------------------------------------------------- convolution forward


def correlate(A, W, b, stride, pad):
    """Reference: pad H and W, take every f x f window with a sliding-window view, contract with W, add b."""
    padded = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    f = W.shape[0]
    windows = sliding_window_view(padded, (f, f), axis=(1, 2))[:, ::stride, ::stride]   # (m, H', W', C, f, f)
    return np.einsum("mhwcuv,uvck->mhwk", windows, W) + np.reshape(b, -1)


def random_conv(rng, *, stride=None, pad=None, dtype="float64"):
    """A batch with H != W, filters and biases; stride 1-3 and pad 0-3 unless given."""
    m, c, k, f = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 5)),
                  int(rng.integers(1, 5)))
    stride = int(rng.integers(1, 4)) if stride is None else stride
    pad = int(rng.integers(0, 4)) if pad is None else pad
    low = max(1, f - 2 * pad)                                   # the padded input must hold one filter
    h = int(rng.integers(low, low + 7))
    w = h + int(rng.integers(1, 4)) * int(rng.choice([-1, 1]))
    w = w if w >= low else h + 2
    A = rng.normal(size=(m, h, w, c)).round(2).astype(dtype)
    W = rng.normal(size=(f, f, c, k)).round(2).astype(dtype)
    b = (rng.uniform(0.5, 2.0, size=k).round(2) * rng.choice([-1, 1], size=k)).astype(dtype)   # never 0
    return A, W, b, stride, pad


def conv_mistakes(A, W, b, stride, pad):
    """(values a named mistake gives, [(key, shape)] a named mistake gives), for one case."""
    want = correlate(A, W, b, stride, pad)
    (m, h, w, _), (f, _, _, k) = A.shape, W.shape
    values = {"flipped_kernel": correlate(A, W[::-1, ::-1], b, stride, pad), "bias_missing": want - np.reshape(b, -1)}
    if stride > 1:
        values["stride_ignored"] = correlate(A, W, b, 1, pad)[:, :want.shape[1], :want.shape[2]]
    shapes = [("stride_hard_coded", (m, conv_size(h, f, pad, 1), conv_size(w, f, pad, 1), k)),
              ("pad_hard_coded", (m, conv_size(h, f, 0, stride), conv_size(w, f, 0, stride), k)),
              ("pad_hard_coded", (m, conv_size(h, f, 1, stride), conv_size(w, f, 1, stride), k)),
              ("pad_counted_once", (m, (h + pad - f) // stride + 1, (w + pad - f) // stride + 1, k))]
    # A shape that two different mistakes give names neither; the correct shape names nothing.
    unique = [(key, s) for key, s in shapes if s != want.shape and all(s != t or key == other for other, t in shapes)]
    return values, unique


def conv_what(A, W, b, stride, pad):
    bias = f"b={b:g}" if np.ndim(b) == 0 else f"b {np.shape(b)}"
    return f"conv_forward(A_prev {A.shape}, W {W.shape}, {bias}, stride={stride}, pad={pad})"


def call_conv(learner, A, W, b, stride, pad):
    return learner.call("conv_forward", A, W, b, stride=stride, pad=pad)


def expect_conv(got, A, W, b, stride, pad, *, want=None, atol=1e-6):
    """Compare conv_forward's whole output for one case; name a known mistake when one matches."""
    want = correlate(A, W, b, stride, pad) if want is None else want
    values, shapes = conv_mistakes(A, W, b, stride, pad)
    what = conv_what(A, W, b, stride, pad)
    if isinstance(got, np.ndarray) and got.shape != want.shape:
        expect_shape(got, want.shape, what=what, mistakes=shapes)
    expect_array(got, want, what=what, mistakes=values, atol=atol, rtol=atol)


@pytest.mark.points(2)
@pytest.mark.target("conv_forward")
def test_conv_forward_random(learner, rng):
    for _ in range(3):
        case = random_conv(rng)
        expect_conv(call_conv(learner, *case), *case)


@pytest.mark.points(2)
@pytest.mark.target("conv_forward")
def test_conv_forward_matches_keras(learner, rng):
    cases = [random_conv(rng, dtype="float32") for _ in range(2)]
    answers = [call_conv(learner, *case) for case in cases]   # before loading Keras: a stub stops here

    import keras  # the grader pays for loading Keras only in the checks that compare with it

    for got, (A, W, b, stride, pad) in zip(answers, cases):
        layer = keras.layers.Conv2D(W.shape[-1], W.shape[0], strides=stride, padding="valid", use_bias=True)
        padded = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))   # Keras gets the zero padding explicitly
        layer.build(padded.shape)
        layer.set_weights([W, b])
        want = keras.ops.convert_to_numpy(layer(padded)).astype(float)
        expect_conv(got, A, W, b, stride, pad, want=want, atol=1e-4)


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_uses_stride(learner, rng):
    """No padding, stride 2 or 3, an input wide enough that the stride changes the size."""
    A, W, b, stride, pad = random_conv(rng, stride=int(rng.integers(2, 4)), pad=0)
    f = W.shape[0]
    A = rng.normal(size=(A.shape[0], f + 4, f + 6, A.shape[3])).round(2)
    expect_conv(call_conv(learner, A, W, b, stride, pad), A, W, b, stride, pad)


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_uses_pad(learner, rng):
    """Stride 1, pad 3: fixed paddings of 0 or 1, and a padding counted once, each give another size."""
    case = random_conv(rng, stride=1, pad=3)
    expect_conv(call_conv(learner, *case), *case)


# The slides' 5x5 image as a batch (1, 5, 5, 1), its three 3x3 filters as W (3, 3, 1, 3), and their stride-2 maps.
SLIDES_IMAGE = np.array([[1, 1, 1, 0, 1], [0, 0, 1, 0, 1], [1, 0, 1, 0, 1], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]],
                        dtype=float)[np.newaxis, :, :, np.newaxis]
SLIDES_W = np.array([[[1, -1, -1], [-1, 1, -1], [-1, -1, 1]], [[1, 1, 1], [0, 0, 0], [0, 0, 0]],
                     [[1, -1, 1], [1, -1, 1], [1, -1, 1]]], dtype=float).transpose(1, 2, 0)[:, :, np.newaxis, :]
SLIDES_STRIDE_2 = np.moveaxis(np.array([[[-2, -2], [2, -1]], [[3, 2], [2, 2]], [[4, 6], [2, 3]]], dtype=float),
                              0, -1)[np.newaxis]


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_bias_shapes(learner, rng):
    """The slides' stride-2 maps with a bias given as a number, as (K,) and as (1, 1, 1, K)."""
    shared = round(float(rng.uniform(0.5, 2.0)), 2) * int(rng.choice([-1, 1]))
    per_filter = rng.uniform(-2, 2, size=3).round(2)
    for b in (shared, per_filter, per_filter.reshape(1, 1, 1, 3)):
        got = call_conv(learner, SLIDES_IMAGE, SLIDES_W, b, 2, 0)
        expect_conv(got, SLIDES_IMAGE, SLIDES_W, b, 2, 0, want=SLIDES_STRIDE_2 + np.reshape(b, -1))


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_keeps_inputs(learner, rng):
    A, W, b, stride, pad = random_conv(rng, pad=int(rng.integers(1, 4)))
    b = b.reshape(1, 1, 1, -1)
    call = learner.run("conv_forward", A, W, b, stride=stride, pad=pad)
    expect_unchanged(A, call.args_after[0], function="conv_forward", arg="A_prev")
    expect_unchanged(W, call.args_after[1], function="conv_forward", arg="W")
    expect_unchanged(b, call.args_after[2], function="conv_forward", arg="b")
