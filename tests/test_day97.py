"""day97 end to end: the reference reaches 0.99 and full marks, the stub is not attempted, each planted mistake is
named; the kernel never sees the real test split; and the checks' building blocks on their own.

Training-heavy tests are marked ``training`` (``pytest -m "not training"`` skips them on a laptop; CI runs them).
"""
import functools

import numpy as np
import pytest

from grader import datasets
from grader import exercise as exercises
from grader import mnist
from grader.checks import CheckFailed
from grader.learner import Call
from grader.grading import collect_checks, grade
from grader import fit_scan
from grader.fit_scan import fit_calls_with_test_data
from grader.results import Status
from grader.session import Session
from samples import notebook_with, write
from samples_day97 import MEMORISERS, check_functions, disagreements, outcome, planted, planted_memoriser

DAY = "day97"
POINTS = 23
EXERCISE = exercises.get(DAY)


def by_id(result):
    return {c.id: c for e in result.exercises for c in e.checks}


SEEDS = (97, 7, 3)
ACCURACY_CHECKS = ("test_accuracy_at_least_0_97", "test_accuracy_at_least_0_98", "test_accuracy_at_least_0_99")


@pytest.mark.training
def test_solution_scores_full_marks_over_three_seeds_and_keeps_its_accuracy_when_digits_move():
    """The solution notebook runs (and trains) once; its checks, hidden included, then run with three seeds.

    The notebook fixes its own training seed (``SEED = 97``), so the run seed changes only what the checks draw: the
    directions of the moved test digits and the hidden checks' random inputs. Training once and grading three
    times is therefore the same as grading three times, at a third of the cost.
    """
    with Session(EXERCISE, EXERCISE.solution, seed=SEEDS[0]) as session:
        execution = session.execution
        assert execution.failures == () and execution.cells_run == execution.cells_total, execution.failures
        for seed in SEEDS:
            collector = collect_checks(EXERCISE, session.learner, seed=seed, hidden=True, lang="en")
            score = sum(c.score for c in collector.results)
            assert score == POINTS, (seed, [(c.id, c.message) for c in collector.results if c.score < c.max_score])
            clean, moved = collector.metrics["test_accuracy"], collector.metrics["moved_test_accuracy"]
            assert clean >= 0.99 and moved + mnist.MOVED_ALLOWANCE >= 0.99 and moved < clean, (seed, clean, moved)
            assert len(collector.curves["val_accuracy"]) == len(collector.curves["accuracy"]) == 5


@pytest.mark.parametrize("name", sorted(MEMORISERS))
def test_memorised_test_set_earns_no_accuracy_points(tmp_path, name):
    """Issue 11, kind 7: a notebook carrying the public test images, looked up by a Dense layer of templates (no
    training; nearest template, or largest dot product), is right on every test image (1.0000) and loses
    0.055-0.07 once the digits move one pixel: none of the 10 accuracy points, at any of three seeds, with the
    mistake named in both languages. Nor the 3 points of the checks of the training (no test data in `fit`, the
    learning curve: its history is made up): `fit` never trained the model."""
    notebook = planted_memoriser(tmp_path, name)
    with Session(EXERCISE, notebook, seed=SEEDS[0]) as session:
        assert session.execution.failures == ()
        for seed in SEEDS:
            collector = collect_checks(EXERCISE, session.learner, seed=seed, hidden=True, lang="en")
            checks = {c.id: c for c in collector.results}
            assert collector.metrics["test_accuracy"] == 1.0 and collector.metrics["moved_test_accuracy"] < 0.95
            for check_id in ACCURACY_CHECKS:
                check = checks[check_id]
                assert check.status == Status.FAILED and check.score == 0, (seed, check_id, check.message)
                assert "on the same digits moved by one pixel" in check.message.en, check.message.en
                assert "平移一個像素" in check.message.zh_tw, check.message.zh_tw
            for check_id in ("no_test_data_in_fit", "training_history_has_a_learning_curve"):
                assert checks[check_id].status == Status.FAILED and "took 0 steps" in checks[check_id].message.en
            assert sum(c.score for c in collector.results) == POINTS - 13


