"""The value protocol between the learner's kernel and the grader, on a real kernel."""
import copy
import json
import zipfile
import os

import numpy as np
import pytest

from grader.kernel import Kernel, kernel_env
from kernels import fresh_kernel
from grader.learner import (KernelLearner, LearnerRaised, LearnerTimedOut, NotAttempted, UnsafeModel,
                            compile_config, inspect_keras_archive, learning_rate, load_keras_model, optimizer_steps)

DEFINITIONS = '''
import os

import numpy as np
def values():
    return {"int": 3, "float": 2.5, "tuple": (1, "a"), "list": [None, True], "scalar": np.float32(1.5),
            "array": np.arange(6, dtype=np.int16).reshape(2, 3)}
def objects():
    return np.array([object()])
def add(a, b=1):
    return a + b
def stub():
    raise NotImplementedError
def lie():
    class Liar:
        def __eq__(self, other):
            return True
    return Liar()
def slow():
    import time
    time.sleep(60)
def forks_then_sleeps():
    import os, time
    if os.fork() == 0:
        time.sleep(3600)
    time.sleep(60)
def model(kind):
    import keras
    layers = {"plain": [keras.layers.Dense(2)], "lambda": [keras.layers.Lambda(lambda x: x * 2)]}
    if kind == "custom":
        @keras.saving.register_keras_serializable(package="learner")
        class Doubler(keras.layers.Layer):
            def call(self, x):
                return x * 2
        layers["custom"] = [Doubler()]
    return keras.Sequential([keras.Input((4,)), *layers[kind]])
def compiled_model():
    import keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="frozen"), keras.layers.Dense(2, name="head")])
    model.get_layer("frozen").trainable = False
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy")
    model.get_layer("head").set_weights([np.full((3, 2), 7.0), np.zeros(2)])
    return model
def fitted_model(epochs, optimizer="adam"):
    import keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    if optimizer == "mixed":   # what mixed precision compiles: the steps are counted in the optimizer it wraps
        optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam())
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    if epochs:
        model.fit(np.zeros((50, 4)), np.arange(50) % 3, epochs=epochs, batch_size=20, verbose=0)
    return model
'''


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    with fresh_kernel(tmp_path_factory.mktemp("learner"), setup=DEFINITIONS, timeout=30) as kernel:
        yield KernelLearner(kernel, kernel.workdir, call_timeout_s=20)


def test_plain_values_keep_their_python_types(learner):
    got = learner.call("values")
    assert got["int"] == 3 and type(got["int"]) is int
    assert type(got["float"]) is float and got["tuple"] == (1, "a") and got["list"] == [None, True]
    assert got["scalar"] == 1.5
    assert got["array"].dtype == np.int16 and got["array"].tolist() == [[0, 1, 2], [3, 4, 5]]


def test_arrays_and_keywords_go_in(learner):
    assert learner.call("add", np.ones(2), b=np.full(2, 2.0)).tolist() == [3.0, 3.0]


def test_objects_and_liars_never_cross(learner):
    for name in ("objects", "lie"):
        with pytest.raises(LearnerRaised, match="cannot read"):
            learner.call(name)


def test_stub_is_not_attempted_and_slow_calls_time_out(learner):
    with pytest.raises(NotAttempted):
        learner.call("stub")
    with pytest.raises(LearnerTimedOut):
        learner.call("slow", timeout=2)
    assert learner.call("add", 1) == 2  # the kernel is usable again


def test_models_cross_as_safe_keras_files(learner):
    assert learner.call("model", "plain").count_params() == 10
    with pytest.raises(LearnerRaised) as refused:
        learner.call("model", "lambda")
    assert "Lambda" in refused.value.text.en and "Lambda" in refused.value.text.zh_tw
    with pytest.raises(LearnerRaised) as refused:
        learner.call("model", "custom")
    assert "custom layer" in refused.value.text.en and "自訂層" in refused.value.text.zh_tw


