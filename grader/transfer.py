"""What the day98 checks (VGG16 transfer learning) share: independent references and model inspection.

No ImageNet weights are needed. The references build VGG16's convolutional base with ``weights=None``, fill it
with random weights drawn from the check's ``rng``, and hand the learner's functions the path of that weights
file (``VGG16``'s ``weights`` argument accepts a path), so the learner's features can be compared with the
reference's, value for value. Learner models are looked at only through Keras's public API: layer names and
classes, ``trainable_weights``, output shapes, and the compile settings saved with the model
(:func:`grader.learner.compile_config`).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import tempfile
import weakref
from pathlib import Path

import numpy as np

from grader import datasets, messages
from grader.checks import as_numeric_array, expect_keras_model, fail, remember
from grader.learner import LearnerProblem, NotAttempted, compile_config, learning_rate, loss_name, optimizer_steps

INPUT_SHAPE = (32, 32, 3)                               # the smallest images VGG16 accepts
MEANS_BGR = np.array([103.939, 116.779, 123.68])        # ImageNet channel means, in VGG16's BGR order
CONVS = ("block1_conv1", "block1_conv2", "block2_conv1", "block2_conv2", "block3_conv1", "block3_conv2",
         "block3_conv3", "block4_conv1", "block4_conv2", "block4_conv3", "block5_conv1", "block5_conv2",
         "block5_conv3")
TOP_BLOCK = ("block5_conv1", "block5_conv2", "block5_conv3")
TOP_LAYERS = ("fc1", "fc2", "predictions", "flatten")    # VGG16's own classifier (include_top=True)
HEAD_RATE = 1e-3                                        # the rate the reference model is compiled with
FINE_TUNE_MAX_RATE = 1e-4
HEAD_ACCURACY_MIN = 0.5                                 # 5x chance; the reference head: 0.72-0.78 (10 draws)
CACHED_FEATURES = 16        # reference feature arrays kept per process (a few images each)
AUGMENTATION = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                "RandomCrop", "RandomBrightness")


# ---------------------------------------------------------------- references

def reference_prepare(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) grey -> (n, 32, 32, 3) float32: 2 zeros on every side, grey repeated into R, G and B."""
    padded = np.pad(np.asarray(images, np.float32), ((0, 0), (2, 2), (2, 2)))
    return np.stack([padded] * 3, axis=-1)


def reference_preprocess(images: np.ndarray) -> np.ndarray:
    """VGG16's "caffe" preprocessing written out: RGB -> BGR, minus the ImageNet means (no scaling)."""
    return (np.asarray(images, np.float64)[..., ::-1] - MEANS_BGR).astype(np.float32)


def random_base(rng: np.random.Generator, input_shape=INPUT_SHAPE, *, reuse: bool = False):
    """VGG16's convolutional base with Glorot-uniform random weights drawn from ``rng`` (zero biases).

    ``reuse``: the one such model of this process for ``input_shape`` (building VGG16 takes 0.7 s), its weights
    replaced and its predict function traced afresh, as a new model's would be. What an earlier caller got changes
    with it, so a check must be done with it before another check asks (the hidden checks, one after another).

    The base remembers what drew its weights (``rng``'s state before the draw, and ``input_shape``): the weights
    are a function of it, so :func:`features` can key its memory on it instead of 59 MB of weights."""
    draw = (tuple(input_shape), repr(rng.bit_generator.state))
    base = _reused_base(tuple(input_shape)) if reuse else _new_base(tuple(input_shape))
    for layer in base.layers:
        if layer.weights:
            kernel, bias = layer.get_weights()
            limit = np.sqrt(6 / (np.prod(kernel.shape[:3]) + np.prod(kernel.shape[:2]) * kernel.shape[3]))
            layer.set_weights([rng.uniform(-limit, limit, kernel.shape).astype(np.float32), np.zeros_like(bias)])
    base.predict_function = None   # what Keras's compile() does: the next predict() traces for this model anew
    _DRAWS[base] = draw
    return base


_DRAWS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # a random base -> what drew its weights
_FEATURES: dict = {}   # (draw, inputs' shape, dtype and digest) -> the base's features


def _new_base(input_shape: tuple):
    from keras.applications import vgg16

    return vgg16.VGG16(weights=None, include_top=False, input_shape=input_shape)


