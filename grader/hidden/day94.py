"""Hidden checks for day94: the discriminating cases of every run, then fresh random sizes, shapes, dtypes, paddings
and strides, judged by one diagnosis per function (``diagnosis_day94.py``: output-size formulas, ``np.pad`` and a
sliding-window einsum as references). Keras's own ``Conv2D`` is a second reference for the sizes and the
convolution. The public checks hold literal tables generated from the same diagnoses, so a mistake gets the same
name in both.
"""
import functools

import numpy as np
import pytest

from grader.answers import remembered
from grader.diagnosis import expect_entries, load

DAY = load("day94")
CONV_SIZE, KERAS_SIZE = DAY.DIAGNOSES["conv_output_size"], DAY.DIAGNOSES["keras_output_size"]
ZERO_PAD, CONV = DAY.DIAGNOSES["zero_pad"], DAY.DIAGNOSES["conv_forward"]


def judge(learner, function, entries):
    expect_entries(learner, function, entries, arg_names=DAY.ARG_NAMES[function])


@functools.cache
def _table(function):
    entries = DAY.DIAGNOSES[function].table()
    for entry in entries:   # shared by every grading of this process: read-only, so a stray write fails loudly
        values = [*entry["args"], entry.get("want"), *(value for _, value in entry.get("variants", ()))]
        for value in values:
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
    return entries


def table(diagnosis):
    """``diagnosis.table()``, computed once per process (it holds no random input). Each entry is a new dict with
    its own ``args`` and ``kwargs`` (what a check may replace); its arrays are shared and read-only."""
    return [{**entry, "args": list(entry["args"]), "kwargs": dict(entry["kwargs"])}
            for entry in _table(diagnosis.function)]


@functools.lru_cache(maxsize=256)
def keras_conv(filters, f, stride, padding, channels=None):
    """A Keras ``Conv2D`` reference layer, built once per process and configuration (built for ``channels``
    input channels when given); its weights are set by the check that uses it."""
    import keras  # the grader pays for loading Keras only in the checks that compare with it

    layer = keras.layers.Conv2D(filters, f, strides=stride, padding=padding, use_bias=True)
    if channels is not None:
        layer.build((None, None, None, channels))
    return layer


# ---------------------------------------------------------------- output sizes

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


@pytest.mark.points(2)
@pytest.mark.target("conv_output_size")
def test_conv_output_size_random(learner, rng):
    entries = table(CONV_SIZE) + [CONV_SIZE.entry(n, f, pad=pad, stride=stride)
                                   for n, f, pad, stride in random_conv_sizes(rng, 12)]
    judge(learner, "conv_output_size", entries)


@pytest.mark.points(1)
@pytest.mark.target("keras_output_size")
def test_keras_output_size_random(learner, rng):
    entries = [e for e in table(KERAS_SIZE) if "raises" not in e]
    for n, f, stride, _ in random_keras_sizes(rng, 5):
        entries += [KERAS_SIZE.entry(n, f, stride=stride, padding=padding) for padding in ("valid", "same")]
    judge(learner, "keras_output_size", entries)


@pytest.mark.points(1)
@pytest.mark.target("keras_output_size")
def test_keras_output_size_matches_keras(learner, rng):
    cases = []
    for n, f, stride, padding in random_keras_sizes(rng, 4):
        cases.append((n, n + int(rng.integers(1, 6)), f, stride, padding))   # H != W: Keras gives both at once
    entries = [KERAS_SIZE.entry(size, f, stride=stride, padding=padding)
               for h, w, f, stride, padding in cases for size in (h, w)]
    for entry in entries:   # before loading Keras: a stub stops here
        remembered(learner).call("keras_output_size", *entry["args"], **entry["kwargs"])

    for (h, w, f, stride, padding), pair in zip(cases, zip(entries[::2], entries[1::2])):
        _, out_h, out_w, _ = keras_conv(1, f, stride, padding).compute_output_shape((1, h, w, 1))
        pair[0]["want"], pair[1]["want"] = int(out_h), int(out_w)
    judge(learner, "keras_output_size", entries)


# ---------------------------------------------------------------- zero padding

DTYPES = ("float32", "float64", "int64")


