"""A learner's kernel attacking the path of models that cross without their weights (``KernelLearner.without_weights``,
``transfer.architecture``): the kernel writes whatever archive it likes where the call helper writes the model's
``config.json``; the grader decides by what it asked, reads only the config, and refuses everything else as the
learner's own problem, never as a grader error."""
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import transfer
from grader.checks import CheckFailed, expect_keras_model
from grader.learner import MAX_MODEL_PARAMETERS, KernelLearner, LearnerProblem, LearnerRaised, compile_config
from kernels import fresh_kernel
from test_learner import DEFINITIONS

PLANTING = '''
import os, zipfile
import keras
_REAL_ZIP, _PLANT = zipfile.ZipFile, {}
def _plant(path):
    zipfile.ZipFile = _REAL_ZIP
    if _PLANT["link"] is not None:
        os.symlink(_PLANT["link"], path)
    else:
        with open(path, "wb") as handle:
            handle.write(_PLANT["bytes"])
class _Planter:  # what the call helper takes for zipfile.ZipFile when it writes a model without its weights
    def __init__(self, path, *args, **kwargs):
        _plant(path)
    def __enter__(self):
        return self
    def __exit__(self, *args):
        return False
    def writestr(self, *args, **kwargs):
        pass
class Planted(keras.Sequential):  # and its save(), when it writes one with them
    def save(self, path, *args, **kwargs):
        _plant(path)
def planted(archive=None, link=None):
    """A model whose file, written by the call helper either way, holds ``archive``'s bytes or links to ``link``."""
    _PLANT.update(bytes=None if archive is None else bytes(archive.astype("uint8")), link=link)
    zipfile.ZipFile = _Planter
    return Planted([keras.Input((4,)), keras.layers.Dense(3)])
def head_without_input(feature_shape):  # a learner's mistake: feature_shape ignored, no Input
    return keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
def head_without_weights(feature_shape):  # ten outputs, not one layer with weights
    n = feature_shape[0] * feature_shape[1] * feature_shape[2]
    return keras.Sequential([keras.Input(tuple(feature_shape)), keras.layers.Reshape((n, 1)),
                             keras.layers.Cropping1D((0, n - 10)), keras.layers.Flatten(), keras.layers.Softmax()])
def build_conv_base(input_shape, weights=None):  # VGG16's base inside a Sequential without an Input: not built
    from keras.applications import vgg16
    base = vgg16.VGG16(weights=weights, include_top=False, input_shape=tuple(input_shape))
    base.trainable = False
    return keras.Sequential([base])
def nan_rate_model():  # really compiled so: the rate is no number at all
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=float("nan")), loss="sparse_categorical_crossentropy")
    return model
def flip_weights(on):
    """From now on (``on``) the helper writes weights when the grader asked for none, and none when it asked."""
    ns = get_ipython().user_ns
    real = ns.setdefault("_real_helper", ns["__grader_call"])
    def flipped(folder, name, brief=False, weights=True):
        return real(folder, name, brief, not weights)
    ns["__grader_call"] = flipped if on else real
    return on
'''


@pytest.fixture(scope="module")
def kernel_learner(tmp_path_factory):
    with fresh_kernel(tmp_path_factory.mktemp("weightless"), setup=DEFINITIONS + PLANTING, timeout=60) as kernel:
        yield KernelLearner(kernel, kernel.workdir, call_timeout_s=30)


@pytest.fixture(scope="module")
def honest_config():
    """config.json of Sequential([Input((4,)), Dense(3)]), as the call helper writes it: 15 weights."""
    import keras

    return keras.saving.serialize_keras_object(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]))


def archive(*members, compression=zipfile.ZIP_STORED) -> np.ndarray:
    """A zip of ``members`` ((name, bytes | str | JSON value)), as uint8 for the kernel to plant."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as new:
        for name, data in members:
            new.writestr(name, data if isinstance(data, (bytes, str)) else json.dumps(data))
    return np.frombuffer(buffer.getvalue(), np.uint8)


def weightless(learner, *args, **kwargs):
    with learner.without_weights():
        return learner.call("planted", *args, **kwargs)


def refused(learner, *args, **kwargs) -> LearnerRaised:
    """The planted model is refused as the learner's problem, with a message in both languages; the kernel is fine."""
    with pytest.raises(LearnerRaised) as problem:
        weightless(learner, *args, **kwargs)
    assert problem.value.text.en and problem.value.text.zh_tw
    assert learner.call("add", 1) == 2
    return problem.value


