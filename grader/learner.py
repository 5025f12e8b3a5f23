"""How checks reach the learner's functions: by calling them in the learner's kernel and reading back values.

Arguments go in as ``.npy`` / JSON files; the kernel runs a small generated cell that calls the learner's
function and writes the result the same way; the grader reads it with ``allow_pickle=False`` and size
limits. No object crosses from the kernel into the grader except numbers, strings and plain arrays, so a
learner's code can decide what its function returns and nothing else.

``LocalLearner`` calls functions in a namespace directly: it backs ``check("name")`` inside a learner's
own notebook, which is practice feedback, not grading.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import messages
from grader.kernel import Kernel, strip_ansi
from grader.results import Status, Text

MAX_RESULT_BYTES = 512 * 1024 * 1024
MAX_JSON_BYTES = 4 * 1024 * 1024
FILE_NAME = re.compile(r"^[a-z]+[0-9]+\.(npy|keras)$")


class LearnerProblem(Exception):
    """The learner's function could not give a value; ``status`` says how, ``text`` says it to the learner."""

    status = Status.ERROR

    def __init__(self, text: Text, traceback: tuple[str, ...] = ()):
        super().__init__(text.en)
        self.text = text
        self.traceback = traceback


class NotAttempted(LearnerProblem):
    status = Status.NOT_ATTEMPTED


class LearnerRaised(LearnerProblem):
    status = Status.ERROR


class LearnerTimedOut(LearnerProblem):
    status = Status.TIMEOUT


@dataclass(frozen=True)
class Call:
    """One call of a learner function: what it returned, and its array arguments as they were afterwards."""

    value: Any
    args_after: tuple[Any, ...]


# ---------------------------------------------------------------- the cell run inside the kernel

CALL_CELL = r'''
def __grader_call(folder, name):
    import json, os, sys, traceback
    import numpy
    join = os.path.join
    def save_json(obj):
        with open(join(folder, "result.tmp"), "w") as handle:
            json.dump(obj, handle)
        os.replace(join(folder, "result.tmp"), join(folder, "result.json"))
    count = [0]
    def encode(value, depth=0):
        if depth > 8:
            return {"kind": "unsupported", "type": "deeply nested value"}
        keras = sys.modules.get("keras")
        if keras is not None and isinstance(value, keras.Model):
            count[0] += 1
            file = "r%d.keras" % count[0]
            value.save(join(folder, file))
            return {"kind": "keras", "file": file}
        if isinstance(value, (numpy.ndarray, numpy.generic)):
            array = numpy.asarray(value)
            if array.dtype.hasobject:
                return {"kind": "unsupported", "type": "array of Python objects"}
            count[0] += 1
            file = "r%d.npy" % count[0]
            numpy.save(join(folder, file), array, allow_pickle=False)
            return {"kind": "ndarray" if isinstance(value, numpy.ndarray) else "npscalar", "npy": file}
        for kind in (bool, int, float, str):
            if type(value) is kind:
                return {"kind": kind.__name__, "json": value}
        if value is None:
            return {"kind": "none"}
        if type(value) in (list, tuple):
            return {"kind": type(value).__name__, "items": [encode(v, depth + 1) for v in value]}
        if type(value) is dict and all(type(k) is str for k in value):
            return {"kind": "dict", "items": {k: encode(v, depth + 1) for k, v in value.items()}}
        return {"kind": "unsupported", "type": type(value).__name__}
    with open(join(folder, "args.json")) as handle:
        spec = json.load(handle)
    def load(s):
        return numpy.load(join(folder, s["npy"]), allow_pickle=False) if "npy" in s else s["json"]
    args = [load(s) for s in spec["args"]]
    kwargs = {key: load(s) for key, s in spec["kwargs"].items()}
    fn = get_ipython().user_ns.get(name)
    if fn is None:
        return save_json({"status": "missing"})
    if not callable(fn):
        return save_json({"status": "not_callable", "type": type(fn).__name__})
    try:
        value = fn(*args, **kwargs)
    except NotImplementedError:
        return save_json({"status": "not_implemented"})
    except BaseException as error:
        try:
            lines = get_ipython().InteractiveTB.structured_traceback(
                type(error), error, error.__traceback__.tb_next, tb_offset=0)
        except Exception:
            lines = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
        return save_json({"status": "raised", "ename": type(error).__name__, "evalue": str(error)[:2000],
                          "traceback": [str(line)[:4000] for line in lines[-30:]]})
    after = []
    for i, arg in enumerate(args):
        if isinstance(arg, numpy.ndarray):
            numpy.save(join(folder, "after%d.npy" % i), arg, allow_pickle=False)
            after.append("after%d.npy" % i)
        else:
            after.append(None)
    save_json({"status": "ok", "value": encode(value), "after": after})
__grader_call(FOLDER, NAME)
del __grader_call
'''


