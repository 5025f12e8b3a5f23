"""Public checks for day96 (build a Keras CNN): run them with `pytest exercises/day96`.

These use the course's known numbers: the slides' MNIST model (71,155 parameters; 1,448,655 without its pooling
layers) and a few layers whose parameter counts Keras reports. More checks, with fresh random layer sizes
compared against Keras's own layers, run when your work is graded: make your functions right for any layer,
not just for these.
"""
import pytest

from grader import messages
from grader.checks import expect_number, fail
from grader.learner import LearnerRaised

# (f, c_in, filters) -> Keras's count, and what known mistakes would give instead.
CONV_LAYERS = (
    ((3, 1, 32), 320, {"params_three_channels": 896, "params_bias_forgotten": 288}),  # first layer on MNIST 28x28x1
    ((3, 3, 32), 896, {"params_bias_forgotten": 864, "params_in_channels_left_out": 320}),  # on a 224x224x3 image
    ((3, 32, 64), 18_496, {"params_bias_forgotten": 18_432, "params_three_channels": 1_792,
                           "params_in_channels_left_out": 640}),
    ((3, 32, 25), 7_225, {"params_bias_forgotten": 7_200, "params_three_channels": 700}),  # the slides' 2nd layer
)
# (n_in, n_out) -> Keras's count.
DENSE_LAYERS = (
    ((625, 100), 62_600, {"params_bias_forgotten": 62_500, "params_dense_bias_per_input": 63_125}),
    ((100, 10), 1_010, {"params_bias_forgotten": 1_000, "params_dense_bias_per_input": 1_100}),
    ((1152, 10), 11_530, {"params_bias_forgotten": 11_520, "params_dense_bias_per_input": 12_672}),
)
# (f, c_in, filters) -> Keras's SeparableConv2D count.
SEPARABLE_LAYERS = (
    ((3, 3, 32), 155, {"params_bias_forgotten": 123, "params_separable_as_conv": 896,
                       "params_separable_depthwise_bias": 158}),
    ((3, 32, 64), 2_400, {"params_bias_forgotten": 2_336, "params_separable_as_conv": 18_496,
                          "params_separable_depthwise_bias": 2_432}),
)
# (h, w, f, filters), stride and padding -> Keras's output shape (height, width, filters).
OUTPUT_SHAPES = (
    ((28, 28, 3, 32), {}, (26, 26, 32), {"outshape_missing_plus_one": (25, 25, 32),
                                         "outshape_padding_ignored": (28, 28, 32),
                                         "outshape_channels_first": (32, 26, 26)}),
    ((26, 26, 2, 32), {"stride": 2}, (13, 13, 32), {"outshape_stride_ignored": (25, 25, 32)}),  # MaxPooling2D(2)
    ((13, 13, 3, 25), {}, (11, 11, 25), {"outshape_missing_plus_one": (10, 10, 25)}),
    ((11, 11, 2, 25), {"stride": 2}, (5, 5, 25), {"outshape_stride_ignored": (10, 10, 25)}),       # MaxPooling2D(2)
    ((5, 5, 3, 1), {"stride": 2}, (2, 2, 1), {"outshape_stride_ignored": (3, 3, 1)}),  # the slides' stride 2
    ((5, 5, 3, 1), {"padding": "same"}, (5, 5, 1), {"outshape_padding_ignored": (3, 3, 1)}),  # zero padding
    ((28, 20, 3, 8), {}, (26, 18, 8), {"hw_swapped": (18, 26, 8)}),
    ((13, 13, 5, 16), {"stride": 2, "padding": "same"}, (7, 7, 16), {"outshape_same_rounded_down": (6, 6, 16),
                                                                      "outshape_padding_ignored": (5, 5, 16),
                                                                      "outshape_stride_ignored": (13, 13, 16)}),
)
INPUT_SHAPE = (None, 28, 28, 1)


def expect_output_shape(got, want, *, what, mistakes):
    if not isinstance(got, (tuple, list)):
        fail("wrong_type", what=what, expected="a tuple (height, width, filters)", got=type(got).__name__)
    if any(isinstance(v, float) for v in got):
        fail("outshape_not_int", what=what, got=tuple(got))
    got = tuple(got)
    if got == want:
        return
    if got == want[:2]:
        fail("outshape_filters_missing", what=what, expected=want, got=got)
    key = next((key for key, variant in mistakes.items() if got == variant), "wrong_value")
    fail(key, what=what, expected=want, got=got)


def slides_model(learner, **kwargs):
    """The learner's model; a "negative size" error or a wrong input shape is named (channels-first, RGB)."""
    what = "build_model(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    try:
        model = learner.call("build_model", **kwargs)
    except LearnerRaised as error:
        if "negative" not in error.text.en.lower():
            raise
        prefix = messages.CATALOG["learner_raised"][0].split("{ename}")[0].format(function="build_model")
        raised = error.text.en.removeprefix(prefix).strip().rstrip(".")[:300]
        raise LearnerRaised(messages.text("model_channels_first_raised", what=what, error=raised),
                            traceback=error.traceback) from None
    if not hasattr(model, "count_params") or not hasattr(model, "layers"):
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
    return model


@pytest.mark.points(1)
@pytest.mark.target("conv_params")
def test_conv_params_known_layers(learner):
    for (f, c_in, filters), want, mistakes in CONV_LAYERS:
        got = learner.call("conv_params", f, c_in, filters)
        expect_number(got, want, what=f"conv_params({f}, {c_in}, {filters})", kind=int, mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("dense_params")
def test_dense_params_known_layers(learner):
    for (n_in, n_out), want, mistakes in DENSE_LAYERS:
        got = learner.call("dense_params", n_in, n_out)
        expect_number(got, want, what=f"dense_params({n_in}, {n_out})", kind=int, mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("separable_conv_params")
def test_separable_conv_params_known_layers(learner):
    for (f, c_in, filters), want, mistakes in SEPARABLE_LAYERS:
        got = learner.call("separable_conv_params", f, c_in, filters)
        expect_number(got, want, what=f"separable_conv_params({f}, {c_in}, {filters})", kind=int, mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("conv_output_shape")
def test_conv_output_shape_slides_model(learner):
    for args, options, want, mistakes in OUTPUT_SHAPES:
        got = learner.call("conv_output_shape", *args, **options)
        shown = ", ".join([*map(str, args), *(f"{k}={v!r}" for k, v in options.items())])
        expect_output_shape(got, want, what=f"conv_output_shape({shown})", mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("build_model")
def test_build_model_parameter_counts(learner):
    count = slides_model(learner).count_params()
    known = {1_448_655: "model_pooling_missing", 11_155: "model_flatten_missing"}  # what those mistakes give
    if count in known:
        fail(known[count], what="build_model()")
    expect_number(count, 71_155, what="build_model().count_params()", kind=int)
    count = slides_model(learner, pooling=False).count_params()
    if count == 71_155:
        fail("model_pooling_flag_ignored", what="build_model(pooling=False)")
    expect_number(count, 1_448_655, what="build_model(pooling=False).count_params()", kind=int)


@pytest.mark.points(1)
@pytest.mark.target("build_model")
def test_build_model_last_layer(learner):
    last = [layer for layer in slides_model(learner).layers if type(layer).__name__ != "InputLayer"][-1]
    if type(last).__name__ != "Dense":
        fail("model_last_layer_not_dense", got=type(last).__name__)
    config = last.get_config()
    if config.get("units") != 10:
        fail("model_last_layer_units", got=config.get("units"))
    if config.get("activation") != "softmax":
        fail("model_last_layer_activation", got=config.get("activation"))
