"""Sample submissions, planted in copies of the reference solutions and named by what they do.

``plant(folder, "day93", "flipped_kernel")`` writes ``folder/flipped_kernel/day93/day93.ipynb``: the
solution notebook with the functions replaced (or cells added) as the sample describes.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from grader import exercise as exercises

DAY93 = {
    "flipped_kernel": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.flip(np.asarray(kernel, float), axis=(0, 1))
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((H - f + 1, W - f + 1))
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out
'''},
    "bias_every_product": {"conv_single_step": '''
def conv_single_step(window, kernel, bias=0.0):
    return float(np.sum(window * kernel + bias))
'''},
    "hw_swapped": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image = np.asarray(image, float)
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((W - f + 1, H - f + 1))
    for i in range(W - f + 1):
        for j in range(H - f + 1):
            out[i, j] = conv_single_step(image[j:j + f, i:i + f], kernel, bias)
    return out
'''},
    "channels_ignored": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim == 3:
        image, kernel = image[..., 0], kernel[..., 0]
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((H - f + 1, W - f + 1))
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out
'''},
    "off_by_one": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image = np.asarray(image, float)
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((H - f, W - f))
    for i in range(H - f):
        for j in range(W - f):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out
'''},
    "input_mutated": {"relu": '''
def relu(x):
    x[x < 0] = 0
    return x
'''},
    "hard_coded_slides": {"conv_single_step": '''
def conv_single_step(window, kernel, bias=0.0):
    return -1.5
''', "feature_map": '''
def feature_map(image, kernel, bias=0.0):
    answers = {(1, -1, -1): [[-2, 0, -2], [-4, -1, -2], [2, -3, -1]], (1, 1, 1): [[3, 2, 2], [1, 1, 2], [2, 1, 2]],
               (1, -1, 1): [[4, -2, 6], [2, -1, 4], [2, -1, 3]]}
    key = tuple(int(v) for v in np.asarray(kernel)[0, :3].ravel()) if np.ndim(kernel) == 2 else None
    return np.array(answers.get(key, np.zeros((3, 3))), dtype=float)
'''},

    # ---- the examples of issue 14, graded in-process by tests/test_diagnosis.py
    "biases_default_crash": {"feature_maps": '''
def feature_maps(image, kernels, biases=None):
    kernels = np.asarray(kernels, dtype=float)
    biases = np.asarray(biases, dtype=float).reshape(len(kernels))
    return np.stack([feature_map(image, k, b) for k, b in zip(kernels, biases)], axis=-1)
'''},
    "relu_before_bias": {"conv_single_step": '''
def conv_single_step(window, kernel, bias=0.0):
    return float(max(np.sum(window * kernel), 0) + bias)
'''},
    "int_cast": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros_like(image, shape=(H - f + 1, W - f + 1))   # an integer image gives an integer map
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out
'''},
    "flipped_kernel_all_axes": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.flip(np.asarray(kernel, float))   # every axis, channels too
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((H - f + 1, W - f + 1))
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out
'''},
    "transposed_map": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image = np.asarray(image, float)
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((H - f + 1, W - f + 1))
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out.T
'''},
    "biases_ignored": {"feature_maps": '''
def feature_maps(image, kernels, biases=None):
    return np.stack([feature_map(image, k) for k in np.asarray(kernels, dtype=float)], axis=-1)
'''},
    "odd_kernel_only": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    half = f // 2                                  # the kernel's centre: right only for odd f
    out = np.zeros((H - 2 * half, W - 2 * half))
    for i in range(half, H - half):
        for j in range(half, W - half):
            out[i - half, j - half] = conv_single_step(image[i - half:i + half + 1, j - half:j + half + 1],
                                                       kernel, bias)
    return out
'''},
    "channels_summed_first": {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    if image.ndim == 3:
        image, kernel = image.sum(axis=-1), kernel.sum(axis=-1)
    H, W, f = image.shape[0], image.shape[1], kernel.shape[0]
    out = np.zeros((H - f + 1, W - f + 1))
    for i in range(H - f + 1):
        for j in range(W - f + 1):
            out[i, j] = conv_single_step(image[i:i + f, j:j + f], kernel, bias)
    return out
'''},
}

def _more_samples() -> dict[str, dict]:
    """Each later day keeps its samples in tests/samples_dayNN.py as a dict named SAMPLES."""
    import importlib

    found = {}
    for exercise_id in exercises.EXERCISES:
        try:
            found[exercise_id] = importlib.import_module(f"samples_{exercise_id}").SAMPLES
        except ModuleNotFoundError:
            continue
    return found


SAMPLES = {"day93": DAY93, **_more_samples()}


def _replace_function(nb, name: str, source: str) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code" and f"def {name}(" in cell.source:
            cell.source = source.strip("\n")
            return
    raise KeyError(f"no cell defines {name}")


def notebook_with(exercise_id: str, *, functions: dict[str, str] | None = None,
                  insert: dict[int, str] | None = None, stub: bool = False):
    """The solution (or stub) notebook with ``functions`` replaced and ``insert`` cells added at code-cell positions."""
    exercise = exercises.get(exercise_id)
    nb = nbformat.read(exercise.stub if stub else exercise.solution, as_version=4)
    for name, source in (functions or {}).items():
        _replace_function(nb, name, source)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for position, source in sorted((insert or {}).items(), reverse=True):
        nb.cells.insert(code[position] if position < len(code) else len(nb.cells), nbformat.v4.new_code_cell(source))
    return nb


def write(folder: Path, name: str, exercise_id: str, nb) -> Path:
    path = Path(folder) / name / exercise_id / f"{exercise_id}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def plant(folder: Path, exercise_id: str, name: str) -> Path:
    return write(folder, name, exercise_id, notebook_with(exercise_id, functions=SAMPLES[exercise_id][name]))