def test_the_steps_a_models_optimizer_took_cross_with_it(learner, tmp_path):
    """fit adds one step per batch (3 an epoch here: 50 samples, batches of 20); the count crosses beside the
    model, with or without its weights, for a mixed-precision optimizer too; a model compiled but never fitted, or
    never compiled, took none. A live model (check() in a notebook) is read directly and agrees; a model file
    loaded by other means (compile=False: no optimizer) counts none."""
    assert [optimizer_steps(learner.call("fitted_model", epochs)) for epochs in (0, 1, 2)] == [0, 3, 6]
    assert optimizer_steps(learner.call("fitted_model", 2, optimizer="mixed")) == 6
    assert optimizer_steps(learner.call("model", "plain")) == 0
    with learner.without_weights():
        assert optimizer_steps(learner.call("fitted_model", 2)) == 6
    namespace = {}
    exec(DEFINITIONS, namespace)
    live = namespace["fitted_model"](2)
    assert [optimizer_steps(namespace["fitted_model"](0)), optimizer_steps(live)] == [0, 6]
    assert optimizer_steps(namespace["model"]("plain")) == 0
    live.save(tmp_path / "fitted.keras")
    assert optimizer_steps(load_keras_model(tmp_path / "fitted.keras")) == 0


def test_a_model_without_its_weights_crosses_as_its_architecture_and_compile_settings(learner):
    whole = learner.call("compiled_model")
    with learner.without_weights():
        shape = learner.call("compiled_model")
        for kind, named in (("lambda", "Lambda"), ("custom", "custom layer")):  # refused on this path too
            with pytest.raises(LearnerRaised, match=named):
                learner.call("model", kind)
    assert learner.weights and learner.call("compiled_model").get_layer("head").get_weights()[0].max() == 7
    assert [(layer.name, layer.trainable) for layer in shape.layers] == [("frozen", False), ("head", True)]
    assert [w.shape for w in shape.trainable_weights] == [w.shape for w in whole.trainable_weights] == [(3, 2), (2,)]
    assert shape.outputs[0].shape == whole.outputs[0].shape and shape.count_params() == whole.count_params() == 23
    mine, theirs = (copy.deepcopy(compile_config(m)) for m in (shape, whole))
    for settings in (mine, theirs):
        del settings["optimizer"]["config"]["name"]    # adam_1, adam_2, ...: one per model built
    assert mine == theirs and mine["loss"] == "sparse_categorical_crossentropy"
    assert learning_rate(mine) == pytest.approx(0.003)
    assert whole.get_layer("head").get_weights()[0].max() == 7 and shape.get_layer("head").get_weights()[0].max() < 7


def test_a_call_that_forks_and_times_out_has_its_kernel_restarted(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    restarts = []
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={})) as kernel:
        assert kernel.run(DEFINITIONS, timeout=30).ok
        learner = KernelLearner(kernel, tmp_path / "work", on_kernel_death=lambda: restarts.append(1))
        with pytest.raises(LearnerTimedOut):
            learner.call("slow", timeout=2)
        assert restarts == []  # a plain timeout: the kernel still answers, nothing to restart
        with pytest.raises(LearnerTimedOut):
            learner.call("forks_then_sleeps", timeout=2)
        assert restarts == [1]


# ---------------------------------------------------------------- the call channel: root follows no kernel path