def test_a_model_graded_again_with_another_seed_is_measured_again_only_on_its_moved_digits(monkeypatch):
    """The clean and unscaled accuracies do not depend on the run's seed: measured once per model; the moved
    digits (drawn from the seed) are measured for each seed. Same figures as measuring everything each time."""
    import keras

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    monkeypatch.setattr(mnist, "_ACCURACY", {})
    monkeypatch.setattr(mnist, "_UNMOVED", {})
    measured = []
    real = mnist._accuracy
    monkeypatch.setattr(mnist, "_accuracy", lambda m, x, y: measured.append(x.shape) or real(m, x, y))
    first = mnist.accuracy_on_test_set(model, mnist.moved_generator(1))
    assert len(measured) == 3 and first.clean < 0.99 and first.raw > 0   # untrained: clean, unscaled, moved
    second = mnist.accuracy_on_test_set(model, mnist.moved_generator(2))
    assert len(measured) == 4 and (second.clean, second.raw) == (first.clean, first.raw)
    monkeypatch.setattr(mnist, "_UNMOVED", {})   # measured from scratch: the same figures
    monkeypatch.setattr(mnist, "_ACCURACY", {})
    assert mnist.accuracy_on_test_set(model, mnist.moved_generator(2)) == second and len(measured) == 7


def test_compiled_scoring_predicts_every_test_digit_as_eager_calls_do():
    """The accuracy checks score a model through a compiled forward pass (``grader.mnist._forward``, 250 images a
    batch): for a convnet trained briefly, the predicted class of every test image (scaled, raw pixels, moved) is
    the one eager calls of 1,000 images (the way before) give; the compiled pass lives only as long as its model."""
    import gc
    import weakref

    import keras

    from grader.datasets import load_mnist

    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    (x_train, y_train), _ = load_mnist()
    model.fit(mnist.reference_scale(x_train[:2000]), y_train[:2000], epochs=1, batch_size=64, verbose=0)
    images, labels = datasets.load_mnist_test()
    moved = mnist.moved_digits(images, mnist.directions(mnist.moved_generator(7), len(images)))
    for inputs in (mnist.reference_scale(images), images.astype("float32")[..., np.newaxis],
                   mnist.reference_scale(moved)):
        eager = np.concatenate([np.asarray(model(inputs[i:i + 1000], training=False)).argmax(axis=-1)
                                for i in range(0, len(inputs), 1000)])
        assert np.array_equal(mnist._classes(model, inputs), eager)
    assert 0.5 < (eager == labels).mean() < 1   # a model that learned something, and makes mistakes
    model.pop()   # changed in place, as a notebook cell run again changes it: compiled again, not the old pass
    model.add(keras.layers.Dense(10, bias_initializer=keras.initializers.Constant(np.eye(10)[3] * 1e3)))
    assert np.array_equal(mnist._classes(model, inputs[:500]), np.full(500, 3))
    assert model in mnist._FORWARD
    scored = weakref.ref(model)
    del model
    gc.collect()
    assert scored() is None, "the compiled forward pass kept the learner's model alive"


class StandIn:
    """A learner whose notebook kept the test data out of `fit`, whose `trained_model()` returns ``model`` and
    whose `training_history()` returns ``history`` (a learning curve made up by hand unless given)."""

    cells = ("model.fit(x_train, y_train, epochs=1)",)

    def __init__(self, model, history=None):
        self.answers = {"trained_model": model,
                        "training_history": history or {"loss": [0.3, 0.1], "accuracy": [0.9, 0.99]}}

    def run(self, name, *args, **kwargs):
        return Call(value=self.answers[name], args_after=())

    def call(self, name, *args, **kwargs):
        return self.run(name, *args, **kwargs).value