def with_layer(config: dict, layer: dict) -> dict:
    config = json.loads(json.dumps(config))
    config["config"]["layers"].append(layer)
    return config


def test_the_planted_honest_config_loads_so_the_refusals_below_are_the_archives(kernel_learner, honest_config):
    assert weightless(kernel_learner, archive(("config.json", honest_config))).count_params() == 15


# ---------------------------------------------------------------- archives the grader refuses

NOT_A_MODEL = {"a list": "[1, 2]", "a string": '"Sequential"', "a number": "7", "null": "null"}   # JSON texts


@pytest.mark.parametrize("config", NOT_A_MODEL.values(), ids=NOT_A_MODEL.keys())
def test_a_config_that_is_not_an_object_is_refused(kernel_learner, config):
    assert "does not describe a model" in refused(kernel_learner, archive(("config.json", config))).text.en


def test_archives_too_deep_too_many_bombs_links_and_garbage_are_refused(kernel_learner, honest_config, tmp_path):
    config = json.dumps(honest_config)
    for planted in (archive(("config.json", '{"a": ' * 500 + "1" + "}" * 500)),
                    archive(("config.json", "{nope")),
                    archive(("other.json", config)),                                         # no config.json
                    archive(("config.json", config), *((f"assets/{i}", b"x") for i in range(300))),
                    archive(("config.json", config), ("assets/zeros", bytes(200 * 2**20)),
                            compression=zipfile.ZIP_DEFLATED),
                    np.frombuffer(b"PK\x03\x04 not a zip", np.uint8)):
        refused(kernel_learner, planted)
    secret = tmp_path / "secret.keras"                       # a real model file only the grader's user may read
    secret.write_bytes(archive(("config.json", config)).tobytes())
    secret.chmod(0o600)
    assert "cannot read" in refused(kernel_learner, link=str(secret)).text.en


def test_a_config_declaring_gibibytes_of_weights_is_refused(kernel_learner, honest_config):
    huge = json.loads(json.dumps(honest_config).replace('"units": 3', '"units": 1073741824'))
    assert "declares more than" in refused(kernel_learner, archive(("config.json", huge))).text.en


def test_lambda_and_custom_layers_are_refused_without_weights(kernel_learner, honest_config):
    import keras

    code = keras.saving.serialize_keras_object(keras.layers.Lambda(lambda x: x * 2))
    assert "Lambda" in refused(kernel_learner, archive(("config.json", with_layer(honest_config, code)))).text.en
    custom = {"module": None, "class_name": "Doubler", "registered_name": "learner>Doubler", "config": {}}
    assert "custom" in refused(kernel_learner, archive(("config.json", with_layer(honest_config, custom)))).text.en


def marker_config(path) -> dict:
    return {"command": f"touch {path}", "cmd": f"touch {path}", "source": f"open({str(path)!r}, 'w')"}


def outside_keras(marker) -> dict:
    """Configs naming callables outside Keras's modelling API: each would write ``marker`` if it ran."""
    return {"os.system": {"module": "os", "class_name": "system", "config": marker_config(marker)},
            "builtins.exec": {"module": "builtins", "class_name": "exec", "config": marker_config(marker)},
            "a function from os": {"module": "os", "class_name": "function", "config": "system"},
            "keras internals": {"module": "keras.src.utils.python_utils", "class_name": "func_load",
                                "config": {"code": "x"}},
            "enable unsafe deserialization": {"module": "keras.config", "class_name": "function",
                                              "config": "enable_unsafe_deserialization"},
            "a registered name outside Keras": {"module": "os", "class_name": "Dense", "registered_name": "os>system",
                                                "config": marker_config(marker)}}


def test_callables_outside_keras_are_never_imported_or_run(kernel_learner, honest_config, tmp_path):
    from keras.src.saving import serialization_lib

    marker = tmp_path / "ran"
    for name, hostile in outside_keras(marker).items():
        for config in (hostile, with_layer(honest_config, hostile)):
            with pytest.raises(LearnerProblem):
                value = weightless(kernel_learner, archive(("config.json", config)))
                assert False, f"{name}: loaded as {type(value).__name__}"
    assert not marker.exists() and serialization_lib.in_safe_mode() is not False
    code = {"module": "keras.layers", "class_name": "Lambda",
            "config": {"function": {"class_name": "__lambda__", "config": {"code": "x", "defaults": None,
                                                                               "closure": None}}}}
    assert "Lambda" in refused(kernel_learner, archive(("config.json", with_layer(honest_config, code)))).text.en


