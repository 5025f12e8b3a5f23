"""day97's judgements, shared by its public and hidden checks: scaled images, label formats, the loss that
matches them, and the trained model's accuracy on the real MNIST test set, measured in the grader's process.

The test images never enter the learner's kernel: the model comes out of it (``.keras``, ``safe_mode=True``)
and is evaluated here, on the grader's own copy of the test split, scaled by the reference rule.
"""
from __future__ import annotations

import hashlib
import weakref
import zlib
from dataclasses import dataclass

import numpy as np

from grader.checks import as_numeric_array, expect_array, expect_keras_model, expect_unchanged, fail, remember
from grader.datasets import load_mnist_test
from grader.learner import compile_config, learning_rate, loss_name, optimizer_steps

MAX_RATE = 0.01           # RMSprop/Adam above this (0.001 is usual) jump around instead of settling
UNSCALED_MARGIN = 0.05     # raw pixels doing this much better than scaled ones means training on raw pixels
BATCH = 250                # test images per forward pass (see _forward)
CACHED_MODELS = 8
TRAINED_MIN = 0.5          # test accuracy of a model that was trained at all: 5x chance (one epoch on 6,000: ~0.9)
_ACCURACY: dict[tuple[str, str], "MnistAccuracy"] = {}
_UNMOVED: dict[str, tuple[float, float]] = {}   # fingerprint -> (clean, raw): they do not depend on the run's seed


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
#
# The public test images can be carried inside a notebook and looked up (a Dense layer whose weights are the test
# images, then argmax to the stored labels): accuracy 1.0000 without training. So the accuracy that earns points is
# checked against the same digits moved by one pixel, each in a direction drawn from the run's seed: a convnet
# that learned digits loses about 0.01 (the course notes' convnet: 0.993 -> 0.982-0.984 over seeds 97, 7, 3), a
# pixel lookup 0.055-0.07 (1.0000 -> 0.928-0.945). Points go on min(clean, moved + MOVED_ALLOWANCE), so looking
# up some test images gains at most MOVED_ALLOWANCE minus what moving costs the model. Not closed: a lookup made
# tolerant of small moves (input and templates blurred by a fixed Gaussian Conv2D: 0.98 moved; the test images as
# 28 x 28 Conv2D filters with global max pooling: 1.00); closing that needs digits a learner cannot obtain.

MOVED_ALLOWANCE = 0.02     # what moving every digit one pixel may cost a model that learned digits
DIRECTIONS = np.array([(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)])


@dataclass(frozen=True)
class MnistAccuracy:
    """A model's accuracy on the 10,000 real test images: as they are, moved one pixel, and unscaled."""

    clean: float      # test images scaled by the reference rule
    moved: float      # the same digits, each moved one pixel (8 directions, drawn from the run's seed)
    raw: float        # pixels left in 0..255 (0.0 when not measured: clean >= 0.99)

    @property
    def credited(self) -> float:
        """The accuracy that earns points: the clean one, unless the model falls apart once the digits move."""
        return min(self.clean, self.moved + MOVED_ALLOWANCE)


def moved_generator(seed: int) -> np.random.Generator:
    """The generator of a run's moved digits: one per run seed, shared by the three accuracy checks."""
    return np.random.default_rng([seed, zlib.crc32(b"moved_digits")])


def directions(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2) int offsets (dy, dx), each one of the 8 one-pixel moves, drawn from ``rng``."""
    return DIRECTIONS[rng.integers(0, len(DIRECTIONS), size=n)]


def moved_digits(images: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``images`` (n, H, W) with image i moved by ``offsets[i]`` = (dy, dx) pixels (|dy|, |dx| <= 1), zeros
    coming in at the edge it leaves."""
    h, w = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    moved = np.empty_like(images)
    for dy, dx in np.unique(offsets, axis=0):   # one slice per direction, not one per image
        chosen = np.flatnonzero((offsets[:, 0] == dy) & (offsets[:, 1] == dx))
        moved[chosen] = padded[chosen, 1 - dy:1 - dy + h, 1 - dx:1 - dx + w]
    return moved


def fingerprint(model) -> str:
    """sha256 of a model's architecture and weights: the same model loaded twice gives the same fingerprint."""
    digest = hashlib.sha256(type(model).__name__.encode())
    for layer in model.layers:
        digest.update(f"{type(layer).__name__}:{layer.name}".encode())
    for weights in model.get_weights():
        digest.update(str(weights.shape).encode() + np.ascontiguousarray(weights).tobytes())
    return digest.hexdigest()


INPUT_SHAPES = ((28, 28, 1), (28, 28), (784,))   # the shapes a model may take one MNIST image in


def _fit_input(model, images: np.ndarray) -> np.ndarray:
    """Test images shaped for the model's input, one of ``INPUT_SHAPES`` (an input of any height and width,
    ``(None, None, 1)``, gets (28, 28, 1)), or a failure."""
    shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    fits = [want for want in INPUT_SHAPES if shape is not None and len(shape) == len(want)
            and all(d is None or d == w for d, w in zip(shape, want))]
    if not fits:
        fail("model_input_incompatible", got=(None, *shape) if shape else "unknown")
    return images.reshape((images.shape[0], *fits[0]))


_FORWARD: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # model -> (its layers, compiled forward pass)


