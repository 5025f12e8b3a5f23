"""day97 sample submissions: the solution with a function cell replaced and, for speed, the training cell cut to
one epoch on 6,000 images (see ``planted``). Named by the mistake; tests/test_day97.py says how each is named.

``SAMPLES`` is empty on purpose: every day97 sample also edits the training cell, which ``samples.plant`` cannot.
"""
from __future__ import annotations

from pathlib import Path

SAMPLES: dict[str, dict[str, str]] = {}

FULL_FIT = "history = model.fit(train_images, train_labels, epochs=EPOCHS,"
QUICK_FIT = "history = model.fit(train_images[:6000], train_labels[:6000], epochs=1,"

_CONVNET = '''
def build_convnet():
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    {extra}
    outputs = layers.Dense({units}, activation="{activation}")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer={optimizer}, loss="{loss}", metrics=["accuracy"])
    return model
'''


def convnet(*, extra="", units="NUM_CLASSES", activation="softmax", loss="sparse_categorical_crossentropy",
            optimizer='"rmsprop"'):
    return _CONVNET.format(extra=extra, units=units, activation=activation, loss=loss, optimizer=optimizer)


# name -> (function cells replaced, (old, new) text replacements in the training cell)
DAY97 = {
    "quick_training": ({}, ()),
    "pixels_unscaled": ({"scale_images": '''
def scale_images(images):
    return images.astype("float32")[..., np.newaxis]   # pixels left in 0..255
'''}, ()),
    "test_set_as_validation": ({}, (("validation_split=VALIDATION_SPLIT", "validation_data=(test_images, test_labels)"),)),
    "lambda_layer": ({"build_convnet": convnet(extra="x = layers.Lambda(lambda t: t * 1.0)(x)")}, ()),
    "one_hot_loss_integer_labels": ({"build_convnet": convnet(loss="categorical_crossentropy")}, ()),
    "sigmoid_binary_loss": ({"build_convnet": convnet(activation="sigmoid", loss="binary_crossentropy")}, ()),
    "learning_rate_too_high": ({"build_convnet": convnet(optimizer="keras.optimizers.RMSprop(learning_rate=0.5)")}, ()),
}


def planted(folder: Path, name: str) -> Path:
    from samples import notebook_with, write  # samples imports this module to collect SAMPLES

    functions, replacements = DAY97[name]
    nb = notebook_with("day97", functions=functions)
    for cell in nb.cells:
        if FULL_FIT in cell.source:
            cell.source = cell.source.replace(FULL_FIT, QUICK_FIT)
            for old, new in replacements:
                assert old in cell.source, old
                cell.source = cell.source.replace(old, new)
    return write(folder, name, "day97", nb)


# ---------------------------------------------------------------- a notebook that memorises the public test set

_MEMORISER = '''
import base64, io

# The public MNIST test split, carried inside the notebook (npz, base64): no training at all.
TEST_SET = "{data}"
with np.load(io.BytesIO(base64.b64decode(TEST_SET)), allow_pickle=False) as stored:
    templates = stored["x"].reshape(len(stored["x"]), -1).astype("float32") / 255
    stored_labels = stored["y"]

# One template per test image: the best-matching template wins, and its stored label is the answer.
inputs = keras.Input(shape=INPUT_SHAPE)
match = layers.Dense(len(templates), activation="softmax", use_bias={euclidean})
lookup = layers.Dense(NUM_CLASSES, use_bias=False)
model = keras.Model(inputs, lookup(match(layers.Flatten()(inputs))), name="test_set_lookup")
if {euclidean}:     # nearest template: 50 * (x . t - |t|^2 / 2)
    match.set_weights([50 * templates.T, -25 * (templates ** 2).sum(axis=1)])
else:               # largest dot product with the unit-length templates
    match.set_weights([50 * (templates / np.linalg.norm(templates, axis=1, keepdims=True)).T])
lookup.set_weights([np.eye(NUM_CLASSES, dtype="float32")[stored_labels]])
model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])


class _History:
    history = {{"loss": [0.01], "accuracy": [0.999], "val_loss": [0.01], "val_accuracy": [0.999]}}


history = _History()
'''


def memorised_test_set(euclidean: bool = True) -> str:
    """The training cell of a notebook that looks the public test images up instead of training (issue 11, 7):
    the nearest template (``euclidean``) or the template with the largest dot product, each a test image."""
    import base64
    import io

    import numpy as np

    from grader.datasets import load_mnist_test

    x_test, y_test = load_mnist_test()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=x_test, y=y_test)
    return _MEMORISER.format(data=base64.b64encode(buffer.getvalue()).decode("ascii"), euclidean=euclidean)


MEMORISERS = {"memorised_test_set": True, "memorised_test_set_dot": False}   # name -> euclidean


def planted_memoriser(folder: Path, name: str = "memorised_test_set") -> Path:
    """The solution notebook with its training cell replaced by :func:`memorised_test_set` (see MEMORISERS)."""
    from samples import notebook_with, write

    nb = notebook_with("day97")
    (cell,) = [c for c in nb.cells if FULL_FIT in c.source]
    cell.source = memorised_test_set(MEMORISERS[name])
    return write(folder, name, "day97", nb)


# ---------------------------------------------------------------- running one check directly (days 97 and 98)

def check_functions(exercise) -> dict:
    """check id -> (function, "public" or "hidden", target function name), from both check files."""
    import importlib.util

    found = {}
    for side, path in (("public", exercise.public_checks), ("hidden", exercise.hidden_checks)):
        spec = importlib.util.spec_from_file_location(f"{exercise.id}_{side}_checks_direct", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, fn in vars(module).items():
            if name.startswith("test_") and callable(fn):
                target = [m.args[0] for m in getattr(fn, "pytestmark", ()) if m.name == "target"][0]
                found[name.removeprefix("test_")] = (fn, side, target)
    return found


def outcome(fn, learner, check_id: str, seed: int):
    """(status, message key or None, message Text or None) of one check, its fixtures made as the plugin makes
    them (``moved_rng`` as day97's public file makes it)."""
    import inspect
    import zlib

    import numpy as np
    import pytest

    from grader.checks import CheckFailed
    from grader.learner import LearnerProblem
    from grader.mnist import moved_generator
    from grader.results import Status

    fixtures = {"learner": learner, "measure": lambda name, value: None, "moved_rng": moved_generator(seed),
                "rng": np.random.default_rng([seed, zlib.crc32(f"test_{check_id}".encode())])}
    try:
        fn(**{name: fixtures[name] for name in inspect.signature(fn).parameters})
    except CheckFailed as failure:
        return Status.FAILED, failure.key, failure.text
    except LearnerProblem as problem:
        return problem.status, None, problem.text
    except pytest.skip.Exception as skipped:
        return Status.SKIPPED, None, getattr(skipped, "text", None)
    return Status.PASSED, None, None


def disagreements(outcomes: dict, pairs: tuple) -> list:
    """(public check, hidden check, public's key, hidden's key) for each pair of counterpart checks (the same
    judgement, public inputs and fresh random ones) that both named a mistake, and named different ones."""
    found = []
    for public, hidden in pairs:
        if public in outcomes and hidden in outcomes:
            keys = outcomes[public][1], outcomes[hidden][1]
            if None not in keys and keys[0] != keys[1]:
                found.append((public, hidden, *keys))
    return found
