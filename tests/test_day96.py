"""day96 end to end: the reference passes, the stub is not attempted, each planted mistake is named.

The mistakes the exercise is built around (and the refused Lambda / custom layers) are planted in notebooks and
graded in kernels, one grading each. The other named mistakes run the same check functions in-process through
``LocalLearner`` (no kernel), which costs a fraction of a second per sample and per seed.
"""
import importlib.util
import inspect
import zlib

import nbformat
import numpy as np
import pytest

from grader import exercise as exercises
from grader.checks import CheckFailed
from grader.grading import grade, run_checks
from grader.learner import LearnerProblem, LocalLearner
from grader.notebook import has_solution
from grader.results import Status
from grader.session import Session
from stored import assert_as_stored
from samples import SAMPLES, plant

pytestmark = pytest.mark.usefixtures("warm_kernels")  # each grading finds its kernel launched (conftest.py)

DAY = "day96"
SEED = 96
POINTS = 21
EXERCISE = exercises.get(DAY)


def by_id(result):
    return {c.id: c for e in result.exercises for c in e.checks}


# ---------------------------------------------------------------- graded in kernels

def test_solution_scores_full_marks_with_several_seeds():
    with Session(EXERCISE, EXERCISE.solution, seed=SEED) as session:
        assert session.execution.failures == () and session.execution.cells_run == session.execution.cells_total
        for seed in (SEED, 0, 12345, 2**31 - 1):
            checks = run_checks(EXERCISE, session.learner, seed=seed, hidden=True, lang="en")
            assert {c.hidden for c in checks} == {True, False}
            assert sum(c.max_score for c in checks) == POINTS
            assert [c.id for c in checks if c.status != Status.PASSED] == [], seed


def test_stub_scores_zero_with_every_check_not_attempted():
    result = grade(exercises.ROOT / "exercises" / DAY, seed=SEED)
    assert_as_stored(result, DAY, "stub")
    assert result.score == 0 and result.max_score == POINTS
    assert {c.status for c in by_id(result).values()} == {Status.NOT_ATTEMPTED}
    assert all("NotImplementedError" in c.message.en for c in by_id(result).values())


BUILD_MODEL_CHECKS = ("build_model_parameter_counts", "build_model_last_layer", "build_model_input_shape",
                     "build_model_layers_and_config", "build_model_output_shapes", "build_model_layer_params",
                     "build_model_without_pooling")
FAILED, ERROR = Status.FAILED, Status.ERROR
# sample -> [(check id, status, English substring, zh-TW substring)]
END_TO_END = {
    "bias_forgotten": [(check, FAILED, "the count without the biases", "少算了偏差") for check in (
        "conv_params_known_layers", "dense_params_known_layers", "separable_conv_params_known_layers",
        "conv_params_random_vs_keras", "dense_params_random_vs_keras", "separable_conv_params_random_vs_keras")],
    "three_channels_assumed": [
        *[(check, FAILED, "as if every input had 3 channels (RGB)", "好像輸入一定有 3 個通道")
          for check in ("conv_params_known_layers", "conv_params_random_vs_keras")],
        *[(check, FAILED, "(None, 28, 28, 3): 3 channels (RGB)", "(None, 28, 28, 3)：3 個通道（RGB）")
          for check in BUILD_MODEL_CHECKS]],
    "flatten_missing": [(check, FAILED, "has no Flatten layer", "沒有平坦層（Flatten）") for check in (
        "build_model_parameter_counts", "build_model_layers_and_config", "build_model_output_shapes",
        "build_model_layer_params", "build_model_without_pooling")],
    "channels_first_input": [
        *[(check, ERROR, "most likely channels-first, (1, 28, 28)", "channels-first 的 (1, 28, 28)")
          for check in BUILD_MODEL_CHECKS],
        ("conv_output_shape_slides_model", FAILED, "the filters come first", "濾波器個數放在最前面"),
        ("conv_output_shape_random_vs_keras", FAILED, "the filters come first", "濾波器個數放在最前面")],
    "lambda_layer": [(check, ERROR, "was refused: it contains a Lambda layer", "被拒絕：裡面有 Lambda 層")
                     for check in BUILD_MODEL_CHECKS],
    "custom_layer": [(check, ERROR, "was refused: it uses a custom layer", "被拒絕：它使用了批改程式不認得的自訂層")
                     for check in BUILD_MODEL_CHECKS],
}


@pytest.mark.parametrize("sample", sorted(END_TO_END))
def test_planted_mistake_loses_points_and_is_named(tmp_path, sample):
    result = grade(plant(tmp_path, DAY, sample), seed=SEED)
    assert_as_stored(result, DAY, sample)
    checks = by_id(result)
    assert result.score < result.max_score == POINTS
    for check_id, status, english, chinese in END_TO_END[sample]:
        check = checks[check_id]
        assert check.status == status and check.score == 0, (check_id, check.status, check.message)
        assert english in check.message.en and chinese in check.message.zh_tw, (check_id, check.message)
    if all(check_id in BUILD_MODEL_CHECKS for check_id, *_ in END_TO_END[sample]):  # the other functions still pass
        assert all(c.status == Status.PASSED for c in checks.values() if c.function != "build_model")


