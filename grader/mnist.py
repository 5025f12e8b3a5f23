"""day97's judgements, shared by its public and hidden checks: scaled images, label formats, the loss that
matches them, and the trained model's accuracy on the real MNIST test set, measured in the grader's process.

The test images never enter the learner's kernel: the model comes out of it (``.keras``, ``safe_mode=True``)
and is evaluated here, on the grader's own copy of the test split, scaled by the reference rule.
"""
from __future__ import annotations

import ast
import re
import weakref

import numpy as np

from grader.checks import as_numeric_array, expect_array, expect_unchanged, fail
from grader.datasets import load_mnist_test
from grader.learner import compile_config, loss_name

UNSCALED_MARGIN = 0.05     # raw pixels doing this much better than scaled ones means training on raw pixels
BATCH = 1000
_ACCURACY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def reference_scale(images: np.ndarray) -> np.ndarray:
    return (images.astype("float32") / 255)[..., np.newaxis]


def expect_scaled(got, images: np.ndarray, *, what: str) -> None:
    """``got`` must be ``images / 255`` with a channel axis; name unscaled pixels and misplaced channels."""
    want = reference_scale(images)
    got = as_numeric_array(got, what=what)
    n = images.shape[0]
    if got.shape == (n, 1, 28, 28):
        fail("mnist_channels_first", what=what, expected=want.shape, got=got.shape)
    if got.shape == images.shape:
        fail("mnist_no_channel_axis", what=what, expected=want.shape, got=got.shape)
    if got.size and got.max() > 1.5:
        fail("mnist_not_scaled", what=what, largest=float(got.max()))
    expect_array(got, want, what=what, atol=1e-6, rtol=1e-5)


def check_scale_images(learner, images: np.ndarray) -> None:
    """Call the learner's ``scale_images`` on ``images``: scaled right, and the argument left as it was."""
    call = learner.run("scale_images", images.copy())
    expect_scaled(call.value, images, what="scale_images(images)")
    expect_unchanged(images, call.args_after[0], function="scale_images", arg="images")


def label_format(got, labels: np.ndarray, *, what: str) -> str:
    """``"integer"`` or ``"one-hot"`` when ``got`` encodes ``labels`` in that format; a failure otherwise."""
    n = labels.shape[0]
    array = as_numeric_array(got, what=what)
    if array.shape == (n,) and np.array_equal(array, labels):
        return "integer"
    if array.shape == (n, 10) and np.array_equal(array, np.eye(10)[labels]):
        return "one-hot"
    fail("labels_format", what=what, n=n, got=f"shape {array.shape}")


def expect_loss_matches(model, labels_format: str, *, what: str) -> None:
    config = compile_config(model)
    if config is None:
        fail("model_not_compiled", what=what)
    loss = loss_name(config) or str(config.get("loss"))
    if loss in ("binary_crossentropy", "binary_focal_crossentropy", "hinge", "squared_hinge"):
        fail("loss_binary", got=loss)
    wanted = {"integer": "sparse_categorical_crossentropy", "one-hot": "categorical_crossentropy"}[labels_format]
    if loss == wanted:
        return
    if loss == "categorical_crossentropy":
        fail("loss_onehot_with_integers")
    if loss == "sparse_categorical_crossentropy":
        fail("loss_sparse_with_onehot")
    fail("loss_other", got=loss)


# ---------------------------------------------------------------- the trained model on the test set

def _fit_input(model, images: np.ndarray) -> np.ndarray:
    """Test images shaped for the model's input ((28, 28, 1), (28, 28) or (784,)), or a failure."""
    shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    if shape is None or None in shape or int(np.prod(shape)) != 28 * 28:
        fail("model_input_incompatible", got=(None, *shape) if shape else "unknown")
    return images.reshape((images.shape[0], *shape))


def _accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    inputs = _fit_input(model, images)
    predicted = np.concatenate([np.asarray(model(inputs[i:i + BATCH], training=False)).argmax(axis=-1)
                                for i in range(0, len(inputs), BATCH)])
    return float((predicted == labels).mean())


def accuracy_on_test_set(model) -> tuple[float, float]:
    """(accuracy on the test images scaled to 0..1, accuracy on raw 0..255 pixels), once per model."""
    if model not in _ACCURACY:
        images, labels = load_mnist_test()
        scaled = _accuracy(model, reference_scale(images), labels)
        raw = _accuracy(model, images.astype("float32")[..., np.newaxis], labels) if scaled < 0.99 else 0.0
        _ACCURACY[model] = (scaled, raw)
    return _ACCURACY[model]


def expect_accuracy(model, threshold: float) -> float:
    scaled, raw = accuracy_on_test_set(model)
    if scaled >= threshold:
        return scaled
    if raw > scaled + UNSCALED_MARGIN:
        fail("accuracy_unscaled", accuracy=scaled, raw=raw)
    fail("accuracy_below", accuracy=scaled, threshold=threshold)


# ---------------------------------------------------------------- the notebook's fit calls

TEST_NAME = re.compile(r"(?:^|_)test", re.IGNORECASE)   # x_test, test_images, testX; not "latest"


MAGIC = re.compile(r"^(\s*)%{1,2}(time|timeit|prun)\s+(-\S+\s+)*")   # a line magic wrapping a statement


def _python_line(line: str) -> str:
    line = MAGIC.sub(r"\1", line)
    return "" if line.lstrip().startswith(("%", "!")) else line


def _parse(cell: str) -> ast.AST | None:
    lines = [_python_line(line) for line in cell.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        return None


def _is_fit(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == "fit") or (isinstance(func, ast.Name) and func.id == "fit")


def _names_in(node: ast.Call) -> set[str]:
    parts = list(node.args) + [k.value for k in node.keywords]
    return {n.id for part in parts for n in ast.walk(part) if isinstance(n, ast.Name)}


def fit_calls_with_test_data(cells: tuple[str, ...]) -> list[tuple[int, str]]:
    """(code cell number from 1, the call's source) for every ``fit(...)`` call that names test data."""
    found = []
    for number, cell in enumerate(cells, start=1):
        tree = _parse(cell)
        for node in ast.walk(tree) if tree is not None else ():
            if _is_fit(node) and any(TEST_NAME.search(name) for name in _names_in(node)):
                found.append((number, (ast.get_source_segment(cell, node) or "fit(...)")[:200]))
    return found