ATTACKS = '''
import os, sys, json, numpy
def _folder():
    return sys._getframe(2).f_locals["folder"]
def drop_helper():
    del get_ipython().user_ns["__grader_call"]
    return 1
def fake_helper():
    def fake(folder, name):
        raise NameError("name '__grader_call' is not defined")
    get_ipython().user_ns["__grader_call"] = fake
    return 2
def leave_behind(target):
    out = os.path.join(_folder(), "out")
    os.symlink(target, os.path.join(out, "link"))
    os.makedirs(os.path.join(out, "a", "b"))
    with open(os.path.join(out, "a", "b", "file"), "w") as handle:
        handle.write("x")
    return 3
def rename_everything():
    folder, tried = _folder(), {}
    calls = os.path.dirname(folder)
    for name, action in {
            "rename call folder": lambda: os.rename(folder, folder + "x"),
            "rename out": lambda: os.rename(os.path.join(folder, "out"), os.path.join(calls, "mine")),
            "write args": lambda: open(os.path.join(folder, "args.json"), "w"),
            "new file beside args": lambda: open(os.path.join(folder, "extra"), "w"),
            "new folder in calls": lambda: os.mkdir(os.path.join(calls, "planted")),
            "list calls": lambda: os.listdir(calls)}.items():
        try:
            action()
            tried[name] = "done"
        except OSError as error:
            tried[name] = type(error).__name__
    return tried
def result_becomes(kind, target=None):
    real = os.replace
    def swap(a, b):
        os.unlink(a)
        if kind == "link":
            os.symlink(target, b)
        elif kind == "fifo":
            os.mkfifo(b)
        elif kind == "folder":
            os.mkdir(b)
        elif kind == "huge":
            with open(b, "wb") as handle:
                handle.truncate(64 * 2**20)
        os.replace = real
    os.replace = swap
    return 1
def npy_becomes(target):
    real = numpy.save
    def link(path, array, **kw):
        os.symlink(target, path)
        numpy.save = real
    numpy.save = link
    return numpy.zeros(3)
def npy_header(header, size):
    real = numpy.save
    header["shape"] = tuple(header["shape"])
    if isinstance(header["descr"], list):
        header["descr"] = [tuple(field) for field in header["descr"]]
    def forge(path, array, **kw):
        with open(path, "wb") as handle:
            numpy.lib.format.write_array_header_1_0(handle, header)  # the magic string, then the header
            handle.write(bytes(size))
        numpy.save = real
    numpy.save = forge
    return numpy.zeros(3)
def deep_result(depth):
    real = json.dump
    def forge(obj, handle):
        handle.write("[" * depth + "]" * depth)
        json.dump = real
    json.dump = forge
    return 1
def big_int():
    return 2**64
def probe_shared(path):
    tried = {"read": open(os.path.join(path, "given.txt")).read()}
    for name, action in {"rename folder": lambda: os.rename(path, path + "x"),
                         "replace file": lambda: os.replace(os.path.join(path, "given.txt"), path + "y"),
                         "new file": lambda: open(os.path.join(path, "planted"), "w")}.items():
        try:
            action()
            tried[name] = "done"
        except OSError as error:
            tried[name] = type(error).__name__
    return tried
'''


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    with fresh_kernel(tmp_path_factory.mktemp("attacked"), setup=ATTACKS, timeout=30) as kernel:
        yield KernelLearner(kernel, kernel.workdir, call_timeout_s=20)


@pytest.fixture
def secret(tmp_path):
    """A file only root may read, outside the working copy: what an attacker would like the grader to read."""
    path = tmp_path / "secret.npy"
    np.save(path, np.arange(5.0))
    path.chmod(0o600)
    return path


def test_the_kernel_can_neither_rename_nor_plant_anything_in_the_call_channel(attacked):
    tried = attacked.call("rename_everything")
    assert tried == {name: "PermissionError" for name in tried}


@pytest.mark.parametrize("kind", ["link", "fifo", "folder", "huge"])
def test_a_result_file_that_is_not_a_plain_file_is_refused_without_waiting(attacked, secret, kind):
    with pytest.raises(LearnerRaised, match="cannot read"):
        attacked.call("result_becomes", kind, str(secret))
    assert attacked.call("big_int") == 2**64  # the channel still works


def test_an_array_file_linked_to_a_root_only_file_is_refused(attacked, secret):
    with pytest.raises(LearnerRaised, match="not a plain file"):
        attacked.call("npy_becomes", str(secret))


def test_files_handed_to_the_kernel_are_readable_and_cannot_be_swapped(attacked):
    with attacked.shared_folder() as folder:
        (folder / "given.txt").write_text("weights")
        tried = attacked.call("probe_shared", str(folder))
        assert not str(folder).startswith(str(attacked.workdir))
    assert tried == {"read": "weights", "rename folder": "PermissionError", "replace file": "PermissionError",
                     "new file": "PermissionError"}
    assert not folder.exists()