@functools.lru_cache(maxsize=1)
def _reused_base(input_shape: tuple):
    return _new_base(input_shape)


@contextlib.contextmanager
def shared_folder(learner):
    """A temporary folder the learner's kernel can read and cannot change (see ``KernelLearner.shared_folder``);
    removed afterwards."""
    opener = getattr(learner, "shared_folder", tempfile.TemporaryDirectory)  # a learner without a kernel: any
    with opener() as folder:  # the grader's own folder, never in the kernel's working copy
        yield Path(folder)


def weights_file(base, folder: Path) -> str:
    """Save ``base``'s weights where the learner's kernel can read them; the path for ``VGG16(weights=...)``."""
    path = Path(folder) / "vgg16-random.weights.h5"
    base.save_weights(path)
    path.chmod(0o644)
    return str(path)


def features(base, inputs: np.ndarray) -> np.ndarray:
    """``base``'s output for ``inputs`` ((n, height, width, 3) float32, preprocessed): (n, h, w, 512) float32.

    A base from :func:`random_base` is computed once per process for each draw of its weights and each input
    (shape, dtype and bytes; ``CACHED_FEATURES`` kept): its weights follow from the run's seed and the check's
    name, so a class graded with one seed (``grader batch``) computes the extract_features checks' references
    (the features and those of three known mistakes) once per worker rather than once per submission. Each caller
    gets its own copy."""
    draw = _DRAWS.get(base)
    if draw is None:
        return _predicted(base, inputs)
    inputs = np.ascontiguousarray(inputs)
    key = (draw, inputs.shape, inputs.dtype.str, hashlib.blake2b(inputs.data, digest_size=16).hexdigest())
    if key not in _FEATURES:
        remember(_FEATURES, key, _predicted(base, inputs), limit=CACHED_FEATURES)
    return _FEATURES[key].copy()


def forget() -> None:
    """Drop this process's reference features (tests and benchmarks that measure them from scratch)."""
    _FEATURES.clear()


def _predicted(base, inputs: np.ndarray) -> np.ndarray:
    return np.asarray(base.predict(inputs, batch_size=250, verbose=0))


def standardization(train: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) per feature of ``train`` (n, d), a std of almost nothing taken as 1: what standardizes features.

    A random-weights VGG16 maps all images to nearly the same direction, tiny and badly scaled; real ImageNet
    features are not like that. Standardizing gives the learner's head features it can learn from in a few
    epochs, so the check measures the head, not the random weights."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    return mean.astype(np.float32), np.where(std > 1e-6 * std.max(), std, 1.0).astype(np.float32)


# ---------------------------------------------------------------- the head check's features

HEAD_BASE_SEED = 98     # the draw of the random VGG16 base whose features the head check trains heads on
HEAD_DIM = 512          # VGG16's last block: (1, 1, 512) features for a 32 x 32 image


def head_raw_features(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) grey images -> (n, 512) float32 features of the fixed random base (``HEAD_BASE_SEED``)."""
    # not through `features` (its memory per draw): head_features keeps these once per process
    base = random_base(np.random.default_rng(HEAD_BASE_SEED), reuse=True)
    return _predicted(base, reference_preprocess(reference_prepare(images))).reshape(len(images), HEAD_DIM)


def computed_head_features(x_train: np.ndarray, x_test: np.ndarray) -> dict[str, np.ndarray]:
    """What ``datasets/fashion-mnist/fashion-vgg16-random-features.npz`` holds, computed: ``train`` (2000, 512)
    and ``test`` (500, 512) float16, standardized with the training features' ``mean`` and ``std`` ((512,)
    float32, kept so that a row can be checked against its computation). 2,500 images through VGG16: 15-26 s on
    2 cores (2026-12-03)."""
    train, test = head_raw_features(x_train), head_raw_features(x_test)
    mean, std = standardization(train)
    return {"train": ((train - mean) / std).astype(np.float16), "test": ((test - mean) / std).astype(np.float16),
            "mean": mean, "std": std}


@functools.lru_cache(maxsize=1)
def head_features() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """((train, train labels), (test, test labels)): the Fashion-MNIST subset's features through the fixed base,
    standardized, (2000, 512) and (500, 512) float32, labels (n,) uint8 0-9; all read-only (one copy per process).

    Read from the shipped file (:data:`grader.datasets.HEAD_FEATURES`, sha256 checked) when there is one, else
    computed (:func:`computed_head_features`, the same numbers): the file spares each grading process the 2,500
    images through VGG16."""
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_subset()
    path = datasets.find(datasets.HEAD_FEATURES)
    if path is None:
        stored = computed_head_features(x_train, x_test)
    else:
        with np.load(path, allow_pickle=False) as npz:
            stored = {key: npz[key] for key in ("train", "test")}
    train, test = (stored[key].astype(np.float32) for key in ("train", "test"))
    if train.shape != (len(y_train), HEAD_DIM) or test.shape != (len(y_test), HEAD_DIM):
        raise ValueError(f"head features of shapes {train.shape} and {test.shape} for {len(y_train)} and "
                         f"{len(y_test)} images")
    if not (np.isfinite(train).all() and np.isfinite(test).all()):
        raise ValueError("head features that are not finite (a float16 overflow?): rebuild them")
    for array in (train, y_train, test, y_test):
        array.flags.writeable = False
    return (train, y_train), (test, y_test)


def balanced_draw(rng: np.random.Generator, labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of ``per_class`` samples of each class 0-9 of ``labels``, drawn without replacement from ``rng``,
    in a shuffled order: (10 * per_class,) int64. Raises ValueError when a class has fewer."""
    pick = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in range(10)])
    rng.shuffle(pick)
    return pick