def test_keeping_test_data_out_of_fit_or_a_learning_curve_earns_nothing_without_a_trained_model(monkeypatch):
    """The hidden `fit` check credits a notebook that trained without the test data: a `trained_model()` that is
    not a model, a model `fit` never trained (no optimizer step: filled in by hand, as the memorisers above are;
    measured without evaluating it) or one hardly trained (test accuracy about chance) earns none of its 2 points;
    a model that learned (here: 300 steps on 6,000 training digits, well past TRAINED_MIN) earns them. The public
    learning-curve check judges the model the same way: a made-up history beside it earns nothing."""
    import keras

    checks = check_functions(EXERCISE)
    check = checks["no_test_data_in_fit"][0]
    curve = functools.partial(checks["training_history_has_a_learning_curve"][0], measure=lambda *_: None)
    monkeypatch.setattr(mnist, "_UNMOVED", {})
    for value, key in ((None, "wrong_type"), ({"loss": [0.1]}, "wrong_type")):
        for judge in (check, curve):
            with pytest.raises(CheckFailed) as failed:
                judge(learner=StandIn(value))
            assert failed.value.key == key
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, "softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    for judge in (check, curve):   # never fitted
        with pytest.raises(CheckFailed) as failed:
            judge(learner=StandIn(model))
        assert failed.value.key == "model_not_fitted" and "took 0 steps" in failed.value.text.en
        assert "走了 0 步" in failed.value.text.zh_tw
    assert mnist._UNMOVED == {}
    (x_train, y_train), _ = datasets.load_mnist()
    model.fit(mnist.reference_scale(x_train[:20]), y_train[:20], epochs=1, batch_size=20, verbose=0)   # one step
    for judge in (check, curve):   # fitted, hardly trained
        with pytest.raises(CheckFailed) as failed:
            judge(learner=StandIn(model))
        assert failed.value.key == "model_not_trained" and "chance is 0.10" in failed.value.text.en
        assert "亂猜是 0.10" in failed.value.text.zh_tw
    with pytest.raises(CheckFailed) as failed:    # the curve's own checks come first
        curve(learner=StandIn(model, history={"loss": [0.3]}))
    assert failed.value.key == "history_no_accuracy"
    model.fit(mnist.reference_scale(x_train[:6000]), y_train[:6000], epochs=1, batch_size=20, verbose=0)
    check(learner=StandIn(model))   # passes
    curve(learner=StandIn(model))   # passes
    assert mnist.TRAINED_MIN <= mnist._UNMOVED[mnist.fingerprint(model)][0]
    # scaled inside and trained on pixels 0..255 (scale_images left them so): trained all the same, the scaling
    # checks judge the scaling
    raw = keras.Sequential([keras.Input((784,)), keras.layers.Rescaling(1 / 255), keras.layers.Dense(64, "relu"),
                            keras.layers.Dense(10, "softmax")])
    raw.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    raw.fit(x_train[:6000].reshape(-1, 784).astype("float32"), y_train[:6000], epochs=1, verbose=0)
    scaled, unscaled = mnist._unmoved(raw, mnist.fingerprint(raw))
    assert scaled < mnist.TRAINED_MIN <= unscaled
    check(learner=StandIn(raw))


def test_a_model_of_any_image_size_is_measured_on_28_x_28_digits():
    import keras

    for shape, fed in (((28, 28, 1), (28, 28, 1)), ((None, None, 1), (28, 28, 1)), ((28, 28), (28, 28)),
                       ((None, 28), (28, 28)), ((784,), (784,)), ((None,), (784,))):
        model = keras.Sequential([keras.Input(shape), keras.layers.Flatten() if len(shape) > 1 else keras.layers.Identity()])
        assert mnist._fit_input(model, np.zeros((2, 28, 28), np.uint8)).shape == (2, *fed), shape
    for shape in ((32, 32, 1), (28, 28, 3), (None, None, 3), (28, 28, 1, 1), (100,)):
        with pytest.raises(CheckFailed) as failed:
            mnist._fit_input(keras.Sequential([keras.Input(shape)]), np.zeros((2, 28, 28), np.uint8))
        assert failed.value.key == "model_input_incompatible", shape


def test_moved_digits_move_each_image_one_pixel_with_zeros_coming_in():
    images = np.arange(2 * 4 * 5, dtype=np.uint8).reshape(2, 4, 5) + 1
    moved = mnist.moved_digits(images, np.array([(0, 1), (-1, -1)]))
    assert np.array_equal(moved[0, :, 1:], images[0, :, :-1]) and not moved[0, :, 0].any()
    assert np.array_equal(moved[1, :-1, :-1], images[1, 1:, 1:]) and not moved[1, -1].any() and not moved[1, :, -1].any()
    offsets = mnist.directions(mnist.moved_generator(5), 4000)
    assert {tuple(o) for o in offsets} == {tuple(d) for d in mnist.DIRECTIONS} and not (offsets == 0).all(axis=1).any()
    assert np.array_equal(offsets, mnist.directions(mnist.moved_generator(5), 4000))
    assert not np.array_equal(offsets, mnist.directions(mnist.moved_generator(6), 4000))


