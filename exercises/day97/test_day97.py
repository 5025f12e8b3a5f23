"""Public checks for day97 (train MNIST to 0.99): run them with `pytest exercises/day97`.

The accuracy checks evaluate the model `trained_model()` returns on the real MNIST test set, in this process
(never in your notebook's kernel): 3 points at 0.97, 3 more at 0.98, 4 more at 0.99. The same digits are also
moved by one pixel each (directions drawn from the run's seed): a convnet that learned digits loses about 0.01
there, a model that looked the test images up loses far more, so points go on min(accuracy, moved accuracy + 0.02).
The learning-curve check needs that model trained by `fit` (at least one optimizer step, test accuracy at least 0.5).
More checks (scaling and labels with fresh random inputs, no test data in `fit`) run when your work is graded.
"""
import numpy as np
import pytest

from grader.answers import remembered
from grader.checks import CheckFailed, expect_keras_model, fail
from grader.learner import LearnerProblem
from grader.mnist import (accuracy_on_test_set, check_scale_images, expect_accuracy, expect_loss_matches, expect_trained,
                          label_format, moved_generator)

# Three tiny "images": black, white, and a ramp, as MNIST stores them (uint8, 0-255).
IMAGES = np.stack([np.zeros((28, 28)), np.full((28, 28), 255), np.tile(np.arange(0, 252, 9), (28, 1))]).astype(np.uint8)
LABELS = np.array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9])   # the first ten MNIST test labels
INPUT_SHAPE = (None, 28, 28, 1)


@pytest.mark.points(2)
@pytest.mark.target("scale_images")
def test_scale_images_small_batch(learner):
    check_scale_images(learner, IMAGES)


@pytest.mark.points(1)
@pytest.mark.target("format_labels")
def test_format_labels_integer_or_one_hot(learner):
    label_format(remembered(learner).call("format_labels", LABELS.copy()), LABELS, what="format_labels(labels)")


def convnet(learner):
    model = remembered(learner).call("build_convnet")   # asked once per grading, shared by the checks
    expect_keras_model(model, what="build_convnet()")
    return model


@pytest.mark.points(2)
@pytest.mark.target("build_convnet")
def test_build_convnet_input_and_output(learner):
    model = convnet(learner)
    got_input = tuple(model.inputs[0].shape)
    if got_input != INPUT_SHAPE:
        fail("model_input_shape", expected=INPUT_SHAPE, got=got_input)
    last = model.layers[-1].get_config()
    if last.get("units") != 10:
        fail("model_output_units", got=last.get("units", type(model.layers[-1]).__name__))
    if last.get("activation") != "softmax":
        fail("model_output_activation", got=last.get("activation"))


@pytest.mark.points(2)
@pytest.mark.target("build_convnet")
def test_build_convnet_loss_matches_the_labels(learner):
    labels_format = label_format(remembered(learner).call("format_labels", LABELS.copy()), LABELS,
                                 what="format_labels(labels)")
    expect_loss_matches(convnet(learner), labels_format, what="build_convnet()")


@pytest.fixture
def moved_rng(request):
    """One generator per run for the moved digits, from the run's seed: the three accuracy checks share it."""
    from grader.plugin import SETTINGS
    return moved_generator(request.config.stash[SETTINGS].seed)


def _accuracy_step(learner, measure, rng, threshold):
    model = remembered(learner).call("trained_model")
    expect_keras_model(model, what="trained_model()")
    accuracy = accuracy_on_test_set(model, rng)
    measure("test_accuracy", accuracy.clean)
    measure("moved_test_accuracy", accuracy.moved)
    if accuracy.credited < threshold:    # name the mistake: the loss may not match the labels
        expect_accuracy(model, accuracy, threshold, _labels_format(learner))


def _labels_format(learner):
    """The label format `format_labels` gives, or None when it gives none (its own check says why)."""
    try:
        return label_format(remembered(learner).call("format_labels", LABELS.copy()), LABELS,
                            what="format_labels(labels)")
    except (CheckFailed, LearnerProblem):
        return None


@pytest.mark.points(3)
@pytest.mark.target("trained_model")
def test_test_accuracy_at_least_0_97(learner, measure, moved_rng):
    _accuracy_step(learner, measure, moved_rng, 0.97)


@pytest.mark.points(3)
@pytest.mark.target("trained_model")
def test_test_accuracy_at_least_0_98(learner, measure, moved_rng):
    _accuracy_step(learner, measure, moved_rng, 0.98)


@pytest.mark.points(4)
@pytest.mark.target("trained_model")
def test_test_accuracy_at_least_0_99(learner, measure, moved_rng):
    _accuracy_step(learner, measure, moved_rng, 0.99)


@pytest.mark.points(1)
@pytest.mark.target("training_history")
def test_training_history_has_a_learning_curve(learner, measure):
    history = learner.call("training_history")
    what = "training_history()"
    if not isinstance(history, dict) or not history:
        fail("history_not_dict", what=what, got=type(history).__name__)
    curves = {k: v for k, v in history.items() if isinstance(v, (list, tuple)) and v
              and all(isinstance(x, (int, float)) for x in v)}
    if "accuracy" not in curves or "loss" not in curves:
        fail("history_no_accuracy", keys=", ".join(sorted(history)) or "none")
    for name in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if name in curves:
            measure(name, [float(x) for x in curves[name]])
    # the curve of a model that learned: a made-up history beside an untrained model earns nothing
    expect_trained(remembered(learner).call("trained_model"), what="trained_model()")