def test_a_hostile_compile_setting_of_a_nested_model_is_refused(kernel_learner, honest_config, tmp_path):
    marker = tmp_path / "ran"
    inner = json.loads(json.dumps(honest_config))
    inner["config"]["layers"] = inner["config"]["layers"][1:]                     # Sequential([Dense(3)])
    inner["compile_config"] = {"optimizer": "adam", "loss": outside_keras(marker)["os.system"]}
    outer = json.loads(json.dumps(honest_config))
    outer["config"]["layers"][1] = inner
    refused(kernel_learner, archive(("config.json", outer)))
    assert not marker.exists()


NOT_MODELS = {
    "an array": {"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "float32"}},
    "a tensor": {"class_name": "__tensor__", "config": {"value": [1, 2], "dtype": "float32"}},
    "bytes": {"class_name": "__bytes__", "config": {"value": "x"}},
    "an ellipsis": {"class_name": "__ellipsis__", "config": {}},
    "a slice": {"class_name": "__slice__", "config": {"start": 1, "stop": 2, "step": None}},
    "a symbolic tensor": {"class_name": "__keras_tensor__",
                          "config": {"shape": [None, 4], "dtype": "float32", "keras_history": ["x", 0, 0]}},
    "a plain object": {"a": 1},
    "a function": {"module": "keras.activations", "class_name": "function", "config": "relu"},
    "a layer": {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}},
    "an optimizer": {"module": "keras.optimizers", "class_name": "Adam", "config": {}},
}


@pytest.mark.parametrize("config", NOT_MODELS.values(), ids=NOT_MODELS.keys())
def test_a_config_describing_something_else_than_a_model_is_the_learners_problem(kernel_learner, config):
    """Keras builds whatever a config describes: a value that is not a model is refused, or fails the check that
    expects a model; neither is a grader error."""
    try:
        value = weightless(kernel_learner, archive(("config.json", config)))
    except LearnerProblem as problem:
        assert problem.text.en and problem.text.zh_tw
        return
    with pytest.raises(CheckFailed):
        expect_keras_model(value, what="build_head((1, 1, 512))")


# ---------------------------------------------------------------- what the grader never reads

def test_a_top_level_compile_setting_is_read_as_data_never_built(kernel_learner, honest_config, tmp_path):
    marker = tmp_path / "ran"
    config = dict(honest_config, compile_config={"optimizer": outside_keras(marker)["os.system"],
                                                 "loss": outside_keras(marker)["builtins.exec"]})
    model = weightless(kernel_learner, archive(("config.json", config)))
    assert model.count_params() == 15 and not model.compiled and not marker.exists()
    assert compile_config(model)["optimizer"]["module"] == "os"


def test_members_other_than_the_config_are_never_read_without_weights(kernel_learner, honest_config, tmp_path):
    planted = archive(("config.json", honest_config), ("model.weights.h5", b"not HDF5 at all"),
                      ("metadata.json", "{nope"), ("../../escaped", b"x"), ("/tmp/absolute", b"x"),
                      ("assets/../../../escaped", b"x"))
    assert weightless(kernel_learner, planted).count_params() == 15
    with pytest.raises(LearnerRaised, match="could not be loaded"):     # with its weights the same file is refused
        kernel_learner.call("planted", planted)


def test_the_grader_decides_by_what_it_asked_not_by_what_the_kernel_wrote(kernel_learner):
    kernel_learner.call("flip_weights", True)
    try:
        with kernel_learner.without_weights():   # the kernel writes the weights: the grader reads only the config
            model = kernel_learner.call("compiled_model")
        assert model.count_params() == 23 and model.get_layer("head").get_weights()[0].max() < 7
        with pytest.raises(LearnerRaised, match="could not be loaded"):   # asked with weights, none were written
            kernel_learner.call("compiled_model")
    finally:
        kernel_learner.call("flip_weights", False)
    assert kernel_learner.call("compiled_model").get_layer("head").get_weights()[0].max() == 7


# ---------------------------------------------------------------- holes found here, mended

def test_constants_a_layer_builds_count_against_the_budget_as_weights_do(kernel_learner, honest_config):
    side = int(np.sqrt(MAX_MODEL_PARAMETERS)) + 1000           # (side, side) per sample: more than the budget
    config = json.loads(json.dumps(honest_config))
    config["config"]["layers"] = [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, side, side]}},
        {"module": "keras.layers", "class_name": "Normalization",
         "config": {"axis": [1, 2], "mean": 0.0, "variance": 1.0}}]
    config["build_config"] = {"input_shape": [None, side, side]}
    for weights in (False, True):
        with pytest.raises(LearnerRaised, match="declares more than"):
            if weights:
                kernel_learner.call("planted", archive(("config.json", config), ("model.weights.h5", b"")))
            else:
                weightless(kernel_learner, archive(("config.json", config)))