def test_credited_accuracy_is_the_clean_one_unless_moving_the_digits_costs_more_than_the_allowance():
    assert mnist.MnistAccuracy(clean=0.993, moved=0.982, raw=0.0).credited == 0.993
    assert mnist.MnistAccuracy(clean=1.0, moved=0.93, raw=0.0).credited == pytest.approx(0.95)


def test_stub_scores_zero_with_every_check_not_attempted():
    result = grade(EXERCISE.stub, seed=97)
    assert result.score == 0 and result.max_score == POINTS
    assert {c.status for c in by_id(result).values()} == {Status.NOT_ATTEMPTED}


# sample -> {check id: (status, message key, English substring, zh-TW substring)}
FAILED, ERROR = Status.FAILED, Status.ERROR
PLANTED = {
    "pixels_unscaled": {
        "scale_images_small_batch": (FAILED, "mnist_not_scaled", "left the pixels in 0..255", "像素還在 0..255"),
        "scale_images_random_batch": (FAILED, "mnist_not_scaled", "Divide by 255", "除以 255"),
        "test_accuracy_at_least_0_97": (FAILED, "accuracy_unscaled", "trained on unscaled images", "沒有縮放的影像訓練"),
    },
    "test_set_as_validation": {
        "no_test_data_in_fit": (FAILED, "test_data_in_fit", "passes test data to `fit`", "把測試資料傳給了 `fit`"),
    },
    "lambda_layer": {
        "build_convnet_input_and_output": (ERROR, None, "Lambda", "Lambda"),
        "test_accuracy_at_least_0_97": (ERROR, None, "Lambda", "Lambda"),
    },
    "one_hot_loss_integer_labels": {
        "build_convnet_loss_matches_the_labels": (FAILED, "loss_onehot_with_integers", "wants one-hot labels",
                                                  "one-hot 標籤"),
        "test_accuracy_at_least_0_97": (FAILED, "loss_onehot_with_integers", "wants one-hot labels", "one-hot 標籤"),
    },
    "sigmoid_binary_loss": {
        "build_convnet_input_and_output": (FAILED, "model_output_activation", "should be softmax", "應該是 softmax"),
        "build_convnet_loss_matches_the_labels": (FAILED, "loss_binary", "binary_crossentropy", "兩個類別"),
    },
    "learning_rate_too_high": {
        "test_accuracy_at_least_0_97": (FAILED, "accuracy_rate_too_high", "learning rate 0.5, too high", "學習率是 0.5"),
        "test_accuracy_at_least_0_99": (FAILED, "accuracy_rate_too_high", "learning rate 0.5, too high", "學習率是 0.5"),
    },
}
CHECKS = check_functions(EXERCISE)
# public check -> its hidden counterpart: the same judgement, on the public inputs and on fresh random ones
PAIRS = (("scale_images_small_batch", "scale_images_random_batch"),
         ("format_labels_integer_or_one_hot", "format_labels_random_labels"))
NAMED_ON_BOTH_SIDES = {"pixels_unscaled"}   # the samples whose mistake both sides judge (the others: one side)


@pytest.mark.training
@pytest.mark.parametrize("name", sorted(PLANTED))
def test_planted_mistake_is_named_alike_by_public_and_hidden_checks(tmp_path, name):
    """Each sample runs in its own kernel (one epoch on 6,000 images); every check, public and hidden, is then
    called directly, so its message key (the mistake's name) is seen. Counterpart checks (PAIRS) that both name a
    mistake name the same one; day97's accuracy and `fit` judgements are made on one side only (public: the
    accuracy, through grader.mnist.expect_accuracy; hidden: test data in `fit`)."""
    with Session(EXERCISE, planted(tmp_path, name), seed=7) as session:
        outcomes = {i: outcome(fn, session.learner, i, seed=7) for i, (fn, _, _) in CHECKS.items()}
    for check_id, (status, key, en, zh) in PLANTED[name].items():
        got, got_key, text = outcomes[check_id]
        assert (got, got_key) == (status, key), (check_id, got, got_key, text)
        assert en in text.en and zh in text.zh_tw, (check_id, text)
    assert disagreements(outcomes, PAIRS) == []
    both = [pair for pair in PAIRS if all(outcomes[i][1] for i in pair)]
    assert both or name not in NAMED_ON_BOTH_SIDES, (name, both)


