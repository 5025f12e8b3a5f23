"""day96's diagnoses of the counting functions: the formulas of Keras's layers as references (the hidden checks
compare with Keras's own ``count_params()`` and ``Conv2D`` shapes too), the known mistakes and the discriminating
cases (the slides' layers, f = 1, one input channel, RGB, stride 2 and 3 that do not divide the size, "same" and
"valid", H != W, the default arguments, the promised errors). Never shipped to learners."""
from grader.diagnosis import Diagnosis, ErrorCase, Variant, grown


def _count(rng, n, high):
    """A fresh count for a twin: 1 and 3 (one channel, RGB) stay, others are drawn from 2-``high``."""
    return n if n in (1, 3) else int(rng.integers(2, high))


def _fresh_layer(rng, args, kwargs):
    """A twin of (f, c_in, filters): f kept, fresh channel and filter counts (equal ones stay equal)."""
    f, c_in, filters = args
    c_new = _count(rng, c_in, 129)
    return (f, c_new, c_new if filters == c_in else _count(rng, filters, 513)), kwargs


def _fresh_dense(rng, args, kwargs):
    n_in, n_out = args
    return (_count(rng, n_in, 4097), _count(rng, n_out, 1025)), kwargs


def _fresh_shape(rng, args, kwargs):
    """A twin of (h, w, f, filters): h and w grown by multiples of the stride (equal ones stay equal)."""
    h, w, f, filters = args[:4]
    stride = kwargs.get("stride", args[4] if len(args) > 4 else 1)
    h_new = grown(rng, h, stride)
    w_new = w + h_new - h if w == h else grown(rng, w, stride)
    return (h_new, w_new, f, _count(rng, filters, 513)) + tuple(args[4:]), kwargs


def _unless(condition, value):
    return None if condition else value


CONV_PARAMS = Diagnosis(
    function="conv_params", kind="int", fallback="conv_params_formula", fresh=_fresh_layer,
    reference=lambda f, c_in, filters: f * f * c_in * filters + filters,
    variants=(
        Variant("params_bias_forgotten", lambda f, c, k: f * f * c * k),
        Variant("params_three_channels", lambda f, c, k: _unless(c == 3, f * f * 3 * k + k)),
        Variant("params_in_channels_left_out", lambda f, c, k: f * f * k + k),
        Variant("params_kernel_not_squared", lambda f, c, k: _unless(f == 1, f * c * k + k)),
        Variant("params_bias_per_weight", lambda f, c, k: 2 * f * f * c * k),
    ),
    cases=(((3, 1, 32), {}), ((3, 3, 32), {}), ((3, 32, 64), {}), ((3, 32, 25), {}), ((1, 16, 8), {}),
           ((5, 7, 4), {})),
)

DENSE_PARAMS = Diagnosis(
    function="dense_params", kind="int", fallback="dense_params_formula", fresh=_fresh_dense,
    reference=lambda n_in, n_out: n_in * n_out + n_out,
    variants=(
        Variant("params_bias_forgotten", lambda n, k: n * k),
        Variant("params_dense_bias_per_input", lambda n, k: n * k + n),
        Variant("params_bias_per_weight", lambda n, k: 2 * n * k),
    ),
    cases=(((625, 100), {}), ((100, 10), {}), ((1152, 10), {}), ((14400, 100), {}), ((1, 1), {}), ((3, 7), {})),
)

SEPARABLE_PARAMS = Diagnosis(
    function="separable_conv_params", kind="int", fallback="separable_params_formula", fresh=_fresh_layer,
    reference=lambda f, c_in, filters: f * f * c_in + c_in * filters + filters,
    variants=(
        Variant("params_bias_forgotten", lambda f, c, k: f * f * c + c * k),
        Variant("params_separable_as_conv", lambda f, c, k: f * f * c * k + k),
        Variant("params_separable_depthwise_bias", lambda f, c, k: f * f * c + c + c * k + k),
        Variant("params_three_channels", lambda f, c, k: _unless(c == 3, f * f * 3 + 3 * k + k)),
        Variant("params_depthwise_per_filter", lambda f, c, k: _unless(c == k, f * f * k + c * k + k)),
        Variant("params_pointwise_not_1x1", lambda f, c, k: _unless(f == 1, f * f * c + f * f * c * k + k)),
    ),
    cases=(((3, 3, 32), {}), ((3, 32, 64), {}), ((5, 8, 16), {}), ((1, 4, 6), {}), ((3, 16, 16), {})),
)