HOSTILE_SETTINGS = {
    "optimizer config a list": {"optimizer": {"class_name": "Adam", "config": [1]}, "loss": "mse"},
    "optimizer config null": {"optimizer": {"class_name": "Adam", "config": None}, "loss": "mse"},
    "a schedule's config a number": {"optimizer": {"config": {"learning_rate": {"config": 5}}}},
    "a rate past float": {"optimizer": {"config": {"learning_rate": 10**400}}},
    "loss config a list": {"optimizer": {"config": {"learning_rate": 1e-5}}, "loss": {"config": [1]}},
}


@pytest.mark.parametrize("settings", HOSTILE_SETTINGS.values(), ids=HOSTILE_SETTINGS.keys())
def test_compile_settings_of_any_shape_fail_a_check_never_break_it(kernel_learner, honest_config, settings):
    model = weightless(kernel_learner, archive(("config.json", dict(honest_config, compile_config=settings))))
    for check in (transfer.expect_fine_tune_rate, transfer.expect_compiled_for_integer_labels):
        try:                                   # passed or failed, as the learner's settings say: nothing else
            check(model, what="fine_tuning_from_file(...)")
        except CheckFailed:
            pass


@pytest.mark.parametrize("function", ["head_without_input", "head_without_weights"])
def test_build_heads_checks_fail_a_head_they_cannot_read_never_break(kernel_learner, function):
    shape = (1, 1, 512)
    head = transfer.architecture(kernel_learner, function, list(shape))
    expect_keras_model(head, what="build_head((1, 1, 512))")
    with pytest.raises(CheckFailed) as failed:
        transfer.expect_input_shape(head, shape, what="build_head((1, 1, 512))")
        transfer.expect_classifier_output(head, what="build_head((1, 1, 512))")
    named = {"head_without_input": "transfer_not_built", "head_without_weights": "transfer_last_layer"}
    assert failed.value.key == named[function]


def test_build_conv_base_checks_fail_a_base_that_is_not_built_never_break(kernel_learner):
    import importlib.util

    from grader.hidden import day98 as hidden

    path = Path(__file__).resolve().parents[1] / "exercises" / "day98" / "test_day98.py"
    spec = importlib.util.spec_from_file_location("public_day98", path)
    public = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(public)
    for check in (lambda: public.test_build_conv_base_feature_shapes(kernel_learner),
                  lambda: hidden.test_build_conv_base_random_size(kernel_learner, np.random.default_rng(0))):
        with pytest.raises(CheckFailed) as failed:
            check()
        assert failed.value.key == "transfer_not_built"       # the same name, public and hidden


def test_a_learning_rate_that_is_not_a_number_fails_the_rate_checks(kernel_learner):
    model = transfer.architecture(kernel_learner, "nan_rate_model")
    with pytest.raises(CheckFailed):
        transfer.expect_fine_tune_rate(model, what="fine_tuning_from_file(...)", asked=3e-5)


# ---------------------------------------------------------------- transfer.features' memory

def test_a_learner_cannot_change_the_reference_features_a_later_grading_reads(kernel_learner):
    """The remembered features are keyed by the draw of the grader's own base and the grader's own inputs; the
    weights file the kernel is handed cannot be changed, and what a caller does to its copy stays its own."""
    transfer.forget()
    rng = np.random.default_rng(98)
    base = transfer.random_base(rng, reuse=True)
    images = transfer.reference_preprocess(transfer.reference_prepare(rng.integers(0, 256, (2, 28, 28), np.uint8)))
    first = transfer.features(base, images)
    with transfer.shared_folder(kernel_learner) as folder:
        path = transfer.weights_file(base, folder)
        kernel_learner.kernel.run("def overwrite(path):\n    try:\n        open(path, 'wb').write(b'x')\n"
                                  "        return 'done'\n    except OSError as error:\n"
                                  "        return type(error).__name__", timeout=20)
        assert kernel_learner.call("overwrite", path) == "PermissionError"
    first[:] = 0
    again = transfer.features(transfer.random_base(np.random.default_rng(98), reuse=True), images)
    assert again.any() and np.array_equal(again, transfer._predicted(base, images))
    other = transfer.random_base(np.random.default_rng(99), reuse=True)     # another draw is computed anew
    assert not np.allclose(transfer.features(other, images), again)
    transfer.forget()