def head_check_data(rng: np.random.Generator, per_class: int):
    """The head check's inputs for one run: ((train, labels), (test, labels)), features (n, 1, 1, 512) float32 as
    ``extract_features`` gives for 32 x 32 images.

    ``per_class`` training features of each class drawn from the 200 (:func:`balanced_draw`, the first thing drawn
    from ``rng``) and all 500 test features, through a fresh random dense ReLU layer drawn from ``rng`` (512 -> 512,
    Gaussian weights of variance 1/512, no bias: the random base's top made anew each run, as the extract_features
    check draws a whole random base), standardized again with the drawn training features' statistics. The shipped
    features are fixed, what the learner's head sees is not: a head built to recognise the shipped test features
    cannot find them, and one that learns does about as well (the notebook's head over 10 draws: 0.720-0.778 test
    accuracy, against 0.756-0.786 on the shipped features merely rotated; with shuffled labels 0.09-0.13)."""
    (train, y_train), (test, y_test) = head_features()
    pick = balanced_draw(rng, y_train, per_class)
    top = (rng.standard_normal((HEAD_DIM, HEAD_DIM)) / np.sqrt(HEAD_DIM)).astype(np.float32)
    drawn, test = (np.maximum(x @ top, 0) for x in (train[pick], test))
    mean, std = standardization(drawn)
    shape = (-1, 1, 1, HEAD_DIM)
    return (((drawn - mean) / std).reshape(shape), y_train[pick]), (((test - mean) / std).reshape(shape), y_test)


@functools.lru_cache(maxsize=1)
def reference_end_to_end_file() -> bytes:
    """The ``.keras`` file of :func:`reference_end_to_end` (59 MB), built and saved once per process: what
    :func:`fine_tuning` hands the learner's kernel (only its layers' trainability and compile settings are judged,
    never its random initial weights)."""
    with tempfile.TemporaryDirectory(prefix="grader-end-to-end-") as folder:
        path = Path(folder) / "end_to_end.keras"
        reference_end_to_end().save(path)
        return path.read_bytes()


def reference_end_to_end(weights=None):
    """The notebook's method-2 model (augmentation, preprocess_input, frozen base "vgg16", head), compiled."""
    import keras
    from keras import layers
    from keras.applications import vgg16

    base = vgg16.VGG16(weights=weights, include_top=False, input_shape=INPUT_SHAPE)
    base.trainable = False
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)], name="augmentation")(inputs)
    x = base(vgg16.preprocess_input(x))
    x = layers.Dropout(0.5)(layers.Dense(256, activation="relu")(layers.Flatten()(x)))
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x), name="reference_end_to_end")
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=HEAD_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


# ---------------------------------------------------------------- calling the learner

def prepared_call(learner, images: np.ndarray, *, what: str) -> np.ndarray:
    """``prepare_images(images)``, checked for shape, dtype and values against the reference."""
    call = learner.run("prepare_images", images.copy())
    got, want = call.value, reference_prepare(images)
    expect_prepared(got, want, what=what)
    if call.args_after[0] is not None and not np.array_equal(call.args_after[0], images):
        fail("input_mutated", function="prepare_images", arg="images")
    return got


