"""day98 end to end: the reference passes, the stub is not attempted, each planted mistake is named.

The solution notebook runs once, in one kernel (VGG16 trains there: about two minutes on a two-core CPU). Its
checks are run with two seeds; then each planted sample redefines its functions in that same kernel, the checks
that must name its mistake run against it through the real kernel protocol (arguments as files, models as
``.keras`` loaded with ``safe_mode=True``), and the solution's cells are put back. The stub is graded with
``grade`` like a learner's submission. Tests that run notebooks are marked ``training``: skip them locally with
``-m "not training"``.
"""
import inspect
import json
import zlib

import nbformat
import numpy as np
import pytest

from grader import exercise as exercises
from grader import datasets, transfer
from grader.checks import CheckFailed
from grader.environment import describe
from grader.grading import collect_checks, grade
from grader.learner import LearnerProblem
from grader.report import markdown
from grader.results import ExerciseResult, GradeResult, Status, to_json
from grader.session import Session
from samples import SAMPLES
from samples_day97 import check_functions, disagreements, outcome

DAY = "day98"
SEED = 98
POINTS = 25
EXERCISE = exercises.get(DAY)
IMAGENET_CHECK = "transfer_accuracy_with_imagenet_weights"
FAILED, ERROR = Status.FAILED, Status.ERROR


@pytest.fixture(scope="module")
def session():
    with Session(EXERCISE, EXERCISE.solution, seed=SEED) as running:
        yield running


# ---------------------------------------------------------------- the reference and the stub

@pytest.mark.training
def test_solution_scores_full_marks_and_reports_the_skipped_imagenet_check(session):
    execution = session.execution
    assert execution.failures == () and execution.cells_run == execution.cells_total, execution.failures
    for seed in (SEED, 7):
        collector = collect_checks(EXERCISE, session.learner, seed=seed, hidden=True, lang="en")
        checks = {c.id: c for c in collector.results}
        assert sum(c.max_score for c in checks.values()) == POINTS and {c.hidden for c in checks.values()} == {True, False}
        assert [i for i, c in checks.items() if c.status != Status.PASSED and i != IMAGENET_CHECK] == [], seed
        assert collector.metrics["head_accuracy"] >= 0.6, collector.metrics  # measured 0.72-0.78 over ten draws
        assert len(collector.curves["loss"]) == len(collector.curves["val_accuracy"]) == 15
    skipped = checks[IMAGENET_CHECK]   # without ImageNet weights (as on CI): skipped, with the reason
    if datasets.vgg16_weights_file() is not None:
        assert skipped.status == Status.PASSED and 0 < collector.metrics["transfer_accuracy"] <= 1
        return
    assert skipped.status == Status.SKIPPED and skipped.score == skipped.max_score == 0
    assert "Not measured: the grader has no ImageNet weights" in skipped.message.en
    assert "未測量" in skipped.message.zh_tw
    result = GradeResult(exercises=(ExerciseResult(id=DAY, checks=tuple(collector.results), execution=execution,
                                                   metrics=collector.metrics, curves=collector.curves),),
                         seed=7, environment=describe(), submission=str(EXERCISE.solution))
    recorded = {c["id"]: c for c in json.loads(to_json(result))["exercises"][0]["checks"]}[IMAGENET_CHECK]
    assert recorded["status"] == "skipped" and "no ImageNet weights" in recorded["messages"]["en"]
    assert "no ImageNet weights" in markdown(result)


@pytest.mark.training
def test_stub_scores_zero_with_every_check_not_attempted():
    result = grade(exercises.ROOT / "exercises" / DAY, seed=SEED)
    checks = [c for e in result.exercises for c in e.checks]
    assert result.score == 0 and result.max_score == POINTS
    assert {c.status for c in checks} == {Status.NOT_ATTEMPTED}
    assert all("NotImplementedError" in c.message.en for c in checks)


# ---------------------------------------------------------------- planted mistakes, in the solution's kernel

def _solution_cells() -> dict:
    cells = nbformat.read(EXERCISE.solution, as_version=4).cells
    return {name: c.source for c in cells if c.cell_type == "code" for name in EXERCISE.functions
            if f"def {name}(" in c.source}


