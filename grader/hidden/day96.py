"""Hidden checks for day96: fresh random layer sizes every run, compared against Keras's own layers.

The references are Keras itself: each parameter count is ``count_params()`` of a layer built on a
``keras.Input`` of the right shape, each output shape is a real ``Conv2D``'s. The learner's model is looked at
only through Keras's public API (``model.layers``, ``type(layer).__name__``, ``get_config()``,
``layer.output.shape``, ``count_params()``). Each known wrong variant is computed beside the reference so the
message can name the mistake.
"""
import numpy as np
import pytest

from grader import messages
from grader.checks import expect_number, fail
from grader.learner import LearnerRaised

CONV = {"kernel_size": (3, 3), "strides": (1, 1), "padding": "valid", "activation": "relu",
        "data_format": "channels_last"}
CONV_32, CONV_25 = {"filters": 32, **CONV}, {"filters": 25, **CONV}
POOL = {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid", "data_format": "channels_last"}
FLATTEN = {"data_format": "channels_last"}
HIDDEN, OUTPUT = {"units": 100, "activation": "relu"}, {"units": 10, "activation": "softmax"}
# The slides' model, layer by layer after the input: (class, key config, output shape, parameters).
SLIDES = (
    ("Conv2D", CONV_32, (None, 26, 26, 32), 320),
    ("MaxPooling2D", POOL, (None, 13, 13, 32), 0),
    ("Conv2D", CONV_25, (None, 11, 11, 25), 7_225),
    ("MaxPooling2D", POOL, (None, 5, 5, 25), 0),
    ("Flatten", FLATTEN, (None, 625), 0),
    ("Dense", HIDDEN, (None, 100), 62_600),
    ("Dense", OUTPUT, (None, 10), 1_010),
)
# build_model(pooling=False): the same without the two pooling layers.
NO_POOLING = (
    ("Conv2D", CONV_32, (None, 26, 26, 32), 320),
    ("Conv2D", CONV_25, (None, 24, 24, 25), 7_225),
    ("Flatten", FLATTEN, (None, 14_400), 0),
    ("Dense", HIDDEN, (None, 100), 1_440_100),
    ("Dense", OUTPUT, (None, 10), 1_010),
)
INPUT_SHAPE = (None, 28, 28, 1)


# ---------------------------------------------------------------- references and helpers

def keras_count(layer, input_shape: tuple) -> int:
    """Keras's own parameter count of ``layer`` built on an input of ``input_shape`` (no batch axis)."""
    import keras

    layer(keras.Input(input_shape))
    return int(layer.count_params())


def keras_conv_shape(h, w, f, filters, stride, padding) -> tuple:
    import keras

    out = keras.layers.Conv2D(filters, f, strides=stride, padding=padding)(keras.Input((h, w, 1)))
    return tuple(int(v) for v in out.shape[1:])


def raised_text(error: LearnerRaised, function: str) -> str:
    """What the learner's function raised, "ValueError: ...", without the sentence around it."""
    prefix = messages.CATALOG["learner_raised"][0].split("{ename}")[0].format(function=function)
    return error.text.en.removeprefix(prefix).strip().rstrip(".")[:300]


def expect_output_shape(got, want: tuple, *, what: str, mistakes: dict) -> None:
    """``got`` must be (height, width, filters) of Python ints equal to ``want``; else name the mistake."""
    if not isinstance(got, (tuple, list)):
        fail("wrong_type", what=what, expected="a tuple (height, width, filters)", got=type(got).__name__)
    if any(isinstance(v, (float, np.floating)) for v in got):
        fail("outshape_not_int", what=what, got=tuple(got))
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in got):
        fail("wrong_type", what=what, expected="a tuple of 3 ints", got=repr(tuple(got))[:80])
    got = tuple(int(v) for v in got)
    if got == want:
        return
    if got == want[:2]:
        fail("outshape_filters_missing", what=what, expected=want, got=got)
    for key, variant in mistakes.items():
        if variant is not None and got == tuple(variant):
            fail(key, what=what, expected=want, got=got)
    fail("wrong_value", what=what, expected=want, got=got)