def preprocessed_call(learner, images: np.ndarray, *, what: str) -> None:
    """``preprocess(images)``: VGG16's preprocessing, on a copy (the argument left as it was)."""
    call = learner.run("preprocess", images.copy())
    expect_preprocessed(call.value, images, what=what)
    if call.args_after[0] is not None and not np.array_equal(call.args_after[0], images):
        fail("transfer_preprocess_in_place")


def architecture(learner, name: str, *args, **kwargs):
    """``learner.call(name, *args, **kwargs)`` for a check that judges the model it returns by its layers, shapes,
    trainability and compile settings, never by its weight values: the model crosses without its weights
    (:meth:`grader.learner.KernelLearner.without_weights`; a learner without a kernel hands its live model)."""
    with getattr(learner, "without_weights", contextlib.nullcontext)():
        return learner.call(name, *args, **kwargs)


def fine_tuning(learner, **kwargs):
    """The learner's ``unfreeze_top_block`` applied to :func:`reference_end_to_end`, through the notebook's
    ``fine_tuning_from_file``.

    Asked every time, never remembered (:mod:`grader.answers`): loading the model draws from the kernel's seeded
    generator, and the 0-point ImageNet check trains after it."""
    with shared_folder(learner) as folder:
        path = folder / "end_to_end.keras"
        path.write_bytes(reference_end_to_end_file())
        path.chmod(0o644)
        try:
            return architecture(learner, "fine_tuning_from_file", str(path), **kwargs)
        except NotAttempted:
            raise NotAttempted(messages.text("not_attempted", function="unfreeze_top_block")) from None


def trained_head(learner, train: np.ndarray, labels: np.ndarray, *, epochs: int, what: str):
    """``train_head(train, labels, epochs=epochs)`` -> (model, per-epoch curves).

    The model must have been fitted: its optimizer took at least one step per epoch
    (:func:`grader.learner.optimizer_steps`), else ``transfer_head_not_fitted`` (a head returned as built, with
    a history written by hand, is not a trained head)."""
    value = learner.call("train_head", train, labels, epochs=epochs)
    model, curves = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value, {})
    expect_keras_model(model, what=f"{what}[0]")
    steps = optimizer_steps(model)
    if steps < epochs:
        fail("transfer_head_not_fitted", what=f"{what}[0]", steps=steps, epochs=epochs)
    curves = {k: [float(x) for x in v] for k, v in curves.items()
              if isinstance(v, list) and all(isinstance(x, (int, float)) for x in v)} if isinstance(curves, dict) else {}
    return model, curves


def accuracy(model, inputs: np.ndarray, labels: np.ndarray, *, what: str) -> float:
    try:
        probabilities = np.asarray(model.predict(inputs, batch_size=250, verbose=0))
    except Exception as error:  # noqa: BLE001 - the learner's model could not run on the features
        raise LearnerProblem(messages.text("transfer_head_unusable", what=what, error=str(error)[:200])) from None
    if probabilities.shape != (len(labels), 10):
        fail("wrong_shape", what=f"{what}.predict(features)", expected=(len(labels), 10), got=probabilities.shape)
    return float(np.mean(probabilities.argmax(axis=1) == labels))


# ---------------------------------------------------------------- expectations

def expect_prepared(got, want: np.ndarray, *, what: str) -> None:
    n = want.shape[0]
    shapes = {(n, 32, 32, 1): "transfer_one_channel", (n, 32, 32): "transfer_one_channel",
              (n, 28, 28, 3): "transfer_not_padded", (n, 3, 32, 32): "transfer_channels_first"}
    if isinstance(got, np.ndarray) and got.shape != want.shape and got.shape in shapes:
        fail(shapes[got.shape], what=what, expected=want.shape, got=got.shape)
    got_values = as_numeric_array(got, what=what)
    if got_values.shape != want.shape:
        fail("wrong_shape", what=what, expected=want.shape, got=got_values.shape)
    if getattr(got, "dtype", None) != np.float32:
        fail("transfer_not_float32", what=what, got=str(getattr(got, "dtype", type(got).__name__)))
    if np.allclose(got_values, want / 255, atol=1e-4):
        fail("transfer_prepare_scaled", what=what)
    if not np.allclose(got_values, want, atol=1e-3):
        fail("transfer_prepare_values", what=what)


