"""The value protocol between the learner's kernel and the grader, on a real kernel."""
import numpy as np
import pytest

from grader.kernel import Kernel, kernel_env
from grader.learner import KernelLearner, LearnerRaised, LearnerTimedOut, NotAttempted

DEFINITIONS = '''
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
'''


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    root = tmp_path_factory.mktemp("learner")
    (root / "work").mkdir()
    (root / "home").mkdir()
    with Kernel(workdir=root / "work", env=kernel_env(home=root / "home", extra={})) as kernel:
        assert kernel.run(DEFINITIONS, timeout=30).ok
        yield KernelLearner(kernel, root / "work", call_timeout_s=20)


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