def test_call_folders_are_removed_and_never_in_the_working_copy(attacked):
    attacked.call("big_int")
    assert not list(attacked.workdir.glob(".grader-call*"))
    assert os.listdir(attacked.kernel.session_dir / ".grader-calls") == []


def test_a_call_helper_removed_or_replaced_by_the_learner_is_defined_again(attacked):
    assert attacked.call("drop_helper") == 1
    assert attacked.call("big_int") == 2**64
    assert attacked.call("fake_helper") == 2
    assert attacked.call("big_int") == 2**64


def test_links_and_folders_left_in_a_call_folder_are_removed_and_links_never_followed(attacked, secret):
    assert attacked.call("leave_behind", str(secret)) == 3
    assert os.listdir(attacked.kernel.session_dir / ".grader-calls") == []
    assert np.load(secret).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # what the link pointed at is untouched


HEADERS = {
    "9 TiB declared": ({"descr": "<f8", "fortran_order": False, "shape": (2**40, 9)}, 64),
    "objects": ({"descr": "|O", "fortran_order": False, "shape": (3,)}, 24),
    "records": ({"descr": [("a", "<f8"), ("b", "<i4")], "fortran_order": False, "shape": (3,)}, 36),
    "fewer bytes than declared": ({"descr": "<f8", "fortran_order": False, "shape": (1000,)}, 64),
}


@pytest.mark.parametrize("header, size", HEADERS.values(), ids=HEADERS.keys())
def test_npy_headers_are_checked_before_any_array_is_made(attacked, header, size):
    with pytest.raises(LearnerRaised, match="cannot read"):
        attacked.call("npy_header", header, size)


def test_an_honest_header_written_the_same_way_is_read(attacked):
    header = {"descr": "<f8", "fortran_order": False, "shape": (2, 4)}
    assert attacked.call("npy_header", header, 64).tolist() == [[0.0] * 4] * 2


def test_a_deeply_nested_result_is_refused_before_parsing(attacked):
    with pytest.raises(LearnerRaised, match="nested"):
        attacked.call("deep_result", 100_000)


def test_big_ints_cross_as_ints(attacked):
    assert attacked.call("big_int") == 2**64


# ---------------------------------------------------------------- .keras files are inspected before loading

@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    import keras

    path = tmp_path_factory.mktemp("model") / "honest.keras"
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]).save(path)
    return path