def _check_functions() -> dict:
    import importlib.util

    found = {}
    for path in (EXERCISE.public_checks, EXERCISE.hidden_checks):
        spec = importlib.util.spec_from_file_location(f"{DAY}_{path.parent.name}_checks", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.update({k.removeprefix("test_"): v for k, v in vars(module).items() if k.startswith("test_")})
    return found


CHECKS = _check_functions()
SOLUTION = _solution_cells()


def run_check(learner, check_id: str, seed: int = SEED):
    """(status, message) of one check against ``learner``, its fixtures made the way the plugin makes them."""
    fn = CHECKS[check_id]
    fixtures = {"learner": learner, "measure": lambda name, value: None,
                "rng": np.random.default_rng([seed, zlib.crc32(f"test_{check_id}".encode())])}
    try:
        fn(**{name: fixtures[name] for name in inspect.signature(fn).parameters})
    except LearnerProblem as problem:
        return problem.status, problem.text
    except CheckFailed as failure:
        return Status.FAILED, failure.text
    except pytest.skip.Exception as skipped:
        return Status.SKIPPED, skipped.text
    return Status.PASSED, None


def redefine(session, sources: dict) -> None:
    for name, source in sources.items():
        run = session.learner.kernel.run(source, timeout=120, history=False)
        assert run.ok, (name, run.ename, run.evalue)


REFUSED = ("was refused: it contains a Lambda layer", "被拒絕：裡面有 Lambda 層")
NOT_FROZEN = ("is not frozen", "沒有凍結")
# sample -> [(check id, status, English substring, zh-TW substring)]
PLANTED = {
    "base_not_frozen": [(c, FAILED, *NOT_FROZEN) for c in (
        "build_conv_base_is_frozen", "build_conv_base_random_size", "build_end_to_end_augments_and_freezes",
        "build_end_to_end_uses_given_weights")],
    "whole_base_unfrozen": [(c, FAILED, "unfreezes the whole convolutional base", "解凍了整個卷積基底")
                            for c in ("unfreeze_top_block_only_block5", "unfreeze_top_block_keeps_head_trainable")],
    "no_recompile": [(c, FAILED, "you must call compile() again", "必須再呼叫 compile()")
                     for c in ("unfreeze_top_block_only_block5", "unfreeze_top_block_uses_learning_rate")],
    "scaled_255": [
        *[(c, FAILED, "divides by 255 instead of using VGG16's preprocess_input", "除以 255，而不是用 VGG16 的")
          for c in ("preprocess_red_and_blue_differ", "preprocess_random_colours")],
        *[(c, FAILED, "features of images divided by 255", "除以 255 之後的影像的特徵")
          for c in ("extract_features_with_given_weights", "extract_features_random_base")]],
    "fine_tune_rate_1e-2": [
        ("unfreeze_top_block_only_block5", FAILED, "learning rate 0.01, too high for fine-tuning", "微調時太大"),
        ("unfreeze_top_block_uses_learning_rate", Status.PASSED, "", "")],
    "lambda_layer": [(c, ERROR, *REFUSED) for c in ("build_end_to_end_augments_and_freezes",
                                                   "build_end_to_end_uses_given_weights")],
    "no_bgr_swap": [
        *[(c, FAILED, "leaves the channels in RGB order", "通道仍是 RGB 順序")
          for c in ("preprocess_red_and_blue_differ", "preprocess_random_colours")],
        *[(c, FAILED, "subtracted in RGB order, without the swap to BGR", "以 RGB 順序減去")
          for c in ("extract_features_with_given_weights", "extract_features_random_base")]],
    "preprocess_in_place": [(c, FAILED, "changed the array it was given", "改動了傳進來的陣列")
                            for c in ("preprocess_red_and_blue_differ", "preprocess_random_colours")],
    "not_padded": [(c, FAILED, "still 28 x 28", "還是 28 x 28")
                   for c in ("prepare_images_pads_and_repeats", "prepare_images_random_images")],
    "one_channel": [(c, FAILED, "one grey channel", "只有一個灰階通道")
                    for c in ("prepare_images_pads_and_repeats", "prepare_images_random_images")],
    "prepare_scaled_255": [(c, FAILED, "divided by 255 (values 0-1)", "除以了 255")
                           for c in ("prepare_images_pads_and_repeats", "prepare_images_random_images")],
    "resized_not_padded": [(c, FAILED, "np.pad, not resized", "不是放大")
                           for c in ("prepare_images_pads_and_repeats", "prepare_images_random_images")],
    "weights_hard_coded_none": [
        ("extract_features_with_given_weights", FAILED, "Did you pass `weights` on to VGG16", "有把 `weights` 傳給"),
        ("build_end_to_end_uses_given_weights", FAILED, "does not hold the weights it was given", "不是指定的權重")],
    "head_categorical_loss": [("build_head_classifies_ten_classes", FAILED, "loss categorical_crossentropy",
                               "損失函數是 categorical_crossentropy")],
    "head_relu_output": [(c, FAILED, 'should be Dense(10, activation="softmax")', "每個類別一個機率")
                         for c in ("build_head_classifies_ten_classes", "build_head_random_feature_shape")],
    "head_not_trained": [(c, FAILED, "was not trained: its optimizer took 0 steps", "沒有訓練過")
                         for c in ("train_head_returns_model_and_history", "head_on_features_beats_chance")],
    "head_labels_shuffled": [("train_head_returns_model_and_history", Status.PASSED, "", ""),
                             ("head_on_features_beats_chance", FAILED, "it should clearly beat chance (0.10)",
                              "明顯勝過亂猜")],
    "no_augmentation": [("build_end_to_end_augments_and_freezes", FAILED, "no data augmentation layers",
                         "沒有資料擴增層")],
    "rescaling_in_model": [("build_end_to_end_augments_and_freezes", FAILED, "Rescaling layer (/255)",
                            "Rescaling 層")],
    "rate_argument_ignored": [("unfreeze_top_block_uses_learning_rate", FAILED, "was asked for learning rate",
                               "指定的學習率是")],
}


DIRECT = check_functions(EXERCISE)
# public check -> a hidden counterpart: the same judgement, on the public inputs and on fresh random ones
PAIRS = (("prepare_images_pads_and_repeats", "prepare_images_random_images"),
         ("preprocess_red_and_blue_differ", "preprocess_random_colours"),
         ("build_conv_base_is_frozen", "build_conv_base_random_size"),
         ("build_conv_base_feature_shapes", "build_conv_base_random_size"),
         ("extract_features_with_given_weights", "extract_features_random_base"),
         ("build_head_classifies_ten_classes", "build_head_random_feature_shape"),
         ("train_head_returns_model_and_history", "head_on_features_beats_chance"),
         ("build_end_to_end_augments_and_freezes", "build_end_to_end_uses_given_weights"),
         ("unfreeze_top_block_only_block5", "unfreeze_top_block_keeps_head_trainable"),
         ("unfreeze_top_block_only_block5", "unfreeze_top_block_uses_learning_rate"))
# the samples whose mistake a public check and its hidden counterpart both name (the others: one side only)
NAMED_ON_BOTH_SIDES = {"base_not_frozen", "whole_base_unfrozen", "no_recompile", "scaled_255", "no_bgr_swap",
                       "preprocess_in_place", "not_padded", "one_channel", "prepare_scaled_255",
                       "resized_not_padded", "head_relu_output", "weights_hard_coded_none", "head_not_trained"}


@pytest.mark.training
@pytest.mark.parametrize("sample", sorted(PLANTED))
def test_planted_mistake_is_named(session, sample):
    """Each sample's mistake is named as PLANTED says. Then every check (public and hidden) of the functions the
    sample redefines or PLANTED names is called directly, so that its message key (the mistake's name) is seen: a
    mistake named by a public check and its hidden counterpart (PAIRS) gets the same name from both, and the
    samples in NAMED_ON_BOTH_SIDES are named on both sides."""
    functions = SAMPLES[DAY][sample]
    redefine(session, functions)
    try:
        for check_id, status, english, chinese in PLANTED[sample]:
            got, text = run_check(session.learner, check_id)
            assert got == status, (check_id, got, text)
            if status != Status.PASSED:
                assert english in text.en and chinese in text.zh_tw, (check_id, text)
        targets = set(functions) | {DIRECT[check_id][2] for check_id, *_ in PLANTED[sample]}
        outcomes = {i: outcome(fn, session.learner, i, seed=SEED) for i, (fn, _, target) in DIRECT.items()
                    if target in targets and i != IMAGENET_CHECK}
    finally:
        redefine(session, {name: SOLUTION[name] for name in functions})
    assert disagreements(outcomes, PAIRS) == [], sample
    both = [pair for pair in PAIRS if pair[0] in outcomes and pair[1] in outcomes and all(outcomes[i][1] for i in pair)]
    assert bool(both) == (sample in NAMED_ON_BOTH_SIDES), (sample, both)


@pytest.mark.training
def test_every_check_still_passes_after_the_samples_are_put_back(session):
    outcomes = {check_id: run_check(session.learner, check_id, seed=3) for check_id in CHECKS}
    assert {i: o for i, o in outcomes.items() if o[0] != Status.PASSED and i != IMAGENET_CHECK} == {}
    assert outcomes[IMAGENET_CHECK][0] == (Status.SKIPPED if datasets.vgg16_weights_file() is None else Status.PASSED)


# The grader's own answers, imported by a learner's functions in place of their own work
BORROWED = {
    "prepare_images": "def prepare_images(images):\n    from grader.transfer import reference_prepare\n"
                      "    return reference_prepare(images)\n",
    "preprocess": "def preprocess(images):\n    from grader.transfer import reference_preprocess\n"
                  "    return reference_preprocess(images)\n",
    "build_end_to_end": "def build_end_to_end(weights='imagenet'):\n    from grader.transfer import reference_end_to_end\n"
                        "    return reference_end_to_end(weights)\n",
}
BORROWING_CHECKS = ("prepare_images_pads_and_repeats", "prepare_images_random_images", "preprocess_red_and_blue_differ",
                    "preprocess_random_colours", "build_end_to_end_augments_and_freezes",
                    "build_end_to_end_uses_given_weights")


@pytest.mark.training
def test_the_graders_own_answers_cannot_be_imported_by_the_graded_kernel(session):
    """grader.transfer holds the references the public checks compare with (the learner's machine needs them); the
    graded kernel cannot import it (sandbox.ANSWER_MODULES), so functions that hand back the grader's answer score
    nothing and the learner is told what their function raised."""
    redefine(session, BORROWED)
    try:
        outcomes = {check_id: run_check(session.learner, check_id) for check_id in BORROWING_CHECKS}
    finally:
        redefine(session, {name: SOLUTION[name] for name in BORROWED})
    for check_id, (status, text) in outcomes.items():
        assert status != Status.PASSED, check_id
        assert all("ModuleNotFoundError" in t and "No module named 'grader.transfer'" in t
                   for t in (text.en, text.zh_tw)), (check_id, text)


# ---------------------------------------------------------------- references against Keras (no notebook)

def test_references_agree_with_keras():
    from keras.applications import vgg16

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, size=(2, 5, 4, 3)).astype(np.float32)
    assert np.allclose(transfer.reference_preprocess(images), vgg16.preprocess_input(images.copy()), atol=1e-4)
    grey = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    prepared = transfer.reference_prepare(grey)
    assert prepared.shape == (3, 32, 32, 3) and prepared.dtype == np.float32
    assert np.array_equal(prepared[:, 2:30, 2:30, 1], grey) and prepared[:, :2].max() == 0
    public = _public_module()
    for size, shape in public.FEATURE_SHAPES.items():
        assert vgg16.VGG16(weights=None, include_top=False, input_shape=(size, size, 3)).output.shape[1:] == shape