@pytest.mark.training
def test_quick_training_loses_only_accuracy_points(tmp_path):
    # one epoch on 6,000 images: an honest notebook that trained too little
    result = grade(planted(tmp_path, "quick_training"), seed=7)
    lost = {c.id for c in by_id(result).values() if c.status != Status.PASSED}
    assert "test_accuracy_at_least_0_99" in lost
    assert lost <= {"test_accuracy_at_least_0_97", "test_accuracy_at_least_0_98", "test_accuracy_at_least_0_99"}
    assert "needs at least" in by_id(result)["test_accuracy_at_least_0_99"].message.en


PEEK = '''
import os
from grader.datasets import load_mnist

def peek():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    files = sorted(os.path.relpath(os.path.join(d, f)) for d, _, fs in os.walk(".") for f in fs)
    return {"test_labels": y_test[:200].tolist(), "train_tail": y_train[-10000:][:200].tolist(),
            "n_test": int(len(y_test)), "files": files}
'''


def test_graded_kernel_sees_only_the_training_split(tmp_path):
    notebook = write(tmp_path, "peek", DAY, notebook_with(DAY, insert={0: PEEK}, stub=True))
    with Session(EXERCISE, notebook, seed=1) as session:
        seen = session.learner.call("peek")
    real_test_labels = datasets.load_mnist_test()[1][:200].tolist()
    assert seen["test_labels"] == seen["train_tail"] != real_test_labels
    assert seen["n_test"] == datasets.STAND_IN_TEST
    assert [f for f in seen["files"] if f.endswith((".npz", ".npy", ".gz"))] == [f"data/{datasets.TRAIN_ONLY}"]


