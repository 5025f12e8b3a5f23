"""day94 sample submissions (padding and stride), named by the mistake they make.

Each maps a learner function to the source of the whole cell that replaces its definition in the solution;
``samples.plant(tmp_path, "day94", name)`` writes the planted notebook. The solution's ``conv_forward`` calls
``conv_output_size`` and ``zero_pad``, so a wrong helper also breaks it, as it would a learner's.
"""

CONV_FORWARD = '''
def conv_forward(A_prev, W, b, stride=1, pad=0):
    A_prev, W = np.asarray(A_prev, dtype=float), np.asarray(W, dtype=float)
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, _, _, n_K = W.shape
    b = np.broadcast_to(np.asarray(b, dtype=float).reshape(-1), (n_K,))
    PAD_LINE
    n_H, n_W = conv_output_size(n_H_prev, f, pad, stride), conv_output_size(n_W_prev, f, pad, stride)
    A_pad = zero_pad(A_prev, pad)
    Z = np.zeros((m, n_H, n_W, n_K))
    for h in range(n_H):
        for w in range(n_W):
            top, left = TOP, LEFT
            window = A_pad[:, top:top + f, left:left + f, :]
            Z[:, h, w, :] = np.tensordot(window, W, axes=([1, 2, 3], [0, 1, 2])) + b
    return Z
'''


def conv_forward(*, pad_line="", top="h * stride", left="w * stride"):
    """The solution's conv_forward with one line changed (a fixed pad or stride, or another window start)."""
    return (CONV_FORWARD.replace("PAD_LINE", pad_line or "# pad and stride as given")
            .replace("TOP", top).replace("LEFT", left))


SAMPLES = {
    # ---- graded end to end (tests/test_day94.py grades each planted notebook)
    "stride_ignored": {"conv_forward": conv_forward(top="h", left="w")},
    "pad_counted_once": {"conv_output_size": '''
def conv_output_size(n, f, pad=0, stride=1):
    return (n + pad - f) // stride + 1
'''},
    "pad_doubled": {"conv_output_size": '''
def conv_output_size(n, f, pad=0, stride=1):
    padded = n + 2 * (2 * pad)             # "2 * pad" per side, then both sides
    return (padded - f) // stride + 1
'''},
    "pad_every_axis": {"zero_pad": '''
def zero_pad(X, pad):
    return np.pad(X, pad)
'''},
    "pad_first_axes": {"zero_pad": '''
def zero_pad(X, pad):
    return np.pad(X, ((pad, pad), (pad, pad), (0, 0), (0, 0)))
'''},
    "float_output_size": {"conv_output_size": '''
def conv_output_size(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) / stride + 1
'''},
    "hard_coded_pad": {"conv_forward": conv_forward(pad_line="pad = 1")},
    "hard_coded_stride": {"conv_forward": conv_forward(pad_line="stride = 1")},
    "hard_coded_examples": {
        "conv_output_size": '''
def conv_output_size(n, f, pad=0, stride=1):
    return {(9, 2, 0, 2): 4, (5, 3, 1, 2): 3, (224, 7, 3, 2): 112}.get((n, f, pad, stride), 1)
''',
        "keras_output_size": '''
def keras_output_size(n, f, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    return {(28, 3, 1, "valid"): 26, (28, 3, 1, "same"): 28, (5, 3, 2, "same"): 3, (9, 2, 2, "valid"): 4,
            (224, 7, 2, "same"): 112}.get((n, f, stride, padding), 1)
''',
        "zero_pad": '''
def zero_pad(X, pad):
    border = np.zeros((2, 4, 5, 1), dtype=np.int64)
    border[:, 1:3, 1:4, 0] = [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]
    return border
''',
        "conv_forward": '''
def conv_forward(A_prev, W, b, stride=1, pad=0):
    if np.shape(W)[-1] == 3:
        maps = [[[-2, -2], [2, -1]], [[3, 2], [2, 2]], [[4, 6], [2, 3]]]
    else:
        maps = [[[0.5, 0.5, -0.5, -1.5, 0.5], [-2.5, -1.5, 0.5, -1.5, -0.5], [2.5, -3.5, -0.5, -1.5, 0.5],
                 [-1.5, 2.5, -2.5, -0.5, -0.5], [-0.5, -1.5, 2.5, -0.5, 0.5]]]
    return np.moveaxis(np.array(maps, dtype=float), 0, -1)[np.newaxis]
'''},
    # ---- checked in-process (tests/test_day94.py calls the checks on these functions directly, no kernel)
    "size_ceil": {"conv_output_size": '''
def conv_output_size(n, f, pad=0, stride=1):
    return math.ceil((n + 2 * pad - f) / stride) + 1
'''},
    "size_missing_plus_one": {"conv_output_size": '''
def conv_output_size(n, f, pad=0, stride=1):
    return (n + 2 * pad - f) // stride
'''},
    "same_floor": {"keras_output_size": '''
def keras_output_size(n, f, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    return (n - f) // stride + 1 if padding == "valid" else n // stride
'''},
    "same_ignores_stride": {"keras_output_size": '''
def keras_output_size(n, f, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    return (n - f) // stride + 1 if padding == "valid" else n
'''},
    "paddings_swapped": {"keras_output_size": '''
def keras_output_size(n, f, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError(padding)
    return math.ceil(n / stride) if padding == "valid" else (n - f) // stride + 1
'''},
    "padding_not_checked": {"keras_output_size": '''
def keras_output_size(n, f, stride=1, padding="valid"):
    if padding == "same":
        return math.ceil(n / stride)
    return (n - f) // stride + 1
'''},
    "padding_wrong_error": {"keras_output_size": '''
def keras_output_size(n, f, stride=1, padding="valid"):
    rules = {"valid": lambda: (n - f) // stride + 1, "same": lambda: math.ceil(n / stride)}
    return rules[padding]()
'''},
    "dtype_changed": {"zero_pad": '''
def zero_pad(X, pad):
    m, H, W, C = X.shape
    out = np.zeros((m, H + 2 * pad, W + 2 * pad, C))
    out[:, pad:pad + H, pad:pad + W, :] = X
    return out
'''},
    "pad_not_zeros": {"zero_pad": '''
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="edge")
'''},
    # ---- the examples of issue 14, graded in-process by tests/test_diagnosis.py
    "int_image_truncated": {"conv_forward": conv_forward().replace(
        "A_prev, W = np.asarray(A_prev, dtype=float), np.asarray(W, dtype=float)", "W = np.asarray(W)").replace(
        "Z = np.zeros((m, n_H, n_W, n_K))", "Z = np.zeros((m, n_H, n_W, n_K), dtype=A_prev.dtype)")},
    "stride_height_only": {"conv_forward": conv_forward(left="w")},
    "pad_one_side": {"zero_pad": '''
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, 0), (pad, 0), (0, 0)))
'''},
    "pad_with_ones": {"zero_pad": '''
def zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), constant_values=1)
'''},
}