def preprocess_mistakes(images: np.ndarray) -> dict:
    """What known wrong preprocessings give for RGB ``images`` (0-255)."""
    x = np.asarray(images, np.float64)
    return {
        "transfer_preprocess_scaled": [x / 255, (x / 255)[..., ::-1] - MEANS_BGR],
        "transfer_preprocess_no_swap": [x - MEANS_BGR, x - MEANS_BGR[::-1]],
        "transfer_preprocess_no_means": [x[..., ::-1]],
        "transfer_preprocess_other_mode": [x / 127.5 - 1,
                                           (x / 255 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]],
    }


def expect_preprocessed(got, images: np.ndarray, *, what: str) -> None:
    want = reference_preprocess(images)
    got = as_numeric_array(got, what=what)
    if got.shape != want.shape:
        fail("wrong_shape", what=what, expected=want.shape, got=got.shape)
    if np.allclose(got, want, atol=1e-3):
        return
    for key, variants in preprocess_mistakes(images).items():
        if any(np.allclose(got, v, atol=1e-3) for v in variants):
            fail(key, what=what)
    fail("transfer_preprocess_values", what=what)


def expect_features(got, want: np.ndarray, *, what: str, mistakes: dict) -> None:
    """``got`` must match the reference features; ``mistakes`` maps a message key to a list of variants."""
    got = as_numeric_array(got, what=what)
    if got.shape != want.shape:
        fail("wrong_shape", what=what, expected=want.shape, got=got.shape)
    if not np.all(np.isfinite(got)):
        fail("not_finite", what=what)
    scale = max(1.0, float(np.abs(want).max()))
    close = lambda a, b: np.allclose(a, b, rtol=1e-3, atol=1e-3 * scale)  # noqa: E731
    if close(got, want):
        return
    for key, variants in mistakes.items():
        if any(close(got, variant) for variant in variants):
            fail(key, what=what)
    fail("transfer_features_values", what=what)


def feature_mistakes(base, prepared: np.ndarray) -> dict:
    """The features known wrong preprocessings of ``prepared`` (RGB 0-255) give, for :func:`expect_features`."""
    return {"transfer_features_scaled": [features(base, prepared / 255),
                                         features(base, reference_preprocess(prepared / 255))],
            "transfer_features_no_swap": [features(base, prepared - MEANS_BGR[::-1])]}


def all_layers(model) -> list:
    """Every layer, nested models' layers included (depth first)."""
    found = []
    for layer in model.layers:
        found.append(layer)
        if hasattr(layer, "layers"):
            found.extend(all_layers(layer))
    return found


def trainable_layer_names(model) -> list[str]:
    """Names of the layers owning at least one of ``model.trainable_weights`` (what training would change)."""
    trainable = {id(w) for w in model.trainable_weights}
    return [layer.name for layer in all_layers(model)
            if not hasattr(layer, "layers") and any(id(w) in trainable for w in layer.weights)]


def base_trainable(model) -> tuple[list[str], int]:
    """(trainable VGG16 conv layers, number of trainable weight tensors among them)."""
    trainable = {id(w) for w in model.trainable_weights}
    layers = [layer for layer in all_layers(model) if layer.name in CONVS]
    names = [layer.name for layer in layers if any(id(w) in trainable for w in layer.weights)]
    return names, sum(id(w) in trainable for layer in layers for w in layer.weights)


def expect_vgg16_base(model, *, what: str) -> None:
    names = {layer.name for layer in all_layers(model)}
    if not set(CONVS) <= names:
        fail("transfer_not_vgg16", what=what, missing=sorted(set(CONVS) - names)[:4])


def expect_frozen(model, *, what: str, end_to_end: bool = False) -> None:
    if not end_to_end and model.trainable_weights:   # a base alone: nothing at all may be trainable
        fail("transfer_base_not_frozen", what=what, count=len(model.trainable_weights),
             layers=len(trainable_layer_names(model)))
    names, tensors = base_trainable(model)
    if names:
        fail("transfer_base_not_frozen", what=what, count=tensors, layers=len(names))
    if end_to_end and not model.trainable_weights:
        fail("transfer_head_frozen", what=what)