class KernelLearner:
    """Calls the learner's functions inside their kernel (see module docstring)."""

    def __init__(self, kernel: Kernel, workdir: Path, *, call_timeout_s: float = 20.0, on_kernel_death=None,
                 cells: tuple[str, ...] = ()):
        self.kernel = kernel
        self.cells = cells  # the notebook's code cells as submitted (read by checks, never run by them)
        self.call_timeout_s = call_timeout_s
        self.workdir = Path(workdir)
        self.on_kernel_death = on_kernel_death

    def call(self, name: str, *args, timeout: float | None = None, **kwargs) -> Any:
        return self.run(name, *args, timeout=timeout, **kwargs).value

    def run(self, name: str, *args, timeout: float | None = None, **kwargs) -> Call:
        timeout = timeout or self.call_timeout_s
        folder = self.workdir / f".grader-call-{secrets.token_hex(8)}"
        folder.mkdir()
        try:
            _write_args(folder, args, kwargs)
            source = CALL_CELL.replace("FOLDER, NAME", f"{str(folder)!r}, {name!r}")
            cell = self.kernel.run(source, timeout=timeout, history=False)
            if cell.outcome == "timeout":
                self._recover(cell)
                raise LearnerTimedOut(messages.text("call_timeout", function=name, seconds=timeout))
            if cell.outcome == "died":
                self._recover(cell)
                raise LearnerRaised(messages.text("kernel_died", function=name))
            return _read_result(folder, name)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _recover(self, cell) -> None:
        if self.on_kernel_death is not None and self.kernel.needs_restart(cell):
            self.on_kernel_death()


def _arg_spec(folder: Path, key: str, arg: Any) -> dict:
    if isinstance(arg, np.ndarray):
        np.save(folder / f"{key}.npy", arg, allow_pickle=False)
        return {"npy": f"{key}.npy"}
    return {"json": arg}


def _write_args(folder: Path, args: tuple, kwargs: dict) -> None:
    spec = {"args": [_arg_spec(folder, f"a{i}", arg) for i, arg in enumerate(args)],
            "kwargs": {key: _arg_spec(folder, f"k{i}", arg) for i, (key, arg) in enumerate(kwargs.items())}}
    (folder / "args.json").write_text(json.dumps(spec))


def _safe_file(folder: Path, name: str, limit: int) -> Path:
    if not isinstance(name, str) or not (FILE_NAME.match(name) or name == "result.json"):
        raise ValueError(f"unexpected file name {name!r}")
    path = folder / name
    if path.is_symlink() or not path.is_file():
        raise ValueError(f"{name} is not a plain file")
    if path.stat().st_size > limit:
        raise ValueError(f"{name} is larger than {limit // 2**20} MB")
    return path


def _read_result(folder: Path, name: str) -> Call:
    try:
        data = json.loads(_safe_file(folder, "result.json", MAX_JSON_BYTES).read_text())
    except (ValueError, OSError) as error:
        raise LearnerRaised(messages.text("unreadable_value", function=name, reason=str(error)[:200])) from None
    status = data.get("status") if isinstance(data, dict) else None
    if status == "not_implemented":
        raise NotAttempted(messages.text("not_attempted", function=name))
    if status == "missing":
        raise LearnerRaised(messages.text("missing_function", function=name))
    if status == "not_callable":
        raise LearnerRaised(messages.text("not_callable", function=name, got=str(data.get("type"))[:80]))
    if status == "raised":
        tb = tuple(strip_ansi(str(line)) for line in data.get("traceback", []))
        raise LearnerRaised(messages.text("learner_raised", function=name, ename=str(data.get("ename"))[:100],
                                          evalue=str(data.get("evalue"))[:500]), traceback=tb)
    try:
        value = _decode(folder, data["value"])
        after = tuple(None if f is None else _load_npy(folder, f) for f in data["after"])
    except UnsafeModel as error:
        raise LearnerRaised(_model_refusal(name, str(error))) from None
    except (KeyError, TypeError, ValueError, OSError) as error:
        raise LearnerRaised(messages.text("unreadable_value", function=name, reason=str(error)[:200])) from None
    return Call(value=value, args_after=after)


def _model_refusal(function: str, error: str) -> Text:
    if "lambda" in error.lower():
        return messages.text("model_lambda", function=function)
    if any(word in error.lower() for word in ("custom", "locate", "register")):
        return messages.text("model_custom", function=function)
    return messages.text("model_unreadable", function=function, reason=error[:200])


def _load_npy(folder: Path, file: str) -> np.ndarray:
    return np.load(_safe_file(folder, file, MAX_RESULT_BYTES), allow_pickle=False)