def test_reference_features_are_computed_once_per_draw_of_the_weights_and_inputs(monkeypatch):
    """A class graded with one seed draws the same random base for every submission: its features are computed
    once per process, and are what computing them afresh gives; another draw or other inputs are computed."""
    predicted = []
    compute = transfer._predicted
    monkeypatch.setattr(transfer, "_predicted", lambda base, x: predicted.append(len(x)) or compute(base, x))
    transfer.forget()
    images = transfer.reference_preprocess(transfer.reference_prepare(
        np.random.default_rng(0).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)))
    base = transfer.random_base(np.random.default_rng(1), reuse=True)
    first = transfer.features(base, images)
    first[:] = 0                                                         # a caller's copy: the memory is not changed
    again = transfer.features(transfer.random_base(np.random.default_rng(1), reuse=True), images)
    assert predicted == [4] and np.array_equal(again, compute(base, images)) and again.any()
    other_draw = transfer.features(transfer.random_base(np.random.default_rng(2), reuse=True), images)
    assert predicted == [4, 4] and not np.allclose(other_draw, again)
    transfer.features(transfer.random_base(np.random.default_rng(2), reuse=True), images[:3])
    assert predicted == [4, 4, 3]
    fresh = transfer.random_base(np.random.default_rng(1))               # a new model, the same draw: remembered
    assert np.array_equal(transfer.features(fresh, images), again) and predicted == [4, 4, 3]
    transfer.forget()