@pytest.mark.parametrize("source, found", [
    ("history = model.fit(train_images, train_labels, epochs=5, validation_split=0.1)", False),
    ("model.fit(x_train, y_train, validation_data=(x_test, y_test))", True),
    ("model.fit(np.concatenate([train_images, test_images]), labels)", True),
    ("%time model.fit(X_TEST, y)", True),
    ("fit(latest_images, labels)", False),
    ("model.evaluate(x_test, y_test)", False),
    ("def f(:\n  model.fit(x_test)", False),   # does not parse: nothing is claimed
    ("%%bash\nmodel.fit(x_test)", False),        # not Python
    # test data passed in ways a review found unseen: IPython syntax elsewhere in the cell, aliases, other calls
    ("files = !ls\nmodel.fit(test_images, test_labels)", True),
    ("model.fit?\nmodel.fit(test_images, test_labels)", True),
    ("for epoch in range(2):\n    %time model.fit(x_test, y_test)\n    !ls", True),
    ("%%time\nmodel.fit(x_test,\n          y_test)", True),
    ("%timeit -n 1 -r 1 model.fit(x_test, y_test)", True),
    ("train = model.fit\ntrain(test_images, test_labels)", True),
    ("a, b = test_images, test_labels\nmodel.fit(a, b)", True),
    ("x = np.concatenate([train_images, test_images])\nmodel.fit(x, y)", True),
    ("(a, b), (c, d) = keras.datasets.mnist.load_data()\nmodel.fit(c, d)", True),
    ("model.train_on_batch(test_images, test_labels)", True),
    ("model.fit(x_train, y_train, 32, 5, 1, None, 0.0, (x_test, y_test))", True),   # validation_data by position
    ("kw = dict(validation_data=(x_test, y_test))\nmodel.fit(x_train, y_train, **kw)", True),
    # honest code a review found flagged: names of sizes, flags and indices, and scikit-learn's fit
    ("test_size = 0.1\nmodel.fit(train_images, train_labels, validation_split=test_size)", False),
    ("testing = False\nmodel.fit(train_images, train_labels, epochs=1 if testing else 5)", False),
    ("n_test = 5000\nmodel.fit(x_train[:-n_test], y_train[:-n_test], validation_data=(x_train[-n_test:], "
     "y_train[-n_test:]))", False),
    ("n_val = int(len(x_test) * 0.1)\nmodel.fit(x_train[n_val:], y_train[n_val:])", False),
    ("model.fit(x_train.reshape(x_test.shape[0] * 0 - 1, 28, 28, 1), y_train)", False),
    ("x = x_test[:10]\nx = x_train\nmodel.fit(x, y_train)", False),             # reassigned before the fit
    ("from sklearn.decomposition import PCA\npoints = PCA(2).fit(x_test.reshape(len(x_test), -1))", False),
    ("from sklearn.decomposition import PCA\npca = PCA(2)\npca.fit(x_test.reshape(-1, 784))", False),
    ("import sklearn.manifold as manifold\nmanifold.TSNE(2).fit(x_test)", False),
    # honest validation splits a second review found flagged: what is called, sizes and seeds, helpers returning
    # pairs, a function's own names, a dict holding both splits
    ("(x_train, y_train), (x_test, y_test) = load_mnist()\nfrom sklearn.model_selection import train_test_split\n"
     "x_tr, x_val, y_tr, y_val = train_test_split(x_train, y_train, test_size=0.1)\n"
     "model.fit(x_tr, y_tr, validation_data=(x_val, y_val))", False),
    ("TEST_SIZE = 0.1\nx_tr, x_val, y_tr, y_val = ms.train_test_split(x_train, y_train, test_size=TEST_SIZE)\n"
     "model.fit(x_tr, y_tr)", False),
    ("a, b = keras.utils.split_dataset(x_train, right_size=test_frac)\nmodel.fit(a)", False),
    ("(x_tr, y_tr), (x_val, y_val) = split(x_train, y_train, 0.1)\nmodel.fit(x_tr, y_tr, "
     "validation_data=(x_val, y_val))", False),
    ("x = train_images\ndef show():\n    x = x_test[:8]\n    return x\nmodel.fit(x, y_train)", False),
    ("TEST_SEED = 1\nx_train = shuffle(x_train, random_state=TEST_SEED)\nmodel.fit(x_train, y_train)", False),
    ("data = {'train': (x_train, y_train), 'test': (x_test, y_test)}\nmodel.fit(*data['train'])", False),
    # a third review: both splits prepared in one expression, parameters and comprehension names, helpers
    ("(x_train, y_train), (x_test, y_test) = load_mnist()\n"
     "x_train, x_test = [x.astype('float32') / 255 for x in (x_train, x_test)]\nmodel.fit(x_train, y_train)", False),
    ("x_train, y_train, x_test, y_test = preprocess(x_train, y_train, x_test, y_test)\nmodel.fit(x_train, y_train)",
     False),
    ("x, y = x_test[:9], y_test[:9]\ndef train(model, x, y):\n    return model.fit(x, y, epochs=3)", False),
    ("x = x_test[0]\ntrain = lambda x, y: model.fit(x, y, epochs=1)", False),
    ("for xb, yb in zip(x_test[:3], y_test[:3]):\n    print(xb.shape)\n"
     "[model.train_on_batch(xb, yb) for xb, yb in train_batches]", False),
    ("(x_tr, y_tr), (x_val, y_val) = load_split(x_train, y_train)\nmodel.fit(x_tr, y_tr, "
     "validation_data=(x_val, y_val))", False),
    ("x_test_shape = x_test.shape\nmodel.fit(x_train.reshape(-1, *x_test_shape[1:]), y_train)", False),
    ("model.fit(x_train.reshape(-1, *np.shape(x_test)[1:]), y_train)", False),
    ("n_val = test_ds.cardinality()\nmodel.fit(train_ds.skip(n_val), validation_data=train_ds.take(n_val))", False),
    ("def train(model):\n    model.fit(x_test, y_test)", True),          # inside a function: still seen
    ("x_val = x_test.reshape(-1, 28, 28, 1) / 255\nmodel.fit(x, y, validation_data=(x_val, y_test))", True),
    # a fourth review: a flag's condition, numbers reduced from the test split, hold-outs named like test data
    ("QUICK_TEST = False\nmodel.fit(train_images[:2000] if QUICK_TEST else train_images, train_labels)", False),
    ("max_val = max(x_train.max(), x_test.max())\nmodel.fit(x_train / max_val, y_train)", False),
    ("num_classes = y_test.max() + 1\nmodel.fit(x_train, keras.utils.to_categorical(y_train, num_classes))", False),
    ("x_train, x_test, y_train, y_test = train_test_split(x_train, y_train, test_size=0.1)\n"
     "model.fit(x_train, y_train, validation_data=(x_test, y_test))", False),
    ("x_test, y_test = x_train[50000:], y_train[50000:]\nmodel.fit(x_train[:50000], y_train[:50000], "
     "validation_data=(x_test, y_test))", False),
    ("x_test = x_train[50000:]\nmodel.fit(x_train[:50000], y_train[:50000], validation_data=(x_test, y_val))", False),
    ("ds = tf.data.Dataset.from_tensor_slices((x_train, y_train))\ntest_ds = ds.take(6000)\n"
     "model.fit(ds.skip(6000), validation_data=test_ds)", False),
    # ... and a fifth review: the test split loaded in ordinary ways must still be seen (any variable cleared it)
    ("f = np.load(path)\nx_test, y_test = f['x_test'], f['y_test']\nmodel.fit(x_test, y_test)", True),
    ("data = np.load('mnist.npz')\nx_test = data['x_test']\nmodel.fit(x_test, y)", True),
    ("with np.load(path) as f:\n    x_test, y_test = f['x_test'], f['y_test']\nmodel.fit(x_test, y_test)", True),
    ("(x_train, y_train), (x_test, y_test) = load_mnist(DATA_DIR)\nmodel.fit(x_test, y_test)", True),
    ("(a, b), (c, d) = load_mnist(DATA_DIR)\nmodel.fit(c, d)", True),     # a loader given a path is a loader
    ("x_test = pd.read_csv(csv_dir + '/mnist_test.csv')\nmodel.fit(x_test, y_test)", True),
    ("path = 'mnist_test.csv'\ndf_test = pd.read_csv(path)\nmodel.fit(df_test, y)", True),
    ("ds = tfds.load('mnist')\ntest_ds = ds['test']\nmodel.fit(test_ds)", True),
    ("ds = tfds.load('mnist')\nmodel.fit(ds['test'])", True),
    ("data = mnist.load_data()\nx_test, y_test = data[1]\nmodel.fit(x_test, y_test)", True),
    ("model.fit(x_test if USE_TEST else x_train, y_train)", True),        # the branch taken may be the test split
    ("x_test = np.load('x_test.npy')\nmodel.fit(x_test, y_test)", True),  # loaded from a file: still its name
    ("x_train, x_test = x_test, x_train\nmodel.fit(x_train, y_train)", True),   # swapped: pairs followed
    ("(x_train, y_train), (x_test, y_test) = load_mnist()\nx_test = x_test / 255\nmodel.fit(x_test, y_test)", True),
    ("x_hold = x_train[50000:]\ndef f():\n    x_test = x_hold\nmodel.fit(x_test, y_test)", True),   # scope kept
])
def test_fit_calls_with_test_data(source, found):
    assert bool(fit_calls_with_test_data(("import numpy as np", source))) == found