def _decode(folder: Path, spec: dict) -> Any:
    kind = spec["kind"]
    if kind == "ndarray":
        return _load_npy(folder, spec["npy"])
    if kind == "npscalar":
        return _load_npy(folder, spec["npy"])[()]
    if kind in ("bool", "int", "float", "str"):
        value = spec["json"]
        if type(value).__name__ != kind and not (kind == "float" and type(value) is int):
            raise ValueError(f"a {kind} that is not one")
        return float(value) if kind == "float" else value
    if kind == "keras":
        return load_keras_model(_safe_file(folder, spec["file"], MAX_RESULT_BYTES))
    if kind == "none":
        return None
    if kind in ("list", "tuple"):
        items = [_decode(folder, s) for s in spec["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {str(k): _decode(folder, s) for k, s in spec["items"].items()}
    raise ValueError(f"a value of type {str(spec.get('type'))[:80]}")


def load_keras_model(path: Path):
    """A learner's saved model, loaded with ``safe_mode=True``: no Lambda code, no custom classes, never executed."""
    import keras  # only exercises that hand over models pay for importing Keras

    try:
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as error:  # noqa: BLE001 - every refusal is explained to the learner
        raise UnsafeModel(str(error)) from None
    _COMPILE_CONFIGS[model] = _saved_compile_config(path)
    return model


_COMPILE_CONFIGS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _saved_compile_config(path: Path) -> dict | None:
    """The ``compile_config`` a saved model holds, read as JSON (nothing is deserialised or run)."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    compiled = config.get("compile_config")
    return compiled if isinstance(compiled, dict) else None


def compile_config(model) -> dict | None:
    """How the learner compiled ``model`` (loss, optimizer, metrics) before saving; None when not compiled.

    Models cross ``compile=False`` (so a custom loss is never deserialised); checks read the compile settings
    from here instead of ``model.optimizer``: ``compile_config(m)["loss"]``, see :func:`learning_rate`."""
    if model in _COMPILE_CONFIGS:
        return _COMPILE_CONFIGS[model]
    getter = getattr(model, "get_compile_config", None)  # a live model (LocalLearner, in-notebook practice)
    config = getter() if callable(getter) and getattr(model, "compiled", False) else None
    return json.loads(json.dumps(config, default=str)) if isinstance(config, dict) else None


def learning_rate(config: dict | None) -> float | None:
    """The optimizer's (initial) learning rate in a compile config, or None."""
    optimizer = (config or {}).get("optimizer")
    if not isinstance(optimizer, dict):
        return None
    rate = optimizer.get("config", {}).get("learning_rate")
    if isinstance(rate, dict):  # a schedule: its starting rate
        rate = rate.get("config", {}).get("initial_learning_rate")
    return float(rate) if isinstance(rate, (int, float)) else None


def loss_name(config: dict | None) -> str | None:
    """The loss in a compile config as Keras's snake_case name (``"sparse_categorical_crossentropy"``)."""
    loss = (config or {}).get("loss")
    if isinstance(loss, dict):
        loss = loss.get("config", {}).get("name") or loss.get("class_name")
    if not isinstance(loss, str):
        return None
    return re.sub(r"(?<!^)(?=[A-Z])", "_", loss).lower() if loss[:1].isupper() else loss


class UnsafeModel(ValueError):
    """The learner's model could not be loaded safely (Lambda layer, custom object, or a damaged file)."""


# ---------------------------------------------------------------- in-notebook practice checks

class LocalLearner:
    """Calls functions from a namespace (the learner's own notebook) directly, on copies of the arguments."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def call(self, name: str, *args, timeout: float | None = None, **kwargs) -> Any:
        return self.run(name, *args, timeout=timeout, **kwargs).value

    def run(self, name: str, *args, timeout: float | None = None, **kwargs) -> Call:
        fn = self.namespace.get(name)
        if fn is None:
            raise LearnerRaised(messages.text("missing_function", function=name))
        copies = tuple(np.array(a) if isinstance(a, np.ndarray) else a for a in args)
        try:
            value = fn(*copies, **kwargs)
        except NotImplementedError:
            raise NotAttempted(messages.text("not_attempted", function=name)) from None
        except Exception as error:  # noqa: BLE001 - reported to the learner as their error
            raise LearnerRaised(messages.text("learner_raised", function=name, ename=type(error).__name__,
                                              evalue=str(error)[:500])) from error
        after = tuple(c if isinstance(c, np.ndarray) else None for c in copies)
        return Call(value=_plain(value), args_after=after)


def _plain(value: Any) -> Any:
    """What the kernel protocol would have delivered: arrays as plain ndarrays, NumPy scalars as 0-d values."""
    if isinstance(value, np.ndarray):
        return np.array(value)
    if isinstance(value, np.generic):
        return np.asarray(value)[()]
    if type(value) in (list, tuple):
        return type(value)(_plain(v) for v in value)
    return value


def environment_seed() -> int | None:
    value = os.environ.get("GRADER_SEED")
    return int(value) if value and value.isdigit() else None