def rewritten(source, target, *, config=None, extra=()):
    """A copy of the ``source`` archive with config.json replaced and ``extra`` (name, bytes) members added."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            new.writestr(item.filename, config if config is not None and item.filename == "config.json" else data)
        for name, data in extra:
            new.writestr(name, data)
    return target


def test_an_honest_model_file_loads(saved_model):
    assert load_keras_model(saved_model).count_params() == 15


def _facts(model) -> list:
    return [(layer.name, layer.trainable, [(tuple(w.shape), w.trainable) for w in layer.weights])
            for layer in model.layers]


def test_a_model_without_its_weights_is_built_without_drawing_initial_values(saved_model):
    """``weights=False`` builds inside a ``keras.StatelessScope`` that leaves every variable without a value (for
    VGG16, 0.21 -> 0.04 s a model); the architecture is the same, Keras's list of variables still to initialise
    is left as it was, and where the scope is refused the model is built the ordinary way."""
    import keras
    from keras.src.backend.common import global_state

    pending = global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)
    before = list(pending)
    whole, shape = load_keras_model(saved_model), load_keras_model(saved_model, weights=False)
    assert shape.weights and all(w._value is None for w in shape.weights)    # no initial value drawn
    assert all(w._value is not None for w in whole.weights)
    assert _facts(shape) == _facts(whole) and shape.count_params() == whole.count_params() == 15
    assert global_state.get_global_attribute("uninitialized_variables") == before

    # a compiled model inside the model (day98's head inside build_end_to_end): its optimizer makes a variable
    # from a value, which the scope refuses; that model is built the ordinary way, the same architecture
    inner = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)], name="inner")
    inner.compile(optimizer="rmsprop", loss="mse")
    outer = keras.Sequential([keras.Input((4,)), inner, keras.layers.Dense(2)], name="outer")
    path = saved_model.parent / "nested.keras"
    with zipfile.ZipFile(path, "w") as archive:   # as the call helper writes a model without its weights
        archive.writestr("config.json", json.dumps(keras.saving.serialize_keras_object(outer)))
    built = load_keras_model(path, weights=False)
    assert all(w._value is not None for w in built.weights) and _facts(built) == _facts(outer)
    assert global_state.get_global_attribute("uninitialized_variables") == before

    # an initializer that cannot give its value is refused as the ordinary build refuses it (a variable left
    # without a value never runs its initializer), and an honest constant keeps the fast path
    for value, refused in (([1.0, 2.0, 3.0, 4.0, 5.0], True), (0.5, False)):
        config = keras.saving.serialize_keras_object(keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)]))
        config["config"]["layers"][-1]["config"]["kernel_initializer"] = {
            "module": "keras.initializers", "class_name": "Constant", "config": {"value": value},
            "registered_name": None}
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", json.dumps(config))
        if refused:
            with pytest.raises(UnsafeModel, match="Incompatible shapes"):
                load_keras_model(path, weights=False)
        else:
            assert all(w._value is None for w in load_keras_model(path, weights=False).weights)
    assert global_state.get_global_attribute("uninitialized_variables") == before


def test_a_model_declaring_gibibytes_is_refused_before_its_memory_is_taken(saved_model, tmp_path):
    import zipfile

    config = zipfile.ZipFile(saved_model).read("config.json").decode().replace('"units": 3', '"units": 1073741824')
    for weights in (True, False):
        with pytest.raises(UnsafeModel, match="declares more than"):
            load_keras_model(rewritten(saved_model, tmp_path / "huge.keras", config=config.encode()), weights=weights)


def test_a_model_of_too_many_layers_is_refused_before_keras_builds_it(saved_model, tmp_path):
    """Keras rebuilds a Sequential model at each layer it adds while loading it (400 layers: 30 s), reads a
    functional model's waiting layer calls again at each pass over its layers (1,000 layers listed against the
    order of their calls: 52 s), and a 4 MB config.json holds 40,000 layers: Sequential models longer than
    MAX_SEQUENTIAL_LAYERS (their lengths squared, summed), more than MAX_MODEL_LAYERS layers in all (nested models
    counted), or layer calls whose rebuilding reads more than MAX_CONNECTION_WORK values are refused from
    config.json alone, before Keras is asked to build them, with or without weights; a model at the limits, or
    listed as Keras saves it, loads as before."""
    import json
    import zipfile

    import keras

    from grader import learner as learner_module
    from grader.learner import MAX_CONNECTION_WORK, MAX_MODEL_LAYERS, MAX_SEQUENTIAL_LAYERS

    honest = json.loads(zipfile.ZipFile(saved_model).read("config.json"))   # Sequential([Input((4,)), Dense(3)])
    dense = honest["config"]["layers"][-1]

    def sequential(n):
        layers = [json.loads(json.dumps(dense).replace('"units": 3', '"units": 4')) for _ in range(n)]
        for i, layer in enumerate(layers):
            layer["config"]["name"] = f"dense_{i}"
        return dict(honest, config=dict(honest["config"], layers=[honest["config"]["layers"][0], *layers]))

    def load(config, weights):
        path = tmp_path / "model.keras"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("config.json", json.dumps(config))
        try:
            return load_keras_model(path, weights=weights)
        except UnsafeModel as refused:
            return refused

    at_limit = load(sequential(MAX_SEQUENTIAL_LAYERS - 1), False)   # the InputLayer counts as a layer
    assert len(at_limit.layers) == MAX_SEQUENTIAL_LAYERS - 1
    assert at_limit.count_params() == 20 * (MAX_SEQUENTIAL_LAYERS - 1)
    two = dict(honest, config=dict(honest["config"], layers=[sequential(70), sequential(70)]))   # 2 * 71 ** 2
    functional = {"module": "keras.src.models.functional", "class_name": "Functional", "registered_name": None,
                  "config": {"name": "f", "layers": [dense] * (MAX_MODEL_LAYERS + 1)}}
    inputs = x = keras.Input((4,))
    for _ in range(150):
        x = keras.layers.Identity()(x)
    chain = json.loads(json.dumps(keras.saving.serialize_keras_object(keras.Model(inputs, x))))
    assert len(load(chain, False).layers) == 151           # as Keras saves it: each call read once
    first, *rest = chain["config"]["layers"]
    backwards = dict(chain, config=dict(chain["config"], layers=[first, *rest[::-1]]))   # a pass for each call
    for config, says in ((sequential(4 * MAX_SEQUENTIAL_LAYERS), f"one of {4 * MAX_SEQUENTIAL_LAYERS + 1:,} layers"),
                         (two, "Sequential models too long to load: one of 71 layers"),
                         (functional, f"more than {MAX_MODEL_LAYERS:,} layers"),
                         (backwards, f"more than {MAX_CONNECTION_WORK:,} values read to rebuild")):
        for weights in (True, False):
            with pytest.MonkeyPatch.context() as patch:   # refused from config.json: Keras never asked to build it
                for owner, name in ((keras.saving, "load_model"), (learner_module, "_architecture_only")):
                    patch.setattr(owner, name, lambda *args, **kwargs: pytest.fail("Keras was asked to build it"))
                refused = load(config, weights)
            assert isinstance(refused, UnsafeModel) and says in str(refused), (weights, refused)


def test_a_result_of_more_than_four_models_is_refused_before_the_fifth_is_loaded(monkeypatch, tmp_path):
    """Each model is loaded in the grader (seconds each at the limits above): one result may hold
    MAX_RESULT_MODELS; the next is refused before it is opened."""
    import contextlib

    from grader import learner as learner_module
    from grader.learner import MAX_RESULT_MODELS, ResultFiles, _decode

    opened = []
    (tmp_path / "model.keras").write_bytes(b"")

    class Folder:   # a call folder whose every file is an empty file (the loading itself is stood in for)
        @contextlib.contextmanager
        def open(self, name, limit):
            opened.append(name)
            with open(tmp_path / "model.keras", "rb") as handle:
                yield handle

    class Model:   # weakly referable, as a model is (the grader keeps each model's step count beside it)
        pass

    monkeypatch.setattr(learner_module, "load_keras_file", lambda handle, weights: Model())
    items = [{"kind": "keras", "file": f"m{i}.keras"} for i in range(MAX_RESULT_MODELS + 1)]
    assert len(_decode(ResultFiles(Folder()), {"kind": "list", "items": items[:-1]})) == MAX_RESULT_MODELS
    opened.clear()
    with pytest.raises(ValueError, match=f"more than {MAX_RESULT_MODELS} models in one result"):
        _decode(ResultFiles(Folder()), {"kind": "tuple", "items": items})
    assert opened == [f"m{i}.keras" for i in range(MAX_RESULT_MODELS)]


def test_a_model_read_without_weights_needs_no_weights_file_and_reads_none(saved_model, tmp_path):
    import zipfile

    def archive(name, **members):
        with zipfile.ZipFile(tmp_path / name, "w") as new:
            for member, data in members.items():
                new.writestr(member.replace("_", "."), data)
        return tmp_path / name

    config = zipfile.ZipFile(saved_model).read("config.json")
    assert load_keras_model(archive("config-only.keras", config_json=config), weights=False).count_params() == 15
    with pytest.raises(UnsafeModel):               # asked for with its weights, a file without them is refused
        load_keras_model(tmp_path / "config-only.keras")
    damaged = archive("damaged.keras", config_json=config, model_weights_h5=b"not HDF5")   # never opened
    assert load_keras_model(damaged, weights=False).count_params() == 15
    with pytest.raises(UnsafeModel, match="does not describe a model"):
        load_keras_model(archive("list.keras", config_json=b"[1, 2]"), weights=False)


ARCHIVES = {
    "too many members": dict(extra=[(f"assets/{i}", b"x") for i in range(300)]),
    "a compression bomb": dict(extra=[("assets/zeros", bytes(200 * 2**20))]),
    "config nested 500 deep": dict(config=b'{"a": ' * 500 + b"1" + b"}" * 500),
    "config that is not JSON": dict(config=b"{nope"),
}


@pytest.mark.parametrize("change", ARCHIVES.values(), ids=ARCHIVES.keys())
def test_suspicious_archives_are_refused_without_loading(saved_model, tmp_path, change):
    with pytest.raises(UnsafeModel):
        inspect_keras_archive(rewritten(saved_model, tmp_path / "bad.keras", **change))


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    (tmp_path / "x.keras").write_bytes(b"not a zip at all")
    with pytest.raises(UnsafeModel, match="not a readable"):
        load_keras_model(tmp_path / "x.keras")


def test_a_function_calling_exit_is_blamed_its_kernel_restarted_and_it_is_not_called_again(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    restarts = []
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={})) as kernel:
        assert kernel.run("def leaves():\n    exit()\n    return 1", timeout=30).ok
        learner = KernelLearner(kernel, tmp_path / "work", on_kernel_death=lambda: restarts.append(1))
        with pytest.raises(LearnerRaised) as stopped:
            learner.call("leaves")
        assert "kernel stopped while running `leaves`" in stopped.value.text.en and "exit()" in stopped.value.text.en
        assert restarts == [1]
        with pytest.raises(LearnerRaised, match="kernel stopped"):
            learner.call("leaves")  # not called again: it would only end the kernel once more
        assert restarts == [1]


def test_a_value_of_more_items_than_its_json_could_hold_is_refused_in_the_kernel(learner):
    """Each item takes at least 16 bytes of JSON, so a value of more than MAX_VALUE_ITEMS items could never be read:
    the kernel stops encoding it there (a dict of 10**6 keys took seconds a call, to be refused by size) and says
    so. Items of nested values count together; values within both limits cross."""
    from grader.learner import MAX_JSON_BYTES, MAX_VALUE_ITEMS

    assert MAX_VALUE_ITEMS * 16 == MAX_JSON_BYTES
    assert learner.kernel.run("def many(n, nested=False):\n    if nested:\n        return [[None] * (n // 2), "
                              "{str(i): None for i in range(n - n // 2)}]\n    return {str(i): i for i in range(n)}",
                              timeout=20).ok
    for n, nested in ((10**6, False), (MAX_VALUE_ITEMS - 1, True)):   # the outer list's 2 items count too
        with pytest.raises(LearnerRaised, match=f"more than {MAX_VALUE_ITEMS} items in one value"):
            learner.call("many", n, nested)
    assert len(learner.call("many", 50_000)) == 50_000
    assert [len(part) for part in learner.call("many", 2_000, True)] == [1_000, 1_000]


@pytest.mark.parametrize("steps", [-1, 2**63, 1.5, True, "7", None])
def test_a_step_count_that_is_not_one_makes_the_model_unreadable(learner, steps):
    """The optimizer's step count crosses beside the model file, written by the kernel like everything else: a
    count that is not a non-negative 64-bit integer is refused with the value, not taken as 0 or as a number."""
    assert learner.kernel.run("import json\ndef forged_steps(steps):\n    import keras\n"
                              "    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
                              "    real = json.dump\n    def forge(obj, handle):\n        json.dump = real\n"
                              "        obj['value']['steps'] = steps\n        real(obj, handle)\n"
                              "    json.dump = forge\n    return model", timeout=60).ok
    with pytest.raises(LearnerRaised, match="cannot read"):
        learner.call("forged_steps", steps)


def test_a_result_description_of_the_wrong_shape_is_unreadable_not_a_grader_error(attacked):
    attacked.kernel.run("import json\ndef forged():\n    real = json.dump\n    def forge(obj, handle):\n"
                        "        json.dump = real\n        real({'status': 'ok', 'value': {'kind': 'dict', 'items': [1]},"
                        " 'after': 5}, handle)\n    json.dump = forge\n    return 1", timeout=20)
    with pytest.raises(LearnerRaised, match="cannot read"):
        attacked.call("forged")