def expect_base_only(model, *, what: str) -> None:
    expect_vgg16_base(model, what=what)
    top = [layer.name for layer in all_layers(model) if layer.name in TOP_LAYERS or type(layer).__name__ == "Dense"]
    if top:
        fail("transfer_base_has_top", what=what, layers=top[:3])


def expect_top_block_only(model, *, what: str) -> None:
    expect_vgg16_base(model, what=what)
    names, tensors = base_trainable(model)
    if set(names) == set(TOP_BLOCK) and tensors == 6:
        return
    if set(names) == set(CONVS):
        fail("transfer_whole_base_unfrozen", what=what, count=tensors)
    if not names:
        fail("transfer_top_block_frozen", what=what)
    fail("transfer_wrong_layers_unfrozen", what=what, got=names, expected=list(TOP_BLOCK))


def expect_head_trainable(model, *, what: str) -> None:
    head = [name for name in trainable_layer_names(model) if name not in CONVS]
    if not head:
        fail("transfer_head_frozen", what=what)


def saved_rate(model, *, what: str) -> float:
    config = compile_config(model)
    if config is None:
        fail("transfer_not_compiled", what=what)
    rate = learning_rate(config)
    if rate is None:
        fail("transfer_rate_unknown", what=what)
    return rate


def expect_fine_tune_rate(model, *, what: str, asked: float | None = None, before: float = HEAD_RATE) -> float:
    """Recompiled (the rate is no longer ``before``), at the rate ``asked`` for when one was passed, else at a
    rate of at most 1e-4: the one diagnosis of ``unfreeze_top_block``'s compile settings, public and hidden."""
    rate = saved_rate(model, what=what)
    if abs(rate - before) <= 1e-6 * before:        # saved as float32: 0.0010000000475
        fail("transfer_no_recompile", what=what, got=f"{rate:g}")
    if asked is not None and abs(rate - asked) > 1e-6 * asked:
        fail("transfer_rate_ignored", what=what, expected=f"{asked:.3g}", got=f"{rate:g}")
    if rate > FINE_TUNE_MAX_RATE * (1 + 1e-6):
        fail("transfer_rate_too_high", what=what, got=f"{rate:g}")
    return rate


def expect_built(model, *, what: str) -> None:
    """``model`` has inputs and outputs: a keras.Sequential without keras.Input has neither (Keras has not built
    it and knows none of its shapes), which is named rather than stumbled on."""
    try:
        model.inputs[0].shape, model.outputs[0].shape
    except (AttributeError, IndexError, TypeError, ValueError):
        fail("transfer_not_built", what=what)


def output_shape(model, *, what: str) -> tuple:
    """``model``'s output shape, ``(None, ...)``; a failure when it has none (:func:`expect_built`)."""
    expect_built(model, what=what)
    return tuple(model.outputs[0].shape)


def expect_classifier_output(model, *, what: str) -> None:
    shape = output_shape(model, what=what)
    if shape != (None, 10):
        fail("wrong_shape", what=f"{what} output", expected=(None, 10), got=shape)
    weighted = [layer for layer in all_layers(model) if layer.weights]
    last = weighted[-1] if weighted else None
    config = last.get_config() if last is not None else {}
    if type(last).__name__ != "Dense" or config.get("units") != 10 or config.get("activation") != "softmax":
        fail("transfer_last_layer", what=what, got=f"{type(last).__name__} {config.get('units')} "
                                                   f"{config.get('activation')}")


def expect_compiled_for_integer_labels(model, *, what: str) -> None:
    config = compile_config(model)
    if config is None:
        fail("transfer_not_compiled", what=what)
    loss = loss_name(config)
    if loss != "sparse_categorical_crossentropy":
        fail("transfer_wrong_loss", what=what, got=loss)


def expect_input_shape(model, shape: tuple, *, what: str) -> None:
    expect_built(model, what=what)
    got = tuple(model.inputs[0].shape)
    if got != (None, *shape):
        fail("wrong_shape", what=f"{what} input", expected=(None, *shape), got=got)


def expect_augmentation(model, *, what: str) -> None:
    classes = {type(layer).__name__ for layer in all_layers(model)}
    if "Rescaling" in classes:
        fail("transfer_rescaling_in_model", what=what)
    if not classes & set(AUGMENTATION):
        fail("transfer_no_augmentation", what=what)