def slides_model(learner, **kwargs):
    """The learner's ``build_model(**kwargs)``: a built keras Model with the MNIST input shape, or a named failure."""
    import keras

    what = "build_model(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    try:
        model = learner.call("build_model", **kwargs)
    except LearnerRaised as error:
        if "negative" in error.text.en.lower():
            raise LearnerRaised(messages.text("model_channels_first_raised", what=what,
                                              error=raised_text(error, "build_model")),
                                traceback=error.traceback) from None
        raise
    if not isinstance(model, keras.Model):
        fail("wrong_type", what=what, expected="a keras.Model (keras.Sequential)", got=type(model).__name__)
    try:
        shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        fail("model_not_built", what=what)
    key = {(None, 1, 28, 28): "model_channels_first_input", (None, 28, 28, 3): "model_three_channels_input"}
    if shape in key:
        fail(key[shape], what=what, expected=INPUT_SHAPE, got=shape)
    if shape != INPUT_SHAPE:
        fail("wrong_shape", what=f"{what}.inputs[0].shape", expected=INPUT_SHAPE, got=shape)
    return model, what


def layers_of(model) -> list:
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def expect_layer_classes(layers: list, spec: tuple, *, what: str, pooling: bool) -> None:
    names = [type(layer).__name__ for layer in layers]
    want = [name for name, *_ in spec]
    if names == want:
        return
    if "Flatten" not in names:
        fail("model_flatten_missing", what=what)
    if pooling and "MaxPooling2D" not in names:
        fail("model_pooling_missing", what=what)
    if not pooling and "MaxPooling2D" in names:
        fail("model_pooling_flag_ignored", what=what)
    fail("model_wrong_layers", what=what, expected=want, got=names)


def plain(value):
    return tuple(value) if isinstance(value, list) else value


def expect_shapes(layers: list, spec: tuple, *, what: str) -> None:
    for index, (layer, (name, _, shape, _)) in enumerate(zip(layers, spec), start=1):
        got = tuple(layer.output.shape)
        if got != shape:
            fail("model_layer_shape", what=what, index=index, layer=name, expected=shape, got=got)


# ---------------------------------------------------------------- parameter counts

@pytest.mark.points(2)
@pytest.mark.target("conv_params")
def test_conv_params_random_vs_keras(learner, rng):
    import keras

    for c_in in (1, 2, 4, 5):
        c_in = c_in if c_in == 1 else int(rng.integers(4, 513))  # 1: a grey image; never 3, so assuming RGB shows
        f, filters = int(rng.integers(1, 8)), int(rng.integers(1, 513))
        want = keras_count(keras.layers.Conv2D(filters, f), (f, f, c_in))
        got = learner.call("conv_params", f, c_in, filters)
        expect_number(got, want, what=f"conv_params({f}, {c_in}, {filters})", kind=int, mistakes={
            "params_bias_forgotten": f * f * c_in * filters, "params_three_channels": f * f * 3 * filters + filters,
            "params_in_channels_left_out": f * f * filters + filters})


@pytest.mark.points(1)
@pytest.mark.target("dense_params")
def test_dense_params_random_vs_keras(learner, rng):
    import keras

    for _ in range(3):
        n_in, n_out = int(rng.integers(1, 4097)), int(rng.integers(1, 1025))
        want = keras_count(keras.layers.Dense(n_out), (n_in,))
        got = learner.call("dense_params", n_in, n_out)
        expect_number(got, want, what=f"dense_params({n_in}, {n_out})", kind=int, mistakes={
            "params_bias_forgotten": n_in * n_out, "params_dense_bias_per_input": n_in * n_out + n_in})


@pytest.mark.points(1)
@pytest.mark.target("separable_conv_params")
def test_separable_conv_params_random_vs_keras(learner, rng):
    import keras

    for _ in range(3):
        f, c_in, filters = int(rng.integers(1, 8)), int(rng.integers(4, 513)), int(rng.integers(1, 513))
        want = keras_count(keras.layers.SeparableConv2D(filters, f), (f, f, c_in))
        got = learner.call("separable_conv_params", f, c_in, filters)
        expect_number(got, want, what=f"separable_conv_params({f}, {c_in}, {filters})", kind=int, mistakes={
            "params_bias_forgotten": f * f * c_in + c_in * filters,
            "params_separable_as_conv": f * f * c_in * filters + filters,
            "params_separable_depthwise_bias": f * f * c_in + c_in + c_in * filters + filters,
            "params_three_channels": f * f * 3 + 3 * filters + filters})


# ---------------------------------------------------------------- output shapes