def _forward(model):
    """``model(x, training=False)``, on TensorFlow compiled once per model (``tf.function``, traced once per batch
    shape) and kept as long as the model lives, compiled again when its layers change (``check()`` in a notebook
    scores the learner's live model: a ``model.pop()`` and ``model.add(...)`` make another model); eager on another
    backend.

    Scoring the 30,000 images of a model's three measurements (clean, raw pixels, moved) with a small convnet on 2
    CPU cores (2026-12-03, four new models each, best batch size of each way): eager calls of 1,000 images 5.0 s
    wall and 8.9 CPU-seconds, compiled calls of 250 images 1.9 s and 3.6 CPU-seconds, with the same predicted
    classes for every image (``tests/test_day97.py`` compares them)."""
    import keras

    if keras.backend.backend() != "tensorflow":
        return lambda batch: model(batch, training=False)
    layers = tuple(map(id, model.layers))
    if model not in _FORWARD or _FORWARD[model][0] != layers:
        import tensorflow as tf

        learner_model = weakref.ref(model)   # the compiled function must not keep the model alive

        def forward(batch):
            return learner_model()(batch, training=False)

        _FORWARD[model] = layers, tf.function(forward, reduce_retracing=True, autograph=False)
    return _FORWARD[model][1]


def _classes(model, images: np.ndarray) -> np.ndarray:
    """The class ``model`` predicts for each image ((n,) int64), its output's argmax; ``images`` shaped for the
    model by ``_fit_input``."""
    inputs = _fit_input(model, images)
    forward = _forward(model)
    return np.concatenate([np.asarray(forward(inputs[i:i + BATCH])).argmax(axis=-1)
                           for i in range(0, len(inputs), BATCH)])


def _accuracy(model, images: np.ndarray, labels: np.ndarray) -> float:
    return float((_classes(model, images) == labels).mean())


def accuracy_on_test_set(model, rng: np.random.Generator) -> MnistAccuracy:
    """The model's :class:`MnistAccuracy`, the directions of the moved digits drawn from ``rng``; measured once
    per model and directions (the three accuracy checks of a run share one measurement; the same model graded
    again with another seed is only measured again on its moved digits)."""
    images, labels = load_mnist_test()
    offsets = directions(rng, len(images))
    model_key = fingerprint(model)
    key = (model_key, hashlib.sha256(offsets.tobytes()).hexdigest())
    if key not in _ACCURACY:
        scaled, raw = _unmoved(model, model_key)
        moved = _accuracy(model, reference_scale(moved_digits(images, offsets)), labels)
        remember(_ACCURACY, key, MnistAccuracy(clean=scaled, moved=moved, raw=raw), limit=CACHED_MODELS)
    return _ACCURACY[key]


def _unmoved(model, model_key: str) -> tuple[float, float]:
    """(accuracy on the test images scaled by the reference rule, on raw pixels (0.0 when scaled >= 0.99)), measured
    once per model (``fingerprint``): they do not depend on the run's seed."""
    if model_key not in _UNMOVED:
        images, labels = load_mnist_test()
        scaled = _accuracy(model, reference_scale(images), labels)
        raw = _accuracy(model, images.astype("float32")[..., np.newaxis], labels) if scaled < 0.99 else 0.0
        remember(_UNMOVED, model_key, (scaled, raw), limit=CACHED_MODELS)
    return _UNMOVED[model_key]


def expect_trained(model, *, what: str) -> float:
    """``model`` is a Keras model that ``fit`` trained: its optimizer took at least one step
    (:func:`grader.learner.optimizer_steps`; a model filled in by hand, such as one that looks the test images up,
    took none) and its test accuracy is at least ``TRAINED_MIN``, on the test images scaled by the reference rule
    or on raw pixels (a model trained on unscaled images was trained; the scaling checks judge the scaling): that
    accuracy is returned. Otherwise a failure: ``wrong_type`` (not a model), ``model_not_fitted``,
    ``model_input_incompatible``, ``model_not_trained``. The checks of the training (no test data in ``fit``,
    the learning curve) judge ``trained_model()`` with it."""
    expect_keras_model(model, what=what)
    if optimizer_steps(model) < 1:
        fail("model_not_fitted")
    accuracy = max(_unmoved(model, fingerprint(model)))
    if accuracy < TRAINED_MIN:
        fail("model_not_trained", accuracy=accuracy, threshold=TRAINED_MIN)
    return accuracy


def forget() -> None:
    """Drop this process's accuracy measurements: the next model is measured in full even if one with the same
    fingerprint was measured before (benchmarks/grading_overhead.py grades one notebook as if each time a new
    learner's)."""
    _ACCURACY.clear()
    _UNMOVED.clear()


def expect_accuracy(model, accuracy: MnistAccuracy, threshold: float, labels_format: str | None = None) -> float:
    """The credited accuracy of ``model`` (measured as ``accuracy``), or a failure naming why it is below
    ``threshold``: the test images looked up, unscaled pixels, a loss that does not match ``labels_format``
    (``"integer"``/``"one-hot"``, None when unknown), a learning rate too high, or too little training."""
    if accuracy.credited >= threshold:
        return accuracy.credited
    if accuracy.clean >= threshold:      # only the moved digits are missing: the test images were looked up
        fail("accuracy_memorised", clean=accuracy.clean, moved=accuracy.moved, credited=accuracy.credited,
             allowance=MOVED_ALLOWANCE, threshold=threshold)
    if accuracy.raw > accuracy.clean + UNSCALED_MARGIN:
        fail("accuracy_unscaled", accuracy=accuracy.clean, raw=accuracy.raw)
    if labels_format is not None:
        expect_loss_matches(model, labels_format, what="trained_model()")
    rate = learning_rate(compile_config(model))
    if rate is not None and rate > MAX_RATE:
        fail("accuracy_rate_too_high", accuracy=accuracy.clean, rate=rate, threshold=threshold)
    fail("accuracy_below", accuracy=accuracy.credited, threshold=threshold)