def test_loader_finds_a_verified_copy_and_passes_over_a_corrupt_one(tmp_path, monkeypatch):
    corrupt = tmp_path / "corrupt" / "mnist"
    corrupt.mkdir(parents=True)
    (corrupt / "mnist.npz").write_bytes(b"not mnist")
    good = tmp_path / "good"
    good.mkdir()
    (good / "mnist.npz").write_bytes(datasets.find(datasets.MNIST).read_bytes())
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path / "corrupt")
    monkeypatch.setenv(datasets.ENV_DIR, str(good))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert datasets.find(datasets.MNIST) == good / "mnist.npz"
    (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28) and x_train.dtype == np.uint8
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_loader_without_data_or_network_says_what_to_do_in_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "DATA_DIR", tmp_path / "none")
    monkeypatch.delenv(datasets.ENV_DIR, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(datasets.DatasetMissing) as error:
        datasets.load_mnist()
    message = str(error.value)
    assert message.count(". ") == 0 and message.endswith(".") and "\n" not in message
    assert "CNN_DATASETS" in message and str(tmp_path / "none") in message


def test_shipped_fashion_subset_is_balanced_and_verified():
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_subset()
    assert x_train.shape == (2000, 28, 28) and x_test.shape == (500, 28, 28)
    assert set(np.bincount(y_train)) == {200} and set(np.bincount(y_test)) == {50}
    assert datasets.sha256(datasets.find(datasets.FASHION_SUBSET)) in datasets.FASHION_SUBSET.sha256


def test_reports_show_the_accuracy_and_the_learning_curve():
    from grader import report
    from grader.results import ExerciseResult, Execution

    exercise = ExerciseResult(id=DAY, checks=(), execution=Execution(notebook="day97.ipynb"),
                              metrics={"test_accuracy": 0.99213},
                              curves={"val_accuracy": (0.98, 0.99), "accuracy": (0.95, 0.985), "loss": (0.2, 0.05)})
    columns, rows = report.curve_rows(exercise)
    assert columns == ["epoch", "loss", "accuracy", "val_accuracy"]
    assert rows == [["1", "0.2000", "0.9500", "0.9800"], ["2", "0.0500", "0.9850", "0.9900"]]
    lines = report._markdown_measures(exercise)
    assert "**test_accuracy 0.9921**" in lines and "| 2 | 0.0500 | 0.9850 | 0.9900 |" in lines
    assert "xychart-beta" in lines and "    line [0.9500, 0.9850]" in lines


def test_fit_calls_are_read_in_linear_time_and_hostile_cells_are_passed_over():
    """A cell of 999 ``%time model.fit(x_test)`` lines and 60 KB of code is read line by line (IPython's
    transformer given the whole cell made a pass per magic: 12 s for 100 of them), and the scan stops at
    ``MAX_FOUND`` calls (listing 20,000 took 111 s); a 10 MB cell, a cell of 20,000 magics, null bytes and a
    200,000-term sum are passed over without an error."""
    filler = "\n".join(f"v{i} = {i}" for i in range(6000))[:60_000]
    found = fit_calls_with_test_data(("\n".join(["%time model.fit(x_test)"] * 999) + "\n" + filler,))
    assert found == [(1, "model.fit(x_test)")] * fit_scan.MAX_FOUND       # the scan stops there
    assert len(fit_calls_with_test_data(("m.fit(x_test)\n" * 20_000,))) == fit_scan.MAX_FOUND   # 111 s to list all
    for cell in ("a=" * 20_000 + "[" + "b," * 20_000 + "]", ",".join(["a"] * 20_000) + " = f(" + "b," * 20_000 + ")"):
        assert fit_calls_with_test_data((cell,)) == []   # each target bound with the value read once (60 s and more)
    assert fit_calls_with_test_data(("s = '" + "x" * 10**6 + "'\nmodel.fit(x_test)",)) == [(1, "model.fit(x_test)")]
    for cell in ("s = '" + "x" * 10**7 + "'\nmodel.fit(x_test)", "\n".join(["%time model.fit(x_test)"] * 20_000),
                 "model.fit(x_test)\x00", "x = " + "+".join(["a"] * 200_000) + "\nmodel.fit(x_test)"):
        assert fit_calls_with_test_data((cell,)) == []


def test_fit_scan_stays_linear_on_cells_built_against_ipythons_transformer_and_its_scopes():
    """A fourth review: a line IPython splits where Python does not (form feeds: one pass of IPython's transformer
    per piece, 75 s for one 4 KB failed cell, checked again by every check of a missing function), a 200 KB
    ``obj?`` line (138 s), 300 cells each at the per-cell limits, and 40,000 test names copied at each of 16,000
    lambdas (39 s) are all read in about a second or passed over, with the same answers."""
    from grader import cell_source

    form_feeds = "%%time x\n" + "!l\x0c" * 1400
    assert cell_source.parse(form_feeds) is None and cell_source.bound_names(form_feeds) is None
    assert fit_calls_with_test_data((form_feeds, "x = 1\n" + "a" * 200_000 + "?", "model.fit(x_test)")) == \
        [(3, "model.fit(x_test)")]
    at_limits = "\n".join(["!" + "l" * 1999] * 100)        # 200 KB of IPython syntax: what one cell may have
    assert fit_calls_with_test_data((at_limits,) * 300 + ("model.fit(x_test)",)) == [(301, "model.fit(x_test)")]
    taint = "=".join(f"v{i}" for i in range(40_000)) + "=x_test"
    lambdas = "_ = (" + ",".join(["lambda: 0"] * 16_000) + ")"
    assert fit_calls_with_test_data((taint, lambdas, "model.fit(v7)")) == [(3, "model.fit(v7)")]