def size(n: int, f: int, stride: int, padding: str) -> int:
    """One spatial size by Keras's rule, to compute the wrong variants beside Keras's own answer."""
    return -(-n // stride) if padding == "same" else (n - f) // stride + 1


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
    for padding, strides, f_low in (("valid", (1,), 2), ("valid", (2, 3), 2), ("same", (2, 3), None),
                                    ("same", (1, 2, 3), 1)):
        h, w, f, filters, stride = random_conv_case(rng, padding, strides, f_low)
        want = keras_conv_shape(h, w, f, filters, stride, padding)
        valid, other = padding == "valid", "same" if padding == "valid" else "valid"
        got = learner.call("conv_output_shape", h, w, f, filters, stride=stride, padding=padding)
        what = f'conv_output_shape({h}, {w}, {f}, {filters}, stride={stride}, padding="{padding}")'
        expect_output_shape(got, want, what=what, mistakes={
            "outshape_stride_ignored": (size(h, f, 1, padding), size(w, f, 1, padding), filters),
            "outshape_padding_ignored": (size(h, f, stride, other), size(w, f, stride, other), filters),
            "outshape_missing_plus_one": ((h - f) // stride, (w - f) // stride, filters) if valid else None,
            "outshape_same_rounded_down": (h // stride, w // stride, filters) if not valid else None,
            "hw_swapped": (want[1], want[0], filters), "outshape_channels_first": (filters, want[0], want[1])})


@pytest.mark.points(1)
@pytest.mark.target("conv_output_shape")
def test_conv_output_shape_rejects_unknown_padding(learner, rng):
    padding = str(rng.choice(["full", "causal", "reflect", "circular"]))
    h, w, f, filters, stride = random_conv_case(rng, "valid", (1, 2), 2)
    what = f'conv_output_shape({h}, {w}, {f}, {filters}, stride={stride}, padding="{padding}")'
    try:
        got = learner.call("conv_output_shape", h, w, f, filters, stride=stride, padding=padding)
    except LearnerRaised as error:
        raised = raised_text(error, "conv_output_shape")
        if raised.startswith("ValueError"):
            return
        fail("outshape_padding_not_rejected", what=what, got=raised[:120])
    fail("outshape_padding_not_rejected", what=what, got=repr(got)[:120])


# ---------------------------------------------------------------- the slides' model

@pytest.mark.points(1)
@pytest.mark.target("build_model")
def test_build_model_input_shape(learner):
    slides_model(learner)  # checks the input shape (None, 28, 28, 1) and names channels-first / RGB inputs


@pytest.mark.points(2)
@pytest.mark.target("build_model")
def test_build_model_layers_and_config(learner):
    model, what = slides_model(learner)
    layers = layers_of(model)
    expect_layer_classes(layers, SLIDES, what=what, pooling=True)
    for index, (layer, (name, config, _, _)) in enumerate(zip(layers, SLIDES), start=1):
        got_config = layer.get_config()
        for field, want in config.items():
            got = plain(got_config.get(field))
            if got == want:
                continue
            if index == len(SLIDES):
                fail("model_last_layer_units" if field == "units" else "model_last_layer_activation", got=got)
            fail("model_layer_config", what=what, index=index, layer=name, field=field, expected=want, got=got)


@pytest.mark.points(2)
@pytest.mark.target("build_model")
def test_build_model_output_shapes(learner):
    model, what = slides_model(learner)
    layers = layers_of(model)
    expect_layer_classes(layers, SLIDES, what=what, pooling=True)
    expect_shapes(layers, SLIDES, what=what)


@pytest.mark.points(1)
@pytest.mark.target("build_model")
def test_build_model_layer_params(learner):
    model, what = slides_model(learner)
    layers = layers_of(model)
    expect_layer_classes(layers, SLIDES, what=what, pooling=True)
    for index, (layer, (name, _, _, want)) in enumerate(zip(layers, SLIDES), start=1):
        if layer.count_params() != want:
            fail("model_layer_params", what=what, index=index, layer=name, expected=want, got=layer.count_params())
    expect_number(model.count_params(), 71_155, what=f"{what}.count_params()", kind=int)


@pytest.mark.points(2)
@pytest.mark.target("build_model")
def test_build_model_without_pooling(learner):
    model, what = slides_model(learner, pooling=False)
    layers = layers_of(model)
    expect_layer_classes(layers, NO_POOLING, what=what, pooling=False)
    expect_shapes(layers, NO_POOLING, what=what)
    expect_number(model.count_params(), 1_448_655, what=f"{what}.count_params()", kind=int)