def test_hard_coded_examples_fail_the_public_tables_and_the_hidden_checks(tmp_path):
    checks = by_id(grade(plant(tmp_path, DAY, "hard_coded_examples"), seed=SEED))
    for public in ("conv_params_known_layers", "dense_params_known_layers", "separable_conv_params_known_layers",
                   "conv_output_shape_slides_model"):
        assert checks[public].status == Status.FAILED and not checks[public].hidden
    for hidden in ("conv_params_random_vs_keras", "dense_params_random_vs_keras",
                   "separable_conv_params_random_vs_keras", "conv_output_shape_random_vs_keras"):
        assert checks[hidden].status == Status.FAILED and checks[hidden].hidden


# ---------------------------------------------------------------- the same checks, in-process

def _load(path):
    spec = importlib.util.spec_from_file_location(f"{DAY}_{path.parent.name}_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_checks() -> dict:
    """{check id: function} of the public and the hidden checks; ids must not repeat."""
    found = {}
    for module in (_load(EXERCISE.public_checks), _load(EXERCISE.hidden_checks)):
        for name, fn in vars(module).items():
            if name.startswith("test_"):
                assert name.removeprefix("test_") not in found, name
                found[name.removeprefix("test_")] = fn
    return found


def namespace(sample: str | None = None) -> dict:
    """The solution notebook's setup and function cells, run here, with ``sample``'s functions put over them."""
    ns = {}
    for cell in nbformat.read(EXERCISE.solution, as_version=4).cells:
        if cell.cell_type == "code" and (cell.get("id") == "setup" or has_solution(cell.source)):
            exec(cell.source, ns)
    for source in SAMPLES[DAY][sample].values() if sample else ():
        exec(source, ns)
    return ns


def run_in_process(ns: dict, seed: int, check_ids=None) -> dict:
    """{check id: (status, message)} from running the checks (all by default) on ``ns``'s functions."""
    learner, outcomes = LocalLearner(ns), {}
    for check_id in check_ids or CHECKS:
        fn = CHECKS[check_id]
        kwargs = {"learner": learner}
        if "rng" in inspect.signature(fn).parameters:
            kwargs["rng"] = np.random.default_rng([seed, zlib.crc32(f"test_{check_id}".encode())])
        try:
            fn(**kwargs)
            outcomes[check_id] = (Status.PASSED, None)
        except LearnerProblem as problem:
            outcomes[check_id] = (problem.status, problem.text)
        except CheckFailed as failure:
            outcomes[check_id] = (Status.FAILED, failure.text)
    return outcomes


CHECKS = all_checks()
SEEDS = (SEED, 1, 2)
# sample -> [(check id, English substring, zh-TW substring)], each check FAILED with that message
IN_PROCESS = {
    "in_channels_left_out": [(c, "the input channels are left out", "漏掉了輸入通道數")
                             for c in ("conv_params_known_layers", "conv_params_random_vs_keras")],
    "dense_bias_per_input": [(c, "one bias per input", "偏差算成每個輸入一個")
                             for c in ("dense_params_known_layers", "dense_params_random_vs_keras")],
    "separable_as_conv": [(c, "the count of an ordinary Conv2D", "這是一般 Conv2D 的參數量") for c in (
        "separable_conv_params_known_layers", "separable_conv_params_random_vs_keras")],
    "separable_depthwise_bias": [(c, "C_in extra biases for the depthwise step", "多算了逐深度") for c in (
        "separable_conv_params_known_layers", "separable_conv_params_random_vs_keras")],
    "stride_ignored": [(c, "the stride is ignored", "忽略了步長")
                       for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
    "padding_ignored": [
        *[(c, "the size for the other padding", "另一種填補")
          for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
        ("conv_output_shape_rejects_unknown_padding", "should raise ValueError", "應該丟出 ValueError")],
    "missing_plus_one": [(c, "one too small", "少了 1")
                         for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
    "same_rounded_down": [(c, '"same" rounds up', "無條件進位")
                          for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
    "sizes_as_floats": [(c, "a tuple of 3 Python ints", "整數除法")
                        for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
    "hw_swapped": [(c, "height and width are swapped", "高和寬對調")
                   for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
    "filters_missing": [(c, "should be (height, width, filters)", "濾波器個數就是輸出的深度")
                        for c in ("conv_output_shape_slides_model", "conv_output_shape_random_vs_keras")],
    "wrong_error_for_padding": [("conv_output_shape_rejects_unknown_padding", "yours gave KeyError", "KeyError")],
    "pooling_missing": [(c, "has no MaxPooling2D layers", "沒有 MaxPooling2D 層") for c in (
        "build_model_parameter_counts", "build_model_layers_and_config", "build_model_output_shapes")],
    "pooling_flag_ignored": [(c, "still has MaxPooling2D layers", "仍然有 MaxPooling2D 層")
                             for c in ("build_model_parameter_counts", "build_model_without_pooling")],
    "last_layer_one_unit": [(c, "The last Dense layer should have 10 units (one per class); yours has 1.",
                             "最後一個 Dense 層應該有 10 個神經元（每個類別一個）；你的有 1 個。")
                            for c in ("build_model_last_layer", "build_model_layers_and_config")],
    "last_layer_relu": [(c, "should use softmax", "應該用 softmax")
                        for c in ("build_model_last_layer", "build_model_layers_and_config")],
    "activation_twice": [("build_model_layers_and_config", "should have the layers", "的層應該是")],
    "wrong_filters": [("build_model_layers_and_config",
                       "layer 3 (Conv2D) should have filters=25; yours has filters=64",
                       "第 3 層（Conv2D）的 filters 應該是 25；你的是 64")],
    "not_built": [(c, "has no input shape yet", "還沒有輸入形狀") for c in BUILD_MODEL_CHECKS],
    "channels_first_data_format": [
        (c, "has input shape (None, 1, 28, 28): channels-first", "的輸入形狀是 (None, 1, 28, 28)：channels-first")
        for c in BUILD_MODEL_CHECKS],
}


ACTIVATIONS_AS_LAYERS = {
    "Activation": ("Activation('relu')", "Activation('softmax')"),
    "ReLU and Softmax": ("ReLU()", "Softmax()"),
    "Softmax over axis 1 of (None, 10)": ("ReLU()", "Softmax(axis=1)"),   # the same axis, counted from the front
}


@pytest.mark.parametrize("style", sorted(ACTIVATIONS_AS_LAYERS))
def test_activations_written_as_layers_of_their_own_lose_nothing(style):
    """``Conv2D(32, (3, 3))`` then ``Activation("relu")`` computes what ``Conv2D(32, (3, 3), activation="relu")``
    does, with the same parameters (the course's Keras.js slide draws the ReLU as a layer): every check passes,
    with and without pooling (it cost 10 of 21 points, each check saying "should have the layers"; found by
    trying the grader as a learner). The same activation twice is still a wrong layer list (``activation_twice``)."""
    relu, softmax = ACTIVATIONS_AS_LAYERS[style]
    ns = namespace()
    exec(f'''
def build_model(pooling=True):
    model = keras.Sequential([keras.Input(shape=INPUT_SHAPE), layers.Conv2D(32, (3, 3)), layers.{relu}])
    if pooling:
        model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(25, (3, 3)))
    model.add(layers.{relu})
    if pooling:
        model.add(layers.MaxPooling2D((2, 2)))
    for layer in (layers.Flatten(), layers.Dense(100), layers.{relu}, layers.Dense(NUM_CLASSES), layers.{softmax}):
        model.add(layer)
    return model
''', ns)
    for seed in SEEDS:
        failing = {k: v for k, v in run_in_process(ns, seed).items() if v[0] != Status.PASSED}
        assert failing == {}, (seed, failing)


def test_activations_as_layers_of_a_functional_model_lose_nothing():
    ns = namespace()
    exec('''
def build_model(pooling=True):
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Activation("relu")(layers.Conv2D(32, (3, 3))(inputs))
    x = layers.MaxPooling2D((2, 2))(x) if pooling else x
    x = layers.ReLU()(layers.Conv2D(25, (3, 3))(x))
    x = layers.MaxPooling2D((2, 2))(x) if pooling else x
    x = layers.ReLU()(layers.Dense(100)(layers.Flatten()(x)))
    return keras.Model(inputs, layers.Softmax()(layers.Dense(NUM_CLASSES)(x)))
''', ns)
    failing = {k: v for k, v in run_in_process(ns, SEED).items() if v[0] != Status.PASSED}
    assert failing == {}, failing


def test_an_activation_on_a_side_branch_is_not_taken_for_the_chains():
    """A review's model: no ReLU on the way to the output, an unused ReLU of the hidden Dense returned as a second
    output. Keras lists that ReLU right after the Dense; it is not folded into it (it scored 21/21 when it was)."""
    ns = namespace()
    exec('''
def build_model(pooling=True):
    inputs = keras.Input(shape=INPUT_SHAPE)
    x = layers.Conv2D(32, (3, 3), activation="relu")(inputs)
    x = layers.MaxPooling2D((2, 2))(x) if pooling else x
    x = layers.Conv2D(25, (3, 3), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x) if pooling else x
    hidden = layers.Dense(100)(layers.Flatten()(x))
    unused = layers.ReLU()(hidden)
    return keras.Model(inputs, [unused, layers.Dense(NUM_CLASSES, activation="softmax")(hidden)])
''', ns)
    outcomes = run_in_process(ns, SEED)
    model_checks = [c for c in outcomes if c.startswith("build_model")]
    assert model_checks and all(outcomes[c][0] == Status.FAILED for c in model_checks), outcomes
    assert "has 1 input(s) and 2 output(s)" in outcomes["build_model_layers_and_config"][1].en


def test_a_second_output_is_never_left_unjudged():
    """A fourth review's model: the right chain, with the first convolution's output before its ReLU returned as
    a second output. Only the layer list was judged, never the outputs: it passed every stage. A model now has
    one input and one output, or every model check names the extra one."""
    ns = namespace()
    exec('''
def build_model(pooling=True):
    inputs = keras.Input(shape=INPUT_SHAPE)
    conv = layers.Conv2D(32, (3, 3))(inputs)
    x = layers.ReLU()(conv)
    x = layers.MaxPooling2D((2, 2))(x) if pooling else x
    x = layers.Conv2D(25, (3, 3), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x) if pooling else x
    x = layers.Dense(100, activation="relu")(layers.Flatten()(x))
    return keras.Model(inputs, [layers.Dense(NUM_CLASSES, activation="softmax")(x), conv])
''', ns)
    outcomes = run_in_process(ns, SEED)
    model_checks = [c for c in outcomes if c.startswith("build_model")]
    assert model_checks and all(outcomes[c][0] == Status.FAILED for c in model_checks), outcomes
    said = outcomes["build_model_layers_and_config"][1]
    assert "1 input(s) and 2 output(s)" in said.en and "2 個輸出" in said.zh_tw


def test_solution_passes_every_check_in_process_with_many_seeds():
    ns = namespace()
    for seed in range(12):
        failing = {k: v for k, v in run_in_process(ns, seed).items() if v[0] != Status.PASSED}
        assert failing == {}, seed


@pytest.mark.parametrize("sample", sorted(IN_PROCESS))
def test_named_mistake_in_process(sample):
    ns = namespace(sample)
    for seed in SEEDS:
        outcomes = run_in_process(ns, seed, [check_id for check_id, *_ in IN_PROCESS[sample]])
        for check_id, english, chinese in IN_PROCESS[sample]:
            status, text = outcomes[check_id]
            assert status == Status.FAILED, (seed, check_id, status, text)
            assert english in text.en and chinese in text.zh_tw, (seed, check_id, text)


def test_public_tables_agree_with_keras():
    """The diagnoses' formulas, and so the public tables generated from them, agree with Keras's own layers."""
    public, hidden = _load(EXERCISE.public_checks), _load(EXERCISE.hidden_checks)
    import keras

    layers = {"conv_params": lambda f, c, k: (keras.layers.Conv2D(k, f), (f, f, c)),
              "dense_params": lambda n, k: (keras.layers.Dense(k), (n,)),
              "separable_conv_params": lambda f, c, k: (keras.layers.SeparableConv2D(k, f), (f, f, c))}
    for function, layer in layers.items():
        for entry in public.TABLES[function]:
            assert hidden.keras_count(*layer(*entry["args"])) == entry["want"], (function, entry["args"])
    for entry in public.TABLES["conv_output_shape"]:
        if "raises" not in entry:
            stride, padding = entry["kwargs"].get("stride", 1), entry["kwargs"].get("padding", "valid")
            assert hidden.keras_conv_shape(*entry["args"], stride, padding) == entry["want"], entry["args"]


def test_model_spec_matches_a_keras_built_reference():
    from grader.architecture import layers_of

    hidden = _load(EXERCISE.hidden_checks)
    for pooling, spec in ((True, hidden.DAY.SLIDES["layers"]), (False, hidden.DAY.NO_POOLING["layers"])):
        model = namespace()["build_model"](pooling=pooling)
        layers = layers_of(model)
        assert [type(layer).__name__ for layer in layers] == [name for name, *_ in spec]
        assert [tuple(layer.output.shape) for layer in layers] == [shape for _, _, shape, _ in spec]
        assert [layer.count_params() for layer in layers] == [params for *_, params in spec]
        assert model.count_params() == sum(params for *_, params in spec)


def test_every_planted_sample_is_tested():
    from test_diagnosis import ISSUE_EXAMPLES   # the samples of issue 14, graded in-process there

    issue = {sample for day, sample, *_ in ISSUE_EXAMPLES if day == DAY}
    assert set(SAMPLES[DAY]) == set(END_TO_END) | set(IN_PROCESS) | {"hard_coded_examples"} | issue
