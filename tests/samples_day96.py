"""day96 sample submissions: each replaces whole function cells of the solution notebook (see tests/samples.py).

Named by the mistake they make; tests/test_day96.py says which check must name it, and how.
"""

_SIZE = '''
    def size(n):
        return -(-n // stride) if padding == "same" else (n - f) // stride + 1
'''


def _model(*, input_shape="INPUT_SHAPE", pooling="pooling", flatten=True,
           first='Conv2D(32, (3, 3), activation="relu")', second='Conv2D(25, (3, 3), activation="relu")',
           last='Dense(NUM_CLASSES, activation="softmax")', before="", extra_first=""):
    """A build_model cell like the solution's, with one part changed."""
    return f'''
{before}
def build_model(pooling=True):
    model = keras.Sequential()
    model.add(keras.Input(shape={input_shape}))
    model.add(layers.{first})
    {extra_first}
    if {pooling}:
        model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    model.add(layers.{second})
    if {pooling}:
        model.add(layers.MaxPooling2D(pool_size=(2, 2)))
    {"model.add(layers.Flatten())" if flatten else ""}
    model.add(layers.Dense(100, activation="relu"))
    model.add(layers.{last})
    return model
'''


SAMPLES = {
    # ---- graded end to end (tests/test_day96.py: END_TO_END)
    "bias_forgotten": {"conv_params": '''
def conv_params(f, c_in, filters):
    return f * f * c_in * filters
''', "dense_params": '''
def dense_params(n_in, n_out):
    return n_in * n_out
''', "separable_conv_params": '''
def separable_conv_params(f, c_in, filters):
    return f * f * c_in + c_in * filters
'''},
    "three_channels_assumed": {"conv_params": '''
def conv_params(f, c_in, filters):
    return f * f * 3 * filters + filters
''', "build_model": _model(input_shape="(28, 28, 3)")},
    "flatten_missing": {"build_model": _model(flatten=False)},
    "channels_first_input": {"build_model": _model(input_shape="(1, 28, 28)"), "conv_output_shape": f'''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
{_SIZE}
    return (filters, size(h), size(w))
'''},
    "lambda_layer": {"build_model": _model(extra_first="model.add(layers.Lambda(lambda x: x / 255.0))")},
    "custom_layer": {"build_model": _model(before='''
class Double(keras.layers.Layer):
    def call(self, x):
        return 2 * x
''', extra_first="model.add(Double())")},
    "hard_coded_examples": {"conv_params": '''
def conv_params(f, c_in, filters):
    return {(3, 1, 32): 320, (3, 3, 32): 896, (3, 32, 64): 18496, (3, 32, 25): 7225}.get((f, c_in, filters), 0)
''', "dense_params": '''
def dense_params(n_in, n_out):
    return {(625, 100): 62600, (100, 10): 1010, (1152, 10): 11530}.get((n_in, n_out), 0)
''', "separable_conv_params": '''
def separable_conv_params(f, c_in, filters):
    return {(3, 3, 32): 155, (3, 32, 64): 2400}.get((f, c_in, filters), 0)
''', "conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    answers = {(28, 28, 3, 32, 1, "valid"): (26, 26, 32), (26, 26, 2, 32, 2, "valid"): (13, 13, 32),
               (13, 13, 3, 25, 1, "valid"): (11, 11, 25), (11, 11, 2, 25, 2, "valid"): (5, 5, 25),
               (5, 5, 3, 1, 2, "valid"): (2, 2, 1), (5, 5, 3, 1, 1, "same"): (5, 5, 1),
               (28, 20, 3, 8, 1, "valid"): (26, 18, 8), (13, 13, 5, 16, 2, "same"): (7, 7, 16)}
    return answers.get((h, w, f, filters, stride, padding), (1, 1, filters))
'''},
    # ---- checked in-process, without a kernel (tests/test_day96.py: IN_PROCESS)
    "in_channels_left_out": {"conv_params": '''
def conv_params(f, c_in, filters):
    return f * f * filters + filters
'''},
    "dense_bias_per_input": {"dense_params": '''
def dense_params(n_in, n_out):
    return n_in * n_out + n_in
'''},
    "separable_as_conv": {"separable_conv_params": '''
def separable_conv_params(f, c_in, filters):
    return f * f * c_in * filters + filters
'''},
    "separable_depthwise_bias": {"separable_conv_params": '''
def separable_conv_params(f, c_in, filters):
    return f * f * c_in + c_in + c_in * filters + filters
'''},
    "stride_ignored": {"conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    if padding == "same":
        return (h, w, filters)
    return (h - f + 1, w - f + 1, filters)
'''},
    "padding_ignored": {"conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    return ((h - f) // stride + 1, (w - f) // stride + 1, filters)
'''},
    "missing_plus_one": {"conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding == "same":
        return (-(-h // stride), -(-w // stride), filters)
    if padding == "valid":
        return ((h - f) // stride, (w - f) // stride, filters)
    raise ValueError(padding)
'''},
    "same_rounded_down": {"conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding == "same":
        return (h // stride, w // stride, filters)
    if padding == "valid":
        return ((h - f) // stride + 1, (w - f) // stride + 1, filters)
    raise ValueError(padding)
'''},
    "sizes_as_floats": {"conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding == "same":
        return (np.ceil(h / stride), np.ceil(w / stride), filters)
    if padding == "valid":
        return ((h - f) / stride + 1, (w - f) / stride + 1, filters)
    raise ValueError(padding)
'''},
    "hw_swapped": {"conv_output_shape": f'''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
{_SIZE}
    return (size(w), size(h), filters)
'''},
    "filters_missing": {"conv_output_shape": f'''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
{_SIZE}
    return (size(h), size(w))
'''},
    "wrong_error_for_padding": {"conv_output_shape": f'''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    sizes = {{"valid": lambda n: (n - f) // stride + 1, "same": lambda n: -(-n // stride)}}[padding]
    return (sizes(h), sizes(w), filters)
'''},
    "pooling_missing": {"build_model": _model(pooling="False")},
    "pooling_flag_ignored": {"build_model": _model(pooling="True")},
    "last_layer_one_unit": {"build_model": _model(last='Dense(1, activation="sigmoid")')},
    "last_layer_relu": {"build_model": _model(last='Dense(NUM_CLASSES, activation="relu")')},
    "activation_twice": {"build_model": _model(extra_first='model.add(layers.Activation("relu"))')},
    "wrong_filters": {"build_model": _model(second='Conv2D(64, (3, 3), activation="relu")')},
    "not_built": {"build_model": '''
def build_model(pooling=True):
    return keras.Sequential([layers.Conv2D(32, (3, 3), activation="relu"), layers.Flatten(),
                             layers.Dense(NUM_CLASSES, activation="softmax")])
'''},
    "channels_first_data_format": {"build_model": '''
def build_model(pooling=True):
    cf = {"data_format": "channels_first"}
    model = keras.Sequential([keras.Input(shape=(1, 28, 28)), layers.Conv2D(32, (3, 3), activation="relu", **cf)])
    if pooling:
        model.add(layers.MaxPooling2D((2, 2), **cf))
    model.add(layers.Conv2D(25, (3, 3), activation="relu", **cf))
    if pooling:
        model.add(layers.MaxPooling2D((2, 2), **cf))
    model.add(layers.Flatten())
    model.add(layers.Dense(100, activation="relu"))
    model.add(layers.Dense(NUM_CLASSES, activation="softmax"))
    return model
'''},
    # ---- the examples of issue 14, graded in-process by tests/test_diagnosis.py
    "average_pooling": {"build_model": _model().replace("MaxPooling2D", "AveragePooling2D")},
    "filter_too_big_accepted": {"conv_output_shape": '''
def conv_output_shape(h, w, f, filters, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    size = (lambda n: -(-n // stride)) if padding == "same" else (lambda n: (n - f) // stride + 1)
    return (size(h), size(w), filters)
'''},
    "depthwise_per_filter": {"separable_conv_params": '''
def separable_conv_params(f, c_in, filters):
    return f * f * filters + c_in * filters + filters
'''},
}
