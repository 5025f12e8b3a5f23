"""Hidden checks for day96: fresh random layer sizes every run, compared against Keras's own layers.

The references are Keras itself: each parameter count is ``count_params()`` of a layer built on a
``keras.Input`` of the right shape (its weights zeros: the count is the same, and filling 12 million weights with
random numbers took 0.24 s), each output shape is a real ``Conv2D``'s ``compute_output_shape``. The learner's model
is looked at only through Keras's public API (``model.layers``, ``type(layer).__name__``, ``get_config()``,
``layer.output.shape``, ``count_params()``). Each known wrong variant is computed beside the reference so the
message can name the mistake.
"""
import pytest

from grader.architecture import expect_model
from grader.diagnosis import ErrorCase, error_entry, expect_entries, load

DAY = load("day96")
CONV_PARAMS, DENSE_PARAMS = DAY.DIAGNOSES["conv_params"], DAY.DIAGNOSES["dense_params"]
SEPARABLE, OUTPUT_SHAPE = DAY.DIAGNOSES["separable_conv_params"], DAY.DIAGNOSES["conv_output_shape"]

# ---------------------------------------------------------------- references and helpers

ZEROS = "zeros"   # the reference layers' initial weights: only counted, never used

def keras_count(layer, input_shape: tuple) -> int:
    """Keras's own parameter count of ``layer`` built on an input of ``input_shape`` (no batch axis)."""
    import keras

    layer(keras.Input(input_shape))
    return int(layer.count_params())


def keras_conv_shape(h, w, f, filters, stride, padding) -> tuple:
    import keras

    out = keras.layers.Conv2D(filters, f, strides=stride, padding=padding).compute_output_shape((None, h, w, 1))
    return tuple(int(v) for v in out[1:])


# ---------------------------------------------------------------- parameter counts

def keras_entry(diagnosis, args, layer, input_shape):
    """The diagnosis's entry for ``args``, its wanted value replaced by Keras's own count (a second reference)."""
    entry = diagnosis.entry(*args)
    entry["want"] = keras_count(layer, input_shape)
    return entry


@pytest.mark.points(2)
@pytest.mark.target("conv_params")
def test_conv_params_random_vs_keras(learner, rng):
    import keras

    entries = CONV_PARAMS.table()
    for c_in in (1, 2, 4, 5):
        c_in = c_in if c_in == 1 else int(rng.integers(4, 513))  # 1: a grey image; never 3, so assuming RGB shows
        f, filters = int(rng.integers(1, 8)), int(rng.integers(1, 513))
        layer = keras.layers.Conv2D(filters, f, kernel_initializer=ZEROS)
        entries.append(keras_entry(CONV_PARAMS, (f, c_in, filters), layer, (f, f, c_in)))
    expect_entries(learner, "conv_params", entries)


@pytest.mark.points(1)
@pytest.mark.target("dense_params")
def test_dense_params_random_vs_keras(learner, rng):
    import keras

    entries = DENSE_PARAMS.table()
    for _ in range(3):
        n_in, n_out = int(rng.integers(1, 4097)), int(rng.integers(1, 1025))
        entries.append(keras_entry(DENSE_PARAMS, (n_in, n_out), keras.layers.Dense(n_out, kernel_initializer=ZEROS),
                                   (n_in,)))
    expect_entries(learner, "dense_params", entries)


@pytest.mark.points(1)
@pytest.mark.target("separable_conv_params")
def test_separable_conv_params_random_vs_keras(learner, rng):
    import keras

    entries = SEPARABLE.table()
    for _ in range(3):
        f, c_in, filters = int(rng.integers(1, 8)), int(rng.integers(4, 513)), int(rng.integers(1, 513))
        layer = keras.layers.SeparableConv2D(filters, f, depthwise_initializer=ZEROS, pointwise_initializer=ZEROS)
        entries.append(keras_entry(SEPARABLE, (f, c_in, filters), layer, (f, f, c_in)))
    expect_entries(learner, "separable_conv_params", entries)


# ---------------------------------------------------------------- output shapes

def random_conv_case(rng, padding: str, strides: tuple, f_low: int | None) -> tuple:
    """(h, w, f, filters, stride) with h != w far enough apart that a height/width swap shows.

    ``f_low=None`` draws f > 2 * stride, so that "same", "valid" and a rounded-down "same" all differ.
    """
    stride = int(rng.choice(strides))
    f = int(rng.integers(2 * stride + 1 if f_low is None else f_low, 8))
    h = int(rng.integers(f + 2 * stride, f + 30))
    if padding == "same" and stride > 1 and h % stride == 0:
        h += 1  # so that ceil(h / stride) and floor(h / stride) differ
    d = int(rng.integers(stride, stride + 8))
    w = h - d if h - d >= f + stride else h + d
    return h, w, f, int(rng.integers(1, 513)), stride


@pytest.mark.points(2)
@pytest.mark.target("conv_output_shape")
def test_conv_output_shape_random_vs_keras(learner, rng):
    entries = [e for e in OUTPUT_SHAPE.table() if "raises" not in e]
    for padding, strides, f_low in (("valid", (1,), 2), ("valid", (2, 3), 2), ("same", (2, 3), None),
                                    ("same", (1, 2, 3), 1)):
        h, w, f, filters, stride = random_conv_case(rng, padding, strides, f_low)
        entry = OUTPUT_SHAPE.entry(h, w, f, filters, stride=stride, padding=padding)
        entry["want"] = keras_conv_shape(h, w, f, filters, stride, padding)
        entries.append(entry)
    expect_entries(learner, "conv_output_shape", entries)


@pytest.mark.points(1)
@pytest.mark.target("conv_output_shape")
def test_conv_output_shape_rejects_unknown_padding(learner, rng):
    padding = str(rng.choice(["full", "causal", "reflect", "circular"]))
    h, w, f, filters, stride = random_conv_case(rng, "valid", (1, 2), 2)
    case = ErrorCase((h, w, f, filters), {"stride": stride, "padding": padding}, "ValueError",
                     "outshape_padding_not_rejected", "outshape_padding_not_rejected")
    valid = OUTPUT_SHAPE.entry(h, w, f, filters, stride=stride, padding="valid")   # always raising earns nothing
    valid["want"] = keras_conv_shape(h, w, f, filters, stride, "valid")
    expect_entries(learner, "conv_output_shape", [error_entry(case)] + [
        e for e in OUTPUT_SHAPE.table() if "raises" in e] + [valid])


# ---------------------------------------------------------------- the slides' model

@pytest.mark.points(1)
@pytest.mark.target("build_model")
def test_build_model_input_shape(learner):
    # The input first (names channels-first and RGB inputs), then the rest: a right input alone earns nothing.
    expect_model(learner, DAY.SLIDES, upto="count")


@pytest.mark.points(2)
@pytest.mark.target("build_model")
def test_build_model_layers_and_config(learner):
    expect_model(learner, DAY.SLIDES, upto="config")


@pytest.mark.points(2)
@pytest.mark.target("build_model")
def test_build_model_output_shapes(learner):
    expect_model(learner, DAY.SLIDES, upto="shapes")


@pytest.mark.points(1)
@pytest.mark.target("build_model")
def test_build_model_layer_params(learner):
    expect_model(learner, DAY.SLIDES, upto="count")


@pytest.mark.points(2)
@pytest.mark.target("build_model")
def test_build_model_without_pooling(learner):
    expect_model(learner, DAY.NO_POOLING, upto="count")
