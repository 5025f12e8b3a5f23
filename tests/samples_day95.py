"""day95 sample submissions, named by what they do (loaded by tests/samples.py as SAMPLES["day95"])."""

# Each sample replaces the whole cell that defines pool_forward in the reference solution.

SAMPLES = {
    "stride_ignored": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1
    out = np.zeros((m, H_out, W_out, C))
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h:h + f, w:w + f, :]   # should start at h * stride, w * stride
            out[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
'''},
    "across_channels": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1
    out = np.zeros((m, H_out, W_out, C))
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            value = window.max(axis=(1, 2, 3)) if mode == "max" else window.mean(axis=(1, 2, 3))   # (m,)
            out[:, h, w, :] = value[:, None]   # one value for every channel
    return out
'''},
    "modes_swapped": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1
    out = np.zeros((m, H_out, W_out, C))
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            out[:, h, w, :] = window.mean(axis=(1, 2)) if mode == "max" else window.max(axis=(1, 2))
    return out
'''},
    "empty_output": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    H_out = max((H - f) // stride + 1, 0)   # a window larger than the input quietly gives 0 rows
    W_out = max((W - f) // stride + 1, 0)
    out = np.zeros((m, H_out, W_out, C))
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            out[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
'''},
    "bad_mode_averages": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1
    out = np.zeros((m, H_out, W_out, C))
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            if mode == "max":
                out[:, h, w, :] = window.max(axis=(1, 2))
            else:   # every other mode, "min" included, averages
                out[:, h, w, :] = window.mean(axis=(1, 2))
    return out
'''},
    "blocks_only": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    blocks = A_prev[:, :H // f * f, :W // f * f, :].reshape(m, H // f, f, W // f, f, C)   # stride = f assumed
    return blocks.max(axis=(2, 4)) if mode == "max" else blocks.mean(axis=(2, 4))
'''},
    "int_output": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1
    out = np.zeros_like(A_prev, shape=(m, H_out, W_out, C))   # an integer input gives an integer output
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            out[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else window.mean(axis=(1, 2))
    return out
'''},
    "input_mutated": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    A_prev = np.asarray(A_prev, dtype=float)
    m, H, W, C = A_prev.shape
    if f < 1 or stride < 1 or f > H or f > W:
        raise ValueError("bad window")
    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1
    out = np.zeros((m, H_out, W_out, C))
    for h in range(H_out):
        for w in range(W_out):
            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]
            if mode == "max":
                out[:, h, w, :] = window.max(axis=(1, 2))
            else:
                window /= f * f   # a view: this divides the caller's array too
                out[:, h, w, :] = window.sum(axis=(1, 2))
    return out
'''},
    "hard_coded_public": {"pool_forward": '''
def pool_forward(A_prev, f, stride, mode="max"):
    if mode not in ("max", "average", "mean"):
        raise ValueError(f"unknown mode {mode!r}")
    shape = np.shape(A_prev)
    if shape == (1, 4, 4, 1):
        answer = [[6, 8], [7, 5]] if mode == "max" else [[3.5, 5.5], [4.5, 2.5]]
        return np.array(answer, dtype=float).reshape(1, 2, 2, 1)
    if shape == (1, 4, 4, 2):
        return np.stack([[[6, 8], [7, 5]], [[9, 7], [8, 10]]], axis=-1)[None].astype(float)
    if shape == (1, 4, 5, 1):
        answer = [[6, 6, 6], [6, 7, 7]] if mode == "max" else [[22 / 9, 16 / 9, 2], [19 / 9, 21 / 9, 23 / 9]]
        return np.array(answer, dtype=float).reshape(1, 2, 3, 1)
    return np.zeros((shape[0], 2, 2, shape[-1]))
'''},
    # ---- the examples of issue 14, graded in-process by tests/test_diagnosis.py
    "mean_with_median": {"pool_forward": '\ndef pool_forward(A_prev, f, stride, mode="max"):\n    if mode not in ("max", "average", "mean"):\n        raise ValueError(f"unknown mode {mode!r}")\n    A_prev = np.asarray(A_prev, dtype=float)\n    m, H, W, C = A_prev.shape\n    if f < 1 or stride < 1 or f > H or f > W:\n        raise ValueError("bad window")\n    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1\n    out = np.zeros((m, H_out, W_out, C))\n    for h in range(H_out):\n        for w in range(W_out):\n            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]\n            out[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else AVERAGE\n    return out\n'.replace("AVERAGE", "np.median(window, axis=(1, 2))")},
    "average_divided_by_f": {"pool_forward": '\ndef pool_forward(A_prev, f, stride, mode="max"):\n    if mode not in ("max", "average", "mean"):\n        raise ValueError(f"unknown mode {mode!r}")\n    A_prev = np.asarray(A_prev, dtype=float)\n    m, H, W, C = A_prev.shape\n    if f < 1 or stride < 1 or f > H or f > W:\n        raise ValueError("bad window")\n    H_out, W_out = (H - f) // stride + 1, (W - f) // stride + 1\n    out = np.zeros((m, H_out, W_out, C))\n    for h in range(H_out):\n        for w in range(W_out):\n            window = A_prev[:, h * stride:h * stride + f, w * stride:w * stride + f, :]\n            out[:, h, w, :] = window.max(axis=(1, 2)) if mode == "max" else AVERAGE\n    return out\n'.replace("AVERAGE", "window.sum(axis=(1, 2)) / f")},
}
