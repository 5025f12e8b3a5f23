"""Hidden checks for day95: the discriminating cases of every run, then fresh random inputs, judged by one diagnosis
(``diagnosis_day95.py``: NumPy's ``sliding_window_view`` as the reference, the known mistakes, the promised errors).
Keras's own ``MaxPooling2D`` / ``AveragePooling2D`` are a second reference. The public checks hold literal tables
generated from the same diagnosis, so a mistake gets the same name in both.
"""
import numpy as np
import pytest

from grader.checks import as_numeric_array, fail
from grader.diagnosis import ErrorCase, error_entry, expect_entries, load

POOL = load("day95").DIAGNOSES["pool_forward"]
BAD_MODES = ("min", "sum", "median", "l2")


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


def judge(learner, entries):
    expect_entries(learner, "pool_forward", entries, arg_names=("A_prev",))


def fixed(modes):
    return [e for e in POOL.table() if "raises" not in e and e["kwargs"].get("mode", "max") in modes]


def describe(A, f, stride, mode):
    return f"pool_forward(A_prev {A.shape}, f={f}, stride={stride}, mode={mode!r})"


@pytest.mark.points(2)
@pytest.mark.target("pool_forward")
def test_pool_forward_random_max(learner, rng):
    entries = fixed(("max",))
    for kind in ("overlap", "strided", "any"):
        A, f, stride = random_case(rng, kind)
        entries.append(POOL.entry(A, f, stride, mode="max"))
    judge(learner, entries)


@pytest.mark.points(2)
@pytest.mark.target("pool_forward")
def test_pool_forward_random_average(learner, rng):
    entries = fixed(("average", "mean"))
    for kind, mode in (("overlap", "average"), ("strided", "average"), ("any", "mean")):
        A, f, stride = random_case(rng, kind)
        entries.append(POOL.entry(A, f, stride, mode=mode))
    judge(learner, entries)


@pytest.mark.points(2)
@pytest.mark.target("pool_forward")
def test_pool_forward_matches_keras(learner, rng):
    import keras  # only this check pays for importing Keras (and TensorFlow)

    layers = {"max": keras.layers.MaxPooling2D, "average": keras.layers.AveragePooling2D}
    entries = []
    for kind, mode in (("overlap", "max"), ("strided", "average"), ("overlap", "average"), ("strided", "max")):
        A, f, stride = random_case(rng, kind)
        A = A.astype(np.float32)
        entry = POOL.entry(A, f, stride, mode=mode)
        layer = layers[mode](pool_size=f, strides=stride, padding="valid")
        entry["want"], entry["atol"] = keras.ops.convert_to_numpy(layer(A)).astype(float), 1e-5
        entries.append(entry)
    judge(learner, entries)


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_identity_window(learner, rng):
    A = random_input(rng, f=1, stride=1, integers=True)   # integers: the output must still be floats
    judge(learner, [POOL.entry(A, 1, 1, mode=mode) for mode in ("max", "average")])


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_max_at_least_mean(learner, rng):
    A, f, stride = random_case(rng, "window")
    # A wrong max or mean is named by the diagnosis first, so that one mistake gets one explanation.
    judge(learner, [POOL.entry(A, f, stride, mode="max"), POOL.entry(A, f, stride, mode="average")])
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


def must_raise(learner, cases, key, valid):
    """Each case raises ValueError, and the ``valid`` call (A, f, stride, mode) still pools right: a function that
    always raises earns nothing."""
    A, f, stride, mode = valid
    judge(learner, [error_entry(ErrorCase((A, f, stride), {"mode": mode}, "ValueError", key, "pool_wrong_error"))
                    for A, f, stride, mode in cases] + [POOL.entry(A, f, stride, mode=mode)])


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_rejects_unknown_modes(learner, rng):
    A, f, stride = random_case(rng, "any")
    must_raise(learner, [(A, f, stride, str(mode)) for mode in rng.permutation(BAD_MODES)[:2]],
               "pool_bad_mode_accepted", (A, f, stride, "max"))


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_window_larger_than_input(learner, rng):
    A = random_input(rng, f=2, stride=1)
    h, w = A.shape[1:3]
    # A window one row taller than the input gives 0 rows; three rows taller gives a negative count.
    cases = [(A, f, stride, str(rng.choice(["max", "average"])))
             for f, stride in ((h + 1, 1), (h + 3, 1), (max(h, w) + int(rng.integers(1, 3)), 2))]
    must_raise(learner, cases, "pool_empty_output", (A, 2, 1, "average"))


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_rejects_zero_f_or_stride(learner, rng):
    A = random_input(rng, f=2, stride=2)
    must_raise(learner, [(A, f, stride, "average") for f, stride in ((2, 0), (0, 2), (2, -1))],
               "pool_bad_size_accepted", (A, 2, 2, "average"))


@pytest.mark.points(1)
@pytest.mark.target("pool_forward")
def test_pool_forward_keeps_random_input(learner, rng):
    """A_prev left as it was, and the pooled output right, in both modes (an unchanged input alone earns
    nothing)."""
    A, f, stride = random_case(rng, "overlap")
    judge(learner, [POOL.entry(A, f, stride, mode=mode) for mode in ("max", "average")])