def random_batch(rng, dtype):
    m, h, c = int(rng.integers(1, 4)), int(rng.integers(2, 7)), int(rng.integers(1, 4))
    w = h + int(rng.integers(1, 4)) * int(rng.choice([-1, 1]))   # never equal to h
    w = w if w >= 1 else h + 1
    if dtype == "int64":
        return rng.integers(-9, 10, size=(m, h, w, c)).astype(np.int64)
    return rng.normal(size=(m, h, w, c)).round(3).astype(dtype)


@pytest.mark.points(2)
@pytest.mark.target("zero_pad")
def test_zero_pad_random(learner, rng):
    entries = table(ZERO_PAD)
    entries += [ZERO_PAD.entry(random_batch(rng, str(dtype)), int(rng.integers(1, 4))) for dtype in rng.permutation(DTYPES)]
    judge(learner, "zero_pad", entries)


# ---------------------------------------------------------------- convolution forward

def random_conv(rng, *, stride=None, pad=None, dtype="float64"):
    """(A, W, b, stride, pad): a batch with H != W, filters and biases; stride 1-3 and pad 0-3 unless given."""
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


def conv_entry(A, W, b, stride, pad):
    return CONV.entry(A, W, b, stride=stride, pad=pad)


@pytest.mark.points(2)
@pytest.mark.target("conv_forward")
def test_conv_forward_random(learner, rng):
    judge(learner, "conv_forward", table(CONV) + [conv_entry(*random_conv(rng)) for _ in range(3)])


@pytest.mark.points(2)
@pytest.mark.target("conv_forward")
def test_conv_forward_matches_keras(learner, rng):
    cases = [random_conv(rng, dtype="float32") for _ in range(2)]
    entries = [conv_entry(*case) for case in cases]
    for entry in entries:   # before loading Keras: a stub stops here
        remembered(learner).call("conv_forward", *entry["args"], **entry["kwargs"])

    import keras  # the grader pays for loading Keras only in the checks that compare with it

    for entry, (A, W, b, stride, pad) in zip(entries, cases):
        layer = keras_conv(W.shape[-1], W.shape[0], stride, "valid", W.shape[2])
        padded = np.pad(A, ((0, 0), (pad, pad), (pad, pad), (0, 0)))   # Keras gets the zero padding explicitly
        layer.set_weights([W, b])
        entry["want"], entry["atol"] = keras.ops.convert_to_numpy(layer(padded)).astype(float), 1e-4
    judge(learner, "conv_forward", entries)


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_uses_stride(learner, rng):
    """No padding, stride 2 or 3, an input wide enough that the stride changes the size."""
    A, W, b, stride, pad = random_conv(rng, stride=int(rng.integers(2, 4)), pad=0)
    f = W.shape[0]
    A = rng.normal(size=(A.shape[0], f + 4, f + 6, A.shape[3])).round(2)
    judge(learner, "conv_forward", table(CONV) + [conv_entry(A, W, b, stride, pad)])


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_uses_pad(learner, rng):
    """Stride 1, pad 3: fixed paddings of 0 or 1, and a padding counted once, each give another size."""
    judge(learner, "conv_forward", table(CONV) + [conv_entry(*random_conv(rng, stride=1, pad=3))])


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_bias_shapes(learner, rng):
    """One random case with its bias given as a number, as (K,) and as (1, 1, 1, K)."""
    A, W, b, stride, pad = random_conv(rng)
    shared = round(float(rng.uniform(0.5, 2.0)), 2) * int(rng.choice([-1, 1]))
    entries = table(CONV) + [conv_entry(A, W, bias, stride, pad) for bias in (shared, b, b.reshape(1, 1, 1, -1))]
    judge(learner, "conv_forward", entries)


@pytest.mark.points(1)
@pytest.mark.target("conv_forward")
def test_conv_forward_keeps_inputs(learner, rng):
    """A_prev, W and b left as they were, and the output computed from them right (an unchanged input alone
    earns nothing)."""
    A, W, b, stride, pad = random_conv(rng, pad=int(rng.integers(1, 4)))
    judge(learner, "conv_forward", [conv_entry(A, W, b.reshape(1, 1, 1, -1), stride, pad)])