def shipped_head_features() -> dict[str, np.ndarray]:
    path = datasets.find(datasets.HEAD_FEATURES)
    assert path is not None, "datasets/fashion-mnist/fashion-vgg16-random-features.npz missing or changed"
    with np.load(path, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def test_shipped_head_features_are_the_fixed_base_features_of_the_subset():
    """The head check's shipped features (sha256 known, finite) are, row for row, the subset's images through VGG16
    with the weights drawn from HEAD_BASE_SEED: a few rows computed here equal the stored ones brought back to
    raw features with the stored training mean and std (compared raw: standardizing magnifies a float32 or TF32
    difference by up to mean / std, about 30 here)."""
    stored = shipped_head_features()
    assert {k: (v.shape, v.dtype.name) for k, v in stored.items()} == {
        "train": ((2000, 512), "float16"), "test": ((500, 512), "float16"),
        "mean": ((512,), "float32"), "std": ((512,), "float32")}
    assert all(np.isfinite(v).all() for v in stored.values())
    (x_train, _), (x_test, _) = datasets.load_fashion_subset()
    rows = np.array([0, 1, 399, 1000, 1999])
    for split, images, picked in (("train", x_train, rows), ("test", x_test, rows[rows < 500])):
        computed = transfer.head_raw_features(images[picked])
        raw = stored[split][picked].astype(np.float32) * stored["std"] + stored["mean"]
        assert np.allclose(computed, raw, rtol=1e-2, atol=1e-3 * np.abs(computed).max()), split
    standardized = stored["train"].astype(np.float32)
    assert np.allclose(standardized.mean(axis=0), 0, atol=1e-2) and np.allclose(standardized.std(axis=0)[
        stored["std"] != 1], 1, atol=1e-2)


def test_building_the_head_features_gives_the_shipped_file_and_the_grader_computes_them_without_it(monkeypatch):
    """computed_head_features (what datasets/build_head_features.py writes, and what the grader computes when the
    file is missing) standardizes and stores as the shipped file does: given the raw features the file holds (a
    stand-in for the VGG16 pass), it gives back the file's arrays, dtypes and statistics; and head_features, with
    no file found, gives those arrays."""
    stored = shipped_head_features()
    raw = {len(stored[k]): stored[k].astype(np.float32) * stored["std"] + stored["mean"] for k in ("train", "test")}
    monkeypatch.setattr(transfer, "head_raw_features", lambda images: raw[len(images)])
    (x_train, y_train), (x_test, y_test) = datasets.load_fashion_subset()
    built = transfer.computed_head_features(x_train, x_test)
    assert {k: v.dtype for k, v in built.items()} == {k: v.dtype for k, v in stored.items()}
    assert np.allclose(built["mean"], stored["mean"], rtol=1e-3, atol=1e-6)
    assert np.allclose(built["std"][stored["std"] != 1], stored["std"][stored["std"] != 1], rtol=1e-3)
    for key in ("train", "test"):
        assert np.allclose(built[key].astype(np.float32), stored[key].astype(np.float32), rtol=2e-3, atol=2e-2), key
    find = datasets.find
    monkeypatch.setattr(datasets, "find", lambda data: None if data == datasets.HEAD_FEATURES else find(data))
    transfer.head_features.cache_clear()
    try:
        (train, labels), (test, test_labels) = transfer.head_features()
    finally:
        transfer.head_features.cache_clear()
    assert train.dtype == test.dtype == np.float32 and not train.flags.writeable and not labels.flags.writeable
    assert np.array_equal(train, built["train"]) and np.array_equal(test, built["test"])
    assert np.array_equal(labels, y_train) and np.array_equal(test_labels, y_test)


def ridge_accuracy(train, labels, test, test_labels) -> float:
    """Test accuracy of a ridge-regression classifier (one-hot targets, closed form) on flattened features."""
    x, t = (np.c_[f.reshape(len(f), -1), np.ones(len(f))] for f in (train, test))
    w = np.linalg.solve(x.T @ x + 10 * np.eye(x.shape[1]), x.T @ np.eye(10)[labels])
    return float(np.mean((t @ w).argmax(axis=1) == test_labels))


def test_balanced_draw_takes_a_fresh_shuffled_set_of_each_class():
    labels = np.repeat(np.arange(10), 200)
    draws = [transfer.balanced_draw(np.random.default_rng(seed), labels, 100) for seed in (1, 2)]
    for pick in draws:
        assert len(set(pick)) == 1000 and np.bincount(labels[pick], minlength=10).tolist() == [100] * 10
        assert not np.array_equal(labels[pick], np.sort(labels[pick]))                        # shuffled
    assert len(set(draws[0]) & set(draws[1])) < 700                                          # about 500 shared
    with pytest.raises(ValueError):
        transfer.balanced_draw(np.random.default_rng(0), labels, 201)


def test_head_check_data_is_a_fresh_balanced_draw_through_a_fresh_relu_layer():
    """Each run's head features: the balanced draw of that seed and the 500 test features, through one fresh
    random ReLU layer (a ReLU's zeros: many rows share their column's lowest value, which no linear map gives; a
    linear classifier fitted on the drawn training features classifies the test features through the same
    layer, not those of another draw), standardized; the same seed, the same data."""
    (_, y_train), _ = transfer.head_features()
    runs = [transfer.head_check_data(np.random.default_rng(seed), 100) for seed in (1, 2, 1)]
    for seed, ((x, y), (x_test, y_test)) in zip((1, 2, 1), runs):
        assert x.shape == (1000, 1, 1, 512) and x_test.shape == (500, 1, 1, 512)
        assert x.dtype == x_test.dtype == np.float32
        assert np.array_equal(y, y_train[transfer.balanced_draw(np.random.default_rng(seed), y_train, 100)])
        flat = x.reshape(1000, 512)
        assert np.allclose(flat.mean(axis=0), 0, atol=1e-4) and np.allclose(flat.std(axis=0)[flat.std(axis=0) > 0], 1)
        assert np.mean(flat == flat.min(axis=0)) > 0.2                                       # measured about 0.5
        assert ridge_accuracy(x, y, x_test, y_test) > 0.6                                    # measured 0.72-0.73
    (first, first_test), (other, other_test), (again, again_test) = runs
    assert all(np.array_equal(a, b) for a, b in zip((*first, *first_test), (*again, *again_test)))
    assert not np.allclose(first_test[0], other_test[0], atol=0.1)
    assert ridge_accuracy(*first, *other_test) < 0.3                                        # another layer's test


def test_every_planted_sample_is_tested_and_every_mistake_has_both_languages():
    from grader import messages

    assert set(SAMPLES[DAY]) == set(PLANTED)
    used = {key for key in messages.CATALOG if key.startswith("transfer_")}
    source = "\n".join(p.read_text() for p in (EXERCISE.public_checks, EXERCISE.hidden_checks)) + \
        (exercises.PACKAGE_DIR / "transfer.py").read_text()
    assert [key for key in used if f'"{key}"' not in source] == []


def _public_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("day98_public", EXERCISE.public_checks)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
