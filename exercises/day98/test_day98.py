"""Public checks for day98 (VGG16 transfer learning): run them with `pytest exercises/day98`.

No ImageNet weights are needed: the checks call your functions with `weights=None`, or with the path of a file of
random VGG16 weights they wrote (VGG16's `weights` argument accepts a path), and compare with their own reference
built from the same weights. So pass `weights` on to VGG16. More checks (fresh random images, sizes and weights, and a
classifier trained on features that must clearly beat chance) run when your work is graded.
"""
import numpy as np
import pytest

from grader import transfer
from grader.checks import expect_keras_model, fail

# Three small grey "images" as Fashion-MNIST stores them (uint8, 0-255): black, a ramp, a bright square.
IMAGES = np.stack([np.zeros((28, 28)), np.tile(np.arange(0, 252, 9), (28, 1)),
                   np.pad(np.full((12, 12), 200), 8)]).astype(np.uint8)
# Two RGB pixels whose red and blue differ: pure red, and (10, 200, 30) / (128, 64, 250).
RED_BLUE = np.array([[[[255, 0, 0], [0, 0, 255]], [[10, 200, 30], [128, 64, 250]]]], np.float32)
# VGG16's feature maps for input sizes (the slides' cats and dogs are 180 x 180).
FEATURE_SHAPES = {32: (1, 1, 512), 64: (2, 2, 512), 150: (4, 4, 512), 180: (5, 5, 512)}


@pytest.mark.points(1)
@pytest.mark.target("prepare_images")
def test_prepare_images_pads_and_repeats(learner):
    transfer.prepared_call(learner, IMAGES, what="prepare_images(images)")


@pytest.mark.points(2)
@pytest.mark.target("preprocess")
def test_preprocess_red_and_blue_differ(learner):
    transfer.preprocessed_call(learner, RED_BLUE, what="preprocess(images)")


@pytest.mark.points(2)
@pytest.mark.target("build_conv_base")
def test_build_conv_base_is_frozen(learner):
    what = "build_conv_base((32, 32, 3), weights=None)"
    base = transfer.architecture(learner, "build_conv_base", [32, 32, 3], weights=None)
    expect_keras_model(base, what=what)
    transfer.expect_base_only(base, what=what)
    transfer.expect_frozen(base, what=what)   # len(base.trainable_weights) == 0


@pytest.mark.points(1)
@pytest.mark.target("build_conv_base")
def test_build_conv_base_feature_shapes(learner):
    got = {}
    for size, want in FEATURE_SHAPES.items():
        what = f"build_conv_base(({size}, {size}, 3), weights=None)"
        base = transfer.architecture(learner, "build_conv_base", [size, size, 3], weights=None)
        expect_keras_model(base, what=what)
        got[size] = transfer.output_shape(base, what=what)[1:]
        if got[size] != want:
            if len(set(got.values())) == 1 and size != 32:
                fail("transfer_input_shape_ignored", what=what, got=got[size])
            fail("wrong_shape", what=f"{what} output", expected=(None, *want), got=(None, *got[size]))


_BASE = {}


def fixed_random_base():
    """One random-weights base for the public checks (the same every run)."""
    if "base" not in _BASE:
        _BASE["base"] = transfer.random_base(np.random.default_rng(98))
    return _BASE["base"]


@pytest.mark.points(1)
@pytest.mark.target("extract_features")
def test_extract_features_with_given_weights(learner):
    base = fixed_random_base()
    prepared = transfer.reference_prepare(IMAGES)
    want = transfer.features(base, transfer.reference_preprocess(prepared))
    mistakes = transfer.feature_mistakes(base, prepared)
    with transfer.shared_folder(learner) as folder:
        got = learner.call("extract_features", IMAGES.copy(), weights=transfer.weights_file(base, folder))
    transfer.expect_features(got, want, what="extract_features(images, weights=<random weights file>)",
                             mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.target("build_head")
def test_build_head_classifies_ten_classes(learner):
    for shape in ((1, 1, 512), (5, 5, 512)):
        what = f"build_head({shape})"
        head = transfer.architecture(learner, "build_head", list(shape))
        expect_keras_model(head, what=what)
        transfer.expect_input_shape(head, shape, what=what)
        transfer.expect_classifier_output(head, what=what)
        transfer.expect_compiled_for_integer_labels(head, what=what)


@pytest.mark.points(1)
@pytest.mark.target("train_head")
def test_train_head_returns_model_and_history(learner):
    rng = np.random.default_rng(98)
    features = rng.normal(size=(64, 1, 1, 512)).astype(np.float32)
    labels = np.arange(64) % 10
    what = "train_head(features, labels, epochs=2)"
    head, curves = transfer.trained_head(learner, features, labels, epochs=2, what=what)
    transfer.expect_classifier_output(head, what=f"{what}[0]")
    if len(curves.get("loss", [])) != 2:
        fail("wrong_value", what=f"len({what}[1][\"loss\"])", expected=2, got=len(curves.get("loss", [])))


@pytest.mark.points(2)
@pytest.mark.target("build_end_to_end")
def test_build_end_to_end_augments_and_freezes(learner):
    what = "build_end_to_end(weights=None)"
    model = transfer.architecture(learner, "build_end_to_end", weights=None)
    expect_keras_model(model, what=what)
    transfer.expect_input_shape(model, transfer.INPUT_SHAPE, what=what)
    transfer.expect_augmentation(model, what=what)
    transfer.expect_vgg16_base(model, what=what)
    transfer.expect_frozen(model, what=what, end_to_end=True)
    transfer.expect_classifier_output(model, what=what)
    transfer.expect_compiled_for_integer_labels(model, what=what)


@pytest.mark.points(2)
@pytest.mark.target("unfreeze_top_block")
def test_unfreeze_top_block_only_block5(learner):
    what = "unfreeze_top_block(model)"
    model = transfer.fine_tuning(learner)
    expect_keras_model(model, what=what)
    transfer.expect_top_block_only(model, what=what)
    transfer.expect_fine_tune_rate(model, what=what)