def size(n, f, stride=1, padding="valid"):
    return -(-n // stride) if padding == "same" else (n - f) // stride + 1


def output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding not in ("valid", "same") or min(size(h, f, stride, padding), size(w, f, stride, padding)) <= 0:
        raise ValueError(padding)
    return size(h, f, stride, padding), size(w, f, stride, padding), filters


def _shape_variant(rule):
    """A mistake in the size of one axis, ``rule(n, f, stride, padding)`` (None where it cannot show)."""
    def variant(h, w, f, filters, stride=1, padding="valid"):
        sizes = rule(h, f, stride, padding), rule(w, f, stride, padding)
        return None if None in sizes else (*sizes, filters)
    return variant


OTHER = {"valid": "same", "same": "valid"}

CONV_OUTPUT_SHAPE = Diagnosis(
    function="conv_output_shape", kind="tuple", float_key="outshape_not_int", fallback="outshape_formula",
    fresh=_fresh_shape,
    reference=output_shape,
    variants=(
        Variant("outshape_filters_missing", lambda h, w, f, k, stride=1, padding="valid": output_shape(
            h, w, f, k, stride, padding)[:2]),
        Variant("outshape_stride_ignored", _shape_variant(lambda n, f, s, p: size(n, f, 1, p))),
        Variant("outshape_padding_ignored", _shape_variant(lambda n, f, s, p: size(n, f, s, OTHER[p]))),
        Variant("outshape_missing_plus_one", _shape_variant(lambda n, f, s, p: (n - f) // s if p == "valid"
                                                            else None)),
        Variant("outshape_same_rounded_down", _shape_variant(lambda n, f, s, p: n // s if p == "same" else None)),
        Variant("hw_swapped", lambda h, w, f, k, stride=1, padding="valid": output_shape(
            w, h, f, k, stride, padding)),
        Variant("outshape_channels_first", lambda h, w, f, k, stride=1, padding="valid": (
            k, *output_shape(h, w, f, k, stride, padding)[:2])),
    ),
    cases=(
        ((28, 28, 3, 32), {}), ((26, 26, 2, 32), {"stride": 2}), ((13, 13, 3, 25), {}),
        ((11, 11, 2, 25), {"stride": 2}), ((5, 5, 3, 1), {"stride": 2}), ((5, 5, 3, 1), {"padding": "same"}),
        ((28, 20, 3, 8), {}), ((13, 13, 5, 16), {"stride": 2, "padding": "same"}),
        ((17, 10, 4, 6), {"stride": 3, "padding": "valid"}), ((17, 10, 4, 6), {"stride": 3, "padding": "same"}),
        ((9, 12, 1, 3), {"stride": 2, "padding": "valid"}),
    ),
    errors=(
        ErrorCase((28, 28, 3, 32), {"padding": "full"}, "ValueError", "outshape_padding_not_rejected",
                  "outshape_padding_not_rejected"),
        ErrorCase((4, 9, 5, 8), {"padding": "valid"}, "ValueError", "outshape_filter_not_fitting",
                  "outshape_filter_not_fitting"),
    ),
)

DIAGNOSES = {d.function: d for d in (CONV_PARAMS, DENSE_PARAMS, SEPARABLE_PARAMS, CONV_OUTPUT_SHAPE)}
ARG_NAMES = {name: () for name in DIAGNOSES}

# ---------------------------------------------------------------- build_model: the slides' model, layer by layer

CONV = {"kernel_size": (3, 3), "strides": (1, 1), "padding": "valid", "activation": "relu",
        "data_format": "channels_last"}
POOL = {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid", "data_format": "channels_last"}
FLATTEN = {"data_format": "channels_last"}
HIDDEN, OUTPUT = {"units": 100, "activation": "relu"}, {"units": 10, "activation": "softmax"}
INPUT_SHAPE = (None, 28, 28, 1)
# (class, key config, output shape, parameters) after the input; pooling=False leaves out both pooling layers.
SLIDES = {"kwargs": {}, "input_shape": INPUT_SHAPE, "pooling": True, "layers": [
    ("Conv2D", {"filters": 32, **CONV}, (None, 26, 26, 32), 320),
    ("MaxPooling2D", POOL, (None, 13, 13, 32), 0),
    ("Conv2D", {"filters": 25, **CONV}, (None, 11, 11, 25), 7_225),
    ("MaxPooling2D", POOL, (None, 5, 5, 25), 0),
    ("Flatten", FLATTEN, (None, 625), 0),
    ("Dense", HIDDEN, (None, 100), 62_600),
    ("Dense", OUTPUT, (None, 10), 1_010),
]}
NO_POOLING = {"kwargs": {"pooling": False}, "input_shape": INPUT_SHAPE, "pooling": False, "layers": [
    ("Conv2D", {"filters": 32, **CONV}, (None, 26, 26, 32), 320),
    ("Conv2D", {"filters": 25, **CONV}, (None, 24, 24, 25), 7_225),
    ("Flatten", FLATTEN, (None, 14_400), 0),
    ("Dense", HIDDEN, (None, 100), 1_440_100),
    ("Dense", OUTPUT, (None, 10), 1_010),
]}
EXTRA_TABLES = {"build_model": [SLIDES, NO_POOLING]}
