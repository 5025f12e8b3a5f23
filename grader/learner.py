"""How checks reach the learner's functions: by calling them in the learner's kernel and reading back values.

Arguments go in as ``.npy`` / JSON files; the kernel runs a small generated cell that calls the learner's
function and writes the result the same way; the grader reads it with ``allow_pickle=False`` and size
limits. No object crosses from the kernel into the grader except numbers, strings and plain arrays, so a
learner's code can decide what its function returns and nothing else.

``LocalLearner`` calls functions in a namespace directly: it backs ``check("name")`` inside a learner's
own notebook, which is practice feedback, not grading.
"""
from __future__ import annotations

import collections
import contextlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import time
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader import cell_source, messages, quota
from grader.archive import open_zip
from grader.channel import CallFolder, Channel, bounded_read, private_copy
from grader.kernel import DISK_ENAME, Kernel, strip_ansi
from grader.results import Status, Text

MAX_RESULT_BYTES = 512 * 1024 * 1024   # one file, and all the files of one result together
MAX_RESULT_FILES = 1000
MAX_JSON_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32          # a result's JSON (values nest at most 8 levels, each 2 JSON levels)
# Items (of lists, tuples and dicts) in one returned value: each takes at least 16 bytes of JSON ('{"kind": "none"}'),
# so a value with more could never fit in MAX_JSON_BYTES; the kernel stops encoding it there instead of writing
# it all (a dict of 10**6 keys took seconds per call) for the grader to refuse by size.
MAX_VALUE_ITEMS = MAX_JSON_BYTES // 16
MAX_VALUE_DEPTH = 10
MAX_NPY_HEADER = 10_000
MAX_NDIM = 32
ALLOWED_KINDS = "biufcUS"    # bool, integers, floats, complex, strings: no objects, records or raw bytes
MAX_CONFIG_DEPTH = 100       # a saved Keras model's config.json (day98's nested models: about 20)
MAX_ARCHIVE_MEMBERS = 256
MAX_RATIO = 100              # how much a large member of a .keras archive may be compressed
MAX_MODEL_PARAMETERS = 2**26  # 64 Mi weights (256 MiB of float32); VGG16's base has 14.7 Mi
# What one saved model may declare, counted in its config.json before Keras builds it (2026-12-02, 2 cores; a 4 MB
# config.json holds 40,000 layers): layers, nested models' included (VGG16 has 19, DenseNet121 427, day98's
# end-to-end model about 30); layers of Sequential models, which Keras rebuilds at each layer it adds while loading
# them, a time quadratic in their length (Identity layers: 100 in 2.2 s, 200 in 7.7 s, 400 in 30 s, where a
# functional chain of 400 took 1.1 s), so their lengths squared and summed may reach 100 squared; and the work of
# rebuilding a functional model's layer calls (``inbound_nodes``), which Keras reads again at each pass over the
# layers for every call still waiting for its inputs: 1,000 layers listed against the order of their calls, 200
# inputs each, took 52 s, and 51 layers whose last call carries 200,000 empty lists 24 s. That work is replayed on
# the layers' names (``_connection_work``) and counted in JSON values read, at most MAX_CONNECTION_WORK: a model
# listed in the order of its calls, as Keras saves one, takes one pass (counted as two: VGG16's base 612,
# NASNetMobile's with an augmentation Sequential and a head 30,888). A result may hold at most MAX_RESULT_MODELS
# models.
MAX_MODEL_LAYERS = 1000
MAX_SEQUENTIAL_LAYERS = 100
MAX_CONNECTION_WORK = 100_000
MAX_RESULT_MODELS = 4
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
    ename = ""       # what the learner's function raised, when it raised
    evalue = ""
    missing = False  # the function does not exist in the kernel


class RaisedAfterFailedCell(LearnerRaised):
    """The learner's function raised because a cell that defines what it uses failed (a ``NameError`` for a name
    that cell binds, a module it could not import): the message points at that cell, whatever the check was
    looking for (a check that expects a ``ValueError`` does not call this NameError a wrong error)."""


class LearnerTimedOut(LearnerProblem):
    status = Status.TIMEOUT


@dataclass(frozen=True)
class Call:
    """One call of a learner function: what it returned, and its array arguments as they were afterwards."""

    value: Any
    args_after: tuple[Any, ...]


# ---------------------------------------------------------------- the cells run inside the kernel

# Defined once per kernel (compiling it took 5.5 ms of each call's 11 ms); each call then runs CALL_LINE. The
# kernel is the learner's: if their code removes or replaces the helper, only their own results can change, and
# those are read as hostile bytes whatever wrote them; a helper that is gone is defined again.
CALL_HELPER = r'''
def __grader_call(folder, name, brief=False, weights=True):
    import json, os, sys, traceback
    import numpy
    join = os.path.join
    out = join(folder, "out")
    def save_json(obj):
        with open(join(out, "result.tmp"), "w") as handle:
            json.dump(obj, handle)
        os.replace(join(out, "result.tmp"), join(out, "result.json"))
    count, items = [0], [0]
    def steps(model):  # the training steps its optimizer took (a LossScaleOptimizer counts in the one it wraps)
        optimizer, found = getattr(model, "optimizer", None), [0]
        for counter in (optimizer, getattr(optimizer, "inner_optimizer", None)):
            try:
                found.append(int(numpy.asarray(counter.iterations)))
            except Exception:
                pass
        return max(found)
    def encode(value, depth=0):
        if depth > 8:
            return {"kind": "unsupported", "type": "deeply nested value"}
        keras = sys.modules.get("keras")
        if keras is not None and isinstance(value, keras.Model):
            count[0] += 1
            file = "r%d.keras" % count[0]
            if weights:
                value.save(join(out, file))
            else:  # what model.save writes as config.json (layers, build and compile settings), no weights
                import zipfile
                with zipfile.ZipFile(join(out, file), "w") as archive:
                    archive.writestr("config.json", json.dumps(keras.saving.serialize_keras_object(value)))
            return {"kind": "keras", "file": file, "steps": steps(value)}
        if isinstance(value, (numpy.ndarray, numpy.generic)):
            array = numpy.asarray(value)
            if array.dtype.hasobject:
                return {"kind": "unsupported", "type": "array of Python objects"}
            count[0] += 1
            file = "r%d.npy" % count[0]
            numpy.save(join(out, file), array, allow_pickle=False)
            return {"kind": "ndarray" if isinstance(value, numpy.ndarray) else "npscalar", "npy": file}
        for kind in (bool, int, float, str):
            if type(value) is kind:
                return {"kind": kind.__name__, "json": value}
        if value is None:
            return {"kind": "none"}
        if type(value) in (list, tuple, dict):
            items[0] += len(value)
            if items[0] > MAX_VALUE_ITEMS:
                return {"kind": "too_many"}
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
            if brief:  # an error the check expects: its name is all that is read (IPython's takes 20 ms)
                lines = traceback.format_exception_only(type(error), error)
            else:
                lines = get_ipython().InteractiveTB.structured_traceback(
                    type(error), error, error.__traceback__.tb_next, tb_offset=0)
        except Exception:
            lines = traceback.format_exception(type(error), error, error.__traceback__.tb_next)
        return save_json({"status": "raised", "ename": type(error).__name__, "evalue": str(error)[:2000],
                          "traceback": [str(line)[:4000] for line in lines[-30:]]})
    after = []
    for i, arg in enumerate(args):
        if isinstance(arg, numpy.ndarray):
            numpy.save(join(out, "after%d.npy" % i), arg, allow_pickle=False)
            after.append("after%d.npy" % i)
        else:
            after.append(None)
    save_json({"status": "ok", "value": encode(value), "after": after})
'''.replace("MAX_VALUE_ITEMS", str(MAX_VALUE_ITEMS))
CALL_LINE = "__grader_call(FOLDER, NAME, BRIEF, WEIGHTS)"


class KernelLearner:
    """Calls the learner's functions inside their kernel (see module docstring).

    ``failures`` are the notebook's failed cells: a function that raises ``NameError`` (or is missing) because
    the cell that defines the name failed is pointed at that cell instead of showing its own traceback."""

    def __init__(self, kernel: Kernel, workdir: Path, *, call_timeout_s: float = 20.0, on_kernel_death=None,
                 cells: tuple[str, ...] = (), failures: tuple = (), calls_budget_s: float = float("inf")):
        self.kernel = kernel
        self.calls_budget_s = calls_budget_s  # all calls together; once spent, every call fails as a timeout
        self.calls_spent_s = 0.0
        self.cells = cells  # the notebook's code cells as submitted (read by checks, never run by them)
        self.failures = failures
        self.call_timeout_s = call_timeout_s
        self.workdir = Path(workdir)
        self.on_kernel_death = on_kernel_death
        self._channel: Channel | None = None
        self._killers: set[str] = set()  # functions that ended the kernel when called
        self._helper_in: tuple | None = None  # (kernel, restarts) in which CALL_HELPER was defined
        self.brief = False  # see expecting_errors
        self.weights = True  # see without_weights

    @contextlib.contextmanager
    def expecting_errors(self):
        """Within: calls whose error the check expects; a raised error comes back with its name and message but
        no traceback (only the name is read; formatting IPython's traceback costs ~20 ms a call)."""
        before, self.brief = self.brief, True
        try:
            yield
        finally:
            self.brief = before

    @contextlib.contextmanager
    def without_weights(self):
        """Within: a Keras model comes back as its architecture only (layers and their settings, trainability,
        build and compile settings: the ``config.json`` that ``model.save`` writes), built by the grader with
        fresh initial weights, for checks that never read weight values. The kernel writes no weights and the
        grader reads none: VGG16's base is 59 MB of them, 0.3 s a model on 2 cores."""
        before, self.weights = self.weights, False
        try:
            yield
        finally:
            self.weights = before

    def call(self, name: str, *args, timeout: float | None = None, **kwargs) -> Any:
        return self.run(name, *args, timeout=timeout, **kwargs).value

    def run(self, name: str, *args, timeout: float | None = None, **kwargs) -> Call:
        if name in self._killers:  # it ended the kernel once: calling it again would only spend a restart
            raise LearnerRaised(messages.text("kernel_died", function=name))
        if self.kernel.disk_exceeded() is not None:  # a kernel the disk quota stopped, not started again
            raise LearnerRaised(messages.text("disk_limit_before_call", function=name,
                                              mb=self.kernel.limits.disk_bytes // 2**20))
        timeout = timeout or self.call_timeout_s
        left = self.calls_budget_s - self.calls_spent_s
        if left <= 0:
            raise LearnerTimedOut(messages.text("calls_budget_spent", function=name, seconds=self.calls_budget_s))
        began = time.monotonic()
        try:
            return self._run(name, args, kwargs, timeout=min(timeout, left), cut_by_budget=left < timeout)
        finally:
            self.calls_spent_s += time.monotonic() - began

    def _run(self, name: str, args: tuple, kwargs: dict, *, timeout: float, cut_by_budget: bool) -> Call:
        with self._open_call() as folder:
            _write_args(folder, args, kwargs)
            line = CALL_LINE.replace("FOLDER, NAME, BRIEF, WEIGHTS",
                                     f"{str(folder.path)!r}, {name!r}, {self.brief!r}, {self.weights!r}")
            cell = self._call_cell(line, timeout)
            if cell.outcome == "timeout":
                self._recover(cell)
                if cut_by_budget:  # it ran into the end of the calls' budget, not its own limit
                    raise LearnerTimedOut(messages.text("calls_budget_spent", function=name,
                                                        seconds=self.calls_budget_s))
                raise LearnerTimedOut(messages.text("call_timeout", function=name, seconds=timeout))
            if cell.outcome != "ok":
                if cell.outcome in ("died", "exited"):
                    self._killers.add(name)
                self._recover(cell)
                raise LearnerRaised(messages.text("unreadable_value", function=name, reason=cell.evalue[:200])
                                    if cell.outcome == "garbled" else _kernel_stopped(name, cell, self.kernel.limits))
            try:
                return _read_result(folder, name, weights=self.weights)
            except LearnerRaised as problem:
                raise _pointed_at_failed_cell(problem, name, self.failures) from None

    def _call_cell(self, source: str, timeout: float):
        """Run one call's line, the helper defined first where this kernel (or its restart) lacks it. The helper
        catches whatever the learner's function raises, so a line that itself fails means the helper is gone or was
        replaced by the learner's code: it is defined again and the line run once more. Every cell of one call
        shares its ``timeout`` (the learner's cell hooks run in each: with a limit each, a call that made its first
        line fail got twice its limit and the helper's 30 s)."""
        began = time.monotonic()

        def left() -> float:
            return max(timeout - (time.monotonic() - began), 0.1)
        for attempt in range(2):
            if self._helper_in != (id(self.kernel), self.kernel.restarts):
                helper = self.kernel.run(CALL_HELPER, timeout=min(30.0, left()), history=False)
                if helper.outcome == "timeout":
                    return helper
                self._helper_in = (id(self.kernel), self.kernel.restarts)
            cell = self.kernel.run(source, timeout=left(), history=False)
            if cell.outcome != "error":
                break
            self._helper_in = None
        return cell

    def _open_call(self) -> CallFolder:
        return self._calls().call()

    def _calls(self) -> Channel:
        if self._channel is None:
            self._channel = Channel(self.kernel.session_dir, self.kernel.uid)
        return self._channel

    def shared_folder(self):
        """A context manager: a folder the grader writes files into by path for the kernel to read (weights, a
        model), owned by the grader in a folder the kernel cannot change, readable by the kernel; removed after."""
        return self._calls().shared()

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def _recover(self, cell) -> None:
        if self.on_kernel_death is not None and self.kernel.needs_restart(cell):
            self.on_kernel_death()


def _kernel_stopped(name: str, cell, limits) -> Text:
    """Why the kernel stopped during the call of ``name``: its disk quota (:mod:`grader.quota`), or anything else
    the learner's code did (``exit()``, ``os._exit``, a crash, the memory limit)."""
    if cell.ename == DISK_ENAME:
        return quota.told("disk_limit_in_call", cell.disk, limits, function=name)
    return messages.text("kernel_died", function=name)


def _arg_spec(folder: CallFolder, key: str, arg: Any) -> dict:
    if isinstance(arg, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, arg, allow_pickle=False)
        folder.write(f"{key}.npy", buffer.getvalue())
        return {"npy": f"{key}.npy"}
    return {"json": arg}


def _write_args(folder: CallFolder, args: tuple, kwargs: dict) -> None:
    spec = {"args": [_arg_spec(folder, f"a{i}", arg) for i, arg in enumerate(args)],
            "kwargs": {key: _arg_spec(folder, f"k{i}", arg) for i, (key, arg) in enumerate(kwargs.items())}}
    folder.write("args.json", json.dumps(spec).encode())


def _checked_name(name: Any) -> str:
    if not isinstance(name, str) or not (FILE_NAME.match(name) or name == "result.json"):
        raise ValueError(f"unexpected file name {str(name)[:40]!r}")
    return name


JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.S)  # possessive, closing quote optional: never backtracks


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` (JSON text) nests arrays and objects, counted without parsing it, in linear time.

    Strings are blanked first, left to right; an unclosed string runs to the end. (The pattern cannot fail once
    it has started, so it never restarts at every quote: an unclosed string of escaped quotes costs one pass.)"""
    stripped = JSON_STRING.sub(b'""', raw)
    codes = np.frombuffer(stripped, np.uint8)
    opens = (codes == 0x5B) | (codes == 0x7B)     # [ {   (compared directly: np.isin costs 0.1 ms a call)
    steps = opens.astype(np.int64) - ((codes == 0x5D) | (codes == 0x7D))   # ] }
    return int(np.cumsum(steps).max(initial=0))


def load_bounded_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``raw`` parsed as JSON once its nesting is known to be at most ``max_depth``; ValueError otherwise."""
    if json_depth(raw) > max_depth:
        raise ValueError(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _read_result(folder: CallFolder, name: str, *, weights: bool = True) -> Call:
    """The call's ``result.json`` and the files it names, decoded; models with their weights unless ``weights`` is
    False (:meth:`KernelLearner.without_weights`). :class:`LearnerProblem` for whatever the value cannot be."""
    try:
        data = load_bounded_json(folder.read("result.json", MAX_JSON_BYTES))
    except (ValueError, OSError) as error:
        raise LearnerRaised(messages.text("unreadable_value", function=name, reason=str(error)[:200])) from None
    status = data.get("status") if isinstance(data, dict) else None
    if status == "not_implemented":
        raise NotAttempted(messages.text("not_attempted", function=name))
    if status == "missing":
        error = LearnerRaised(messages.text("missing_function", function=name))
        error.missing = True
        raise error
    if status == "not_callable":
        raise LearnerRaised(messages.text("not_callable", function=name, got=str(data.get("type"))[:80]))
    if status == "raised":
        raise _raised(data, name)
    try:
        files = ResultFiles(folder)  # one budget for every file this result names, each file named once
        value = _decode(files, data["value"], weights=weights)
        after = tuple(None if f is None else _load_npy(files, f) for f in data["after"])
    except UnsafeModel as error:
        raise LearnerRaised(_model_refusal(name, str(error))) from None
    except Exception as error:  # noqa: BLE001 - whatever the kernel wrote: the learner's value, unreadable
        reason = str(error)[:200] if isinstance(error, (ValueError, OSError)) else f"{type(error).__name__}"
        raise LearnerRaised(messages.text("unreadable_value", function=name, reason=reason)) from None
    return Call(value=value, args_after=after)


def _raised(data: dict, name: str) -> "LearnerRaised":
    lines = data.get("traceback")
    tb = tuple(strip_ansi(str(line)[:4000]) for line in (lines[-40:] if isinstance(lines, list) else []))
    error = LearnerRaised(messages.text("learner_raised", function=name, ename=str(data.get("ename"))[:100],
                                        evalue=str(data.get("evalue"))[:500]), traceback=tb)
    error.ename, error.evalue = str(data.get("ename"))[:100], str(data.get("evalue"))[:500]
    return error


# ---------------------------------------------------------------- a failed cell behind a function's error

UNDEFINED = re.compile(r"name '([A-Za-z_][A-Za-z0-9_]*)' is not defined")
NO_MODULE = re.compile(r"No module named '([^']+)'")
CELL_ERRORS_SKIPPED = ("OutputLimit", "TimeLimit", "KernelLost")


def _pointed_at_failed_cell(problem: LearnerRaised, function: str, failures: tuple) -> LearnerRaised:
    """``problem`` unchanged, or, when it comes from a name a failed cell should have defined (``NameError``,
    a missing function, a module that cell could not import), a message pointing at that cell, without the
    function's own traceback."""
    ename, evalue = getattr(problem, "ename", ""), getattr(problem, "evalue", "")
    if getattr(problem, "missing", False):
        cell, key = _failed_cell_binding(function, failures), "missing_function_cell_failed"
    elif ename == "NameError" and UNDEFINED.search(evalue):
        cell, key = _failed_cell_binding(UNDEFINED.search(evalue).group(1), failures), "raised_cell_failed"
    elif ename in ("ModuleNotFoundError", "ImportError") and NO_MODULE.search(evalue):
        module = NO_MODULE.search(evalue).group(1)
        cell = next((f for f in _failed(failures) if f"'{module}'" in str(f.evalue)), None)
        key = "raised_cell_failed"
    else:
        return problem
    if cell is None:
        return problem
    return RaisedAfterFailedCell(messages.text(key, function=function, ename=ename, evalue=evalue,
                                               number=cell.index + 1, cell_ename=cell.ename,
                                               cell_evalue=str(cell.evalue)[:300]))


def _failed(failures: tuple) -> list:
    return [f for f in failures if f.ename not in CELL_ERRORS_SKIPPED and getattr(f, "source", "")]


def _failed_cell_binding(name: str, failures: tuple):
    """The first failed cell that defines ``name`` (assigns, imports or defines it; for a cell that is not
    valid Python, one that mentions it), or None."""
    for failure in _failed(failures):
        if name in _bound_names(failure.source):
            return failure
    return None


def _bound_names(source: str) -> set[str]:
    """The names a cell binds, read as IPython reads it (:func:`grader.cell_source.bound_names`); for a cell that
    cannot be read, every identifier in it."""
    names = cell_source.bound_names(source)
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)) if names is None else names


def _model_refusal(function: str, error: str) -> Text:
    if "lambda" in error.lower():
        return messages.text("model_lambda", function=function)
    if any(word in error.lower() for word in ("custom", "locate", "register")):
        return messages.text("model_custom", function=function)
    return messages.text("model_unreadable", function=function, reason=error[:200])


class ResultFiles:
    """The files one result names, opened through its call folder: each name at most once, ``MAX_RESULT_FILES``
    files and ``MAX_RESULT_BYTES`` bytes in all (every file counted at its size on disk): a result that names one
    large file many times, or many large files, is refused before they are loaded (ValueError)."""

    def __init__(self, folder: CallFolder, budget: int | None = None, count: int | None = None):
        self.folder, self.seen, self.models = folder, set(), 0
        self.left = MAX_RESULT_BYTES if budget is None else budget
        self.count = MAX_RESULT_FILES if count is None else count

    def take_model(self) -> None:
        """Count one more model of this result; ValueError past ``MAX_RESULT_MODELS`` (each is loaded in the
        grader, seconds each at its limits)."""
        self.models += 1
        if self.models > MAX_RESULT_MODELS:
            raise ValueError(f"more than {MAX_RESULT_MODELS} models in one result")

    @contextlib.contextmanager
    def open(self, name: str, limit: int):
        """``name`` opened (see :meth:`CallFolder.open`) and paid for; ValueError when named before or over budget."""
        name = _checked_name(name)
        if name in self.seen:
            raise ValueError(f"{name} is named more than once in one result")
        if len(self.seen) >= self.count:
            raise ValueError(f"more than {self.count} files in one result")
        self.seen.add(name)
        with self.folder.open(name, limit) as handle:
            self.left -= os.fstat(handle.fileno()).st_size
            if self.left < 0:
                raise ValueError(f"the files of one result hold more than {MAX_RESULT_BYTES // 2**20} MB together")
            yield handle


def _load_npy(folder: "ResultFiles | CallFolder", file: str) -> np.ndarray:
    """An ``.npy`` result, its header checked against the file before any array is made: no objects, no
    structured records, and exactly as many bytes as the shape declares, at most ``MAX_RESULT_BYTES``."""
    with folder.open(_checked_name(file), MAX_RESULT_BYTES) as handle:
        shape, fortran, dtype = _npy_header(handle, file)
        count = math.prod(shape)
        if count * dtype.itemsize != os.fstat(handle.fileno()).st_size - handle.tell():
            raise ValueError(f"{file} does not hold the {count} values its header declares")
        array = np.fromfile(handle, dtype=dtype, count=count)
        if array.size != count:
            raise ValueError(f"{file} ended before its {count} values")
    return array.reshape(shape[::-1]).transpose() if fortran else array.reshape(shape)


def _npy_header(handle, file: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    from numpy.lib import format as npy

    version = npy.read_magic(handle)
    if version not in ((1, 0), (2, 0)):
        raise ValueError(f"{file} is an .npy file of an unsupported version {version}")
    read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, fortran, dtype = read(handle, max_header_size=MAX_NPY_HEADER)
    if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None or dtype.kind not in ALLOWED_KINDS:
        raise ValueError(f"{file} holds values of type {str(dtype)[:40]}, not numbers")
    if len(shape) > MAX_NDIM or not all(type(n) is int and n >= 0 for n in shape):
        raise ValueError(f"{file} declares an unusable shape")
    if math.prod(shape) * dtype.itemsize > MAX_RESULT_BYTES:
        raise ValueError(f"{file} declares an array larger than {MAX_RESULT_BYTES // 2**20} MB")
    return tuple(shape), bool(fortran), dtype


def _decode(folder: "ResultFiles", spec: dict, depth: int = 0, *, weights: bool = True) -> Any:
    if not isinstance(spec, dict) or depth > MAX_VALUE_DEPTH:
        raise ValueError("a value nested too deeply or not described")
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
        steps = spec.get("steps", 0)
        if type(steps) is not int or not 0 <= steps < 2**63:
            raise ValueError("a model whose step count is not one")
        folder.take_model()
        with folder.open(_checked_name(spec["file"]), MAX_RESULT_BYTES) as handle:
            model = load_keras_file(handle, weights=weights)
        _OPTIMIZER_STEPS[model] = steps
        return model
    if kind == "none":
        return None
    if kind == "too_many":
        raise ValueError(f"more than {MAX_VALUE_ITEMS} items in one value")
    if kind in ("list", "tuple"):
        items = [_decode(folder, s, depth + 1, weights=weights) for s in spec["items"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {str(k): _decode(folder, s, depth + 1, weights=weights) for k, s in spec["items"].items()}
    raise ValueError(f"a value of type {str(spec.get('type'))[:80]}")


def load_keras_file(handle, *, weights: bool = True) -> Any:
    """A learner's ``.keras`` file (an open file the grader checked), loaded from a private copy only the grader
    can read, after :func:`inspect_keras_archive` (see :func:`load_keras_model` for ``weights``)."""
    path = private_copy(handle, MAX_RESULT_BYTES, suffix=".keras", name="the model file")
    try:
        return load_keras_model(path, weights=weights)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def load_keras_model(path: Path, *, weights: bool = True):
    """A learner's saved model, loaded with ``safe_mode=True``: no Lambda code, no custom classes, never executed.

    The archive is inspected first (:func:`inspect_keras_archive`), and while Keras builds the model every
    weight it creates counts against ``MAX_MODEL_PARAMETERS``: a file that declares more is refused before
    the memory is taken. ``weights=False``: only the archive's ``config.json`` is read and the model built from
    it with fresh initial weights, as ``keras.saving.load_model`` builds it before reading the weights (the
    archive needs no weights file; one that is there is not read). :class:`UnsafeModel` for every refusal."""
    config = _archive_config(path)  # first: a refused archive costs no import of Keras
    compiled = _compile_config_in(config)
    import keras  # only exercises that hand over models pay for importing Keras

    try:
        if weights:
            with _weights_budget(MAX_MODEL_PARAMETERS):
                model = keras.saving.load_model(path, safe_mode=True, compile=False)
        else:  # load_model(compile=False) without the weights: compile settings are read, never deserialised
            model = _architecture_only(config, path)
        if not isinstance(model, keras.Model):   # a config may describe any Keras object, or an array
            raise UnsafeModel("config.json does not describe a model")
    except UnsafeModel:
        raise
    except (MemoryError, RecursionError) as error:
        raise UnsafeModel(f"the model is too large or too deeply nested to load ({type(error).__name__})") from None
    except Exception as error:  # noqa: BLE001 - every refusal is explained to the learner
        raise UnsafeModel(_refusal_reason(str(error))) from None
    _COMPILE_CONFIGS[model] = compiled
    return model


def _architecture_only(config: dict, path: Path):
    """The Keras object ``config`` (``path``'s config.json, parsed) describes, without its compile settings
    (``safe_mode=True``, within ``MAX_MODEL_PARAMETERS``), exactly as the ordinary build would give it or refuse it,
    but where that is certain, with no initial value drawn.

    It is first built inside a ``keras.StatelessScope(initialize_variables=False)``, where Keras creates each
    variable without a value (shapes, trainability and ``count_params`` as after an ordinary build; no check of
    such a model reads a weight value). Drawing VGG16's 14.7 M initial values was most of building it: 0.21 ->
    0.05 s a model on 2 cores, 2026-12-02; day98's checks build 16. That build is kept only if every variable's
    initializer is one that cannot fail (:func:`_initializer_cannot_fail`), since a variable left without a value
    never runs it. Anything else (a refusal, the scope's own refusal of a variable made from a value as a compiled
    model nested inside makes, an initializer outside that list) and the model is built the ordinary way from
    ``path`` read again (Keras consumes the config as it builds), and what that gives or raises is the answer."""
    import keras
    from keras.src.backend.common import global_state

    pending = global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True)
    before = len(pending)
    try:
        with _weights_budget(MAX_MODEL_PARAMETERS), keras.StatelessScope(initialize_variables=False):
            model = keras.saving.deserialize_keras_object(dict(config, compile_config=None), safe_mode=True)
        if all(_initializer_cannot_fail(v) for v in pending[before:]):
            return model
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - built the ordinary way below, which gives the refusal if there is one
        pass
    finally:  # Keras lists the deferred variables to initialise them later: this process never will
        del pending[before:]
    with _weights_budget(MAX_MODEL_PARAMETERS):
        return keras.saving.deserialize_keras_object(dict(_archive_config(path), compile_config=None), safe_mode=True)


_NUMERIC_INITIALIZERS = ("Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
                         "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "LecunNormal", "LecunUniform")
_FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
_MAY_BE_NONE = ("seed", "input_axes", "output_axes")   # the fans from the whole shape, as a Dense kernel's


def _initializer_cannot_fail(variable) -> bool:
    """True when ``variable``'s deferred initializer is one of Keras's own that gives a value for any shape: a
    built-in random or constant initializer of a float variable, its settings plain numbers (a scalar for
    ``Constant``, an int or None for the seed, no axes given for the fans; ``VarianceScaling``'s two words are
    checked when it is made), or the counter of a layer's own random seed (``SeedGenerator``). ``Orthogonal``,
    ``Identity``, anything else or anything set oddly (``Constant([1, 2, 3])`` on a (512, 10) kernel, a mean of
    "x") is not."""
    import keras

    initializer = getattr(variable, "_initializer", None)
    if getattr(initializer, "__qualname__", "") == "SeedGenerator.__init__.<locals>.seed_initializer":
        return True
    if str(getattr(variable, "dtype", "")) not in _FLOAT_DTYPES:
        return False
    kind = type(initializer)
    if kind is keras.initializers.VarianceScaling or any(
            kind is getattr(keras.initializers, name, None) for name in _NUMERIC_INITIALIZERS):
        settings = initializer.get_config()
        words = {"mode", "distribution"} if kind is keras.initializers.VarianceScaling else set()
        return all(k in words or type(v) in (int, float) or (k in _MAY_BE_NONE and v is None)
                   for k, v in settings.items())
    return False


def _refusal_reason(error: str) -> str:
    """Keras's refusal cut to 500 characters, its kind kept: Keras names a Lambda layer late in a long message."""
    lowered = error.lower()
    kind = "lambda" if "lambda" in lowered else \
        next((word for word in ("custom", "locate", "register") if word in lowered), None)
    return error[:500] if kind is None or kind in error[:500].lower() else f"({kind}) {error[:480]}"


_COMPILE_CONFIGS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_OPTIMIZER_STEPS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # model -> steps, from the kernel


def inspect_keras_archive(path: Path) -> dict | None:
    """Check a ``.keras`` archive without loading it; its ``compile_config`` (None when not compiled).

    Refused (:class:`UnsafeModel`): not a zip, more than ``MAX_ARCHIVE_MEMBERS`` members, a member or the
    whole larger than ``MAX_RESULT_BYTES`` unpacked, a large member compressed more than ``MAX_RATIO``
    times, a ``config.json`` over ``MAX_JSON_BYTES`` or nested deeper than ``MAX_CONFIG_DEPTH``."""
    return _compile_config_in(_archive_config(path))


def _compile_config_in(config: dict) -> dict | None:
    compiled = config.get("compile_config")
    return compiled if isinstance(compiled, dict) else None


def _archive_config(path: Path) -> dict:
    """The archive's ``config.json``, parsed, after the checks of :func:`inspect_keras_archive`."""
    try:
        with open_zip(path, max_members=MAX_ARCHIVE_MEMBERS) as archive:  # counted before the directory is read
            _check_members(archive.infolist())
            with archive.open("config.json") as member:
                raw = bounded_read(member, MAX_JSON_BYTES, name="config.json")
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError, NotImplementedError) as error:
        raise UnsafeModel(f"not a readable .keras file ({str(error)[:200]})") from None
    try:
        config = load_bounded_json(raw, max_depth=MAX_CONFIG_DEPTH)
    except ValueError as error:
        raise UnsafeModel(f"config.json {error}") from None
    if not isinstance(config, dict):
        raise UnsafeModel("config.json does not describe a model")
    _check_layer_counts(config)
    return config


def _check_layer_counts(config: dict) -> None:
    """:class:`UnsafeModel` when ``config`` (a parsed config.json, bounded in size and depth) declares more than
    Keras builds in a few seconds: more than ``MAX_MODEL_LAYERS`` layers in all, Sequential models longer than
    ``MAX_SEQUENTIAL_LAYERS`` (their lengths squared and summed), or functional models whose layer calls take more
    than ``MAX_CONNECTION_WORK`` to rebuild (:func:`_connection_work`, all models together). Every ``layers`` list
    counts, wherever it is."""
    layers_seen, sequential_cost, work, stack = 0, 0, 0, [config]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        inner = node.get("config")
        layers = inner.get("layers") if isinstance(inner, dict) else None
        if isinstance(layers, list):
            layers_seen += len(layers)
            if str(node.get("class_name")).rpartition(".")[2] == "Sequential":
                sequential_cost += len(layers) ** 2
                if sequential_cost > MAX_SEQUENTIAL_LAYERS ** 2:
                    raise UnsafeModel(f"Sequential models too long to load: one of {len(layers):,} layers (the "
                                      f"grader loads at most {MAX_SEQUENTIAL_LAYERS} layers of Sequential models, "
                                      "counted by their lengths squared)")
            if layers_seen > MAX_MODEL_LAYERS:
                raise UnsafeModel(f"the model has more than {MAX_MODEL_LAYERS:,} layers")
            work += _connection_work(layers, MAX_CONNECTION_WORK - work)
            if work > MAX_CONNECTION_WORK:
                raise UnsafeModel("the model's layer calls (inbound_nodes) would take Keras more than "
                                  f"{MAX_CONNECTION_WORK:,} values read to rebuild (layers listed against the order "
                                  "of their calls, or calls carrying too much)")
        stack.extend(v for v in node.values() if isinstance(v, (dict, list)))


def _connection_work(layers: list, most: int) -> int:
    """At least the JSON values (containers included) Keras reads to rebuild the layer calls of a functional model
    whose config lists ``layers``, or more than ``most``: (passes + 1) times the values of all its calls, the passes
    counted by replaying Keras's own schedule (``keras.src.models.functional.functional_from_config``) on the
    layers' names. Pass after pass over the layers in their listed order, each layer's waiting calls are made in
    order until one whose inputs (:func:`_called_layers`) have not yet been made (an ``InputLayer`` starts with its
    one call made); Keras reads every waiting call again at each pass, and a pass that makes nothing ends it. A call
    Keras would keep waiting on for another reason (its layer raising ``IndexError``) adds at most the one pass
    counted over the replay's. A model listed in the order of its calls, as Keras saves one, takes one pass."""
    made, waiting, total = {}, [], 0
    for layer in layers:
        name = layer.get("name") if isinstance(layer, dict) else None
        if not isinstance(name, str):
            continue
        made[name] = 1 if layer.get("class_name") == "InputLayer" else 0
        calls = layer.get("inbound_nodes")
        if isinstance(calls, list) and calls:
            total += _values_in(calls, most + 1 - total)
            if total > most:
                return total
            waiting.append((name, collections.deque(calls)))
    passes = 0
    while waiting and (passes + 2) * total <= most:
        passes += 1
        progressed = False
        for name, calls in waiting:
            while calls and all(made.get(layer, 0) > index for layer, index in _called_layers(calls[0])):
                made[name] += 1
                calls.popleft()
                progressed = True
        waiting = [(name, calls) for name, calls in waiting if calls]
        if not progressed:
            break
    return (passes + 1 + bool(waiting)) * total


def _called_layers(call) -> list[tuple[str, float]]:
    """(layer name, node index) of each input Keras waits for before it makes ``call`` (one entry of a layer's
    ``inbound_nodes``), read as ``keras.src.models.functional.deserialize_node`` reads it: ``[name, node index,
    tensor index(, kwargs)]`` entries in the legacy format; in the current one, the ``keras_history`` of every
    ``__keras_tensor__`` object in its args and kwargs that deserialising reaches (plain lists and objects are
    entered, any other Keras object is not). Forms that make Keras stop the whole load instead are left out."""
    def reference(history):
        if isinstance(history, list) and len(history) >= 3 and isinstance(history[0], str) \
                and isinstance(history[1], (int, float)):
            return [(history[0], history[1])]
        return []

    if isinstance(call, list):
        return [ref for entry in call if isinstance(entry, list) and len(entry) <= 4 for ref in reference(entry)]
    if not isinstance(call, dict):
        return []
    found, stack = [], [call.get("args"), call.get("kwargs")]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "class_name" not in item or "config" not in item:
                stack.extend(item.values())
            elif item["class_name"] == "__keras_tensor__" and isinstance(item["config"], dict):
                found += reference(item["config"].get("keras_history"))
    return found


def _values_in(value, most: int) -> int:
    """How many values ``value`` (parsed JSON) holds, its lists and objects included, counting stopped at ``most``."""
    count, stack = 0, [value]
    while stack and count < most:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _check_members(members: list) -> None:
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise ValueError(f"{len(members)} files in the archive")
    if sum(m.file_size for m in members) > MAX_RESULT_BYTES:
        raise ValueError(f"more than {MAX_RESULT_BYTES // 2**20} MB once unpacked")
    for member in members:
        if member.file_size > 2**20 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise ValueError(f"{member.filename[:60]} is compressed more than {MAX_RATIO} times")


@contextlib.contextmanager
def _weights_budget(limit: int):
    """While Keras builds a model: every variable it creates is counted, and the mean and variance a
    ``Normalization`` layer given them broadcasts over its input's kept axes (constants, not variables);
    :class:`UnsafeModel` past ``limit`` values in all (before the memory is taken)."""
    import keras
    from keras.src.backend.common import variables

    original, normalization_build, spent = variables.Variable.__init__, keras.layers.Normalization.build, [0]

    def spend(shape) -> None:
        spent[0] += _declared_size(shape)
        if spent[0] > limit:
            raise UnsafeModel(f"the model declares more than {limit:,} weights")

    def counted(self, initializer, shape=None, *args, **kwargs):
        if shape is not None:
            spend(shape)
        return original(self, initializer, shape, *args, **kwargs)

    def build(self, input_shape):
        if getattr(self, "input_mean", None) is not None and input_shape is not None:
            ndim = len(input_shape)
            kept = [input_shape[a] for a in self.axis if -ndim <= a < ndim and input_shape[a] is not None]
            spend([2, *kept])                      # the mean and the variance
        return normalization_build(self, input_shape)

    variables.Variable.__init__, keras.layers.Normalization.build = counted, build
    try:
        yield
    finally:
        variables.Variable.__init__, keras.layers.Normalization.build = original, normalization_build


def _declared_size(shape) -> int:
    try:
        dims = [int(d) for d in shape]
    except (TypeError, ValueError):
        return 0
    if any(d < 0 for d in dims):
        raise UnsafeModel("the model declares a weight of negative size")
    return math.prod(dims)


def compile_config(model) -> dict | None:
    """How the learner compiled ``model`` (loss, optimizer, metrics) before saving; None when not compiled.

    Models cross ``compile=False`` (so a custom loss is never deserialised); checks read the compile settings
    from here instead of ``model.optimizer``: ``compile_config(m)["loss"]``, see :func:`learning_rate`."""
    if model in _COMPILE_CONFIGS:
        return _COMPILE_CONFIGS[model]
    getter = getattr(model, "get_compile_config", None)  # a live model (LocalLearner, in-notebook practice)
    config = getter() if callable(getter) and getattr(model, "compiled", False) else None
    return json.loads(json.dumps(config, default=str)) if isinstance(config, dict) else None


def optimizer_steps(model) -> int:
    """How many training steps (batches) ``model``'s optimizer had taken: ``fit`` adds one per batch, epochs x
    ceil(samples / batch_size); 0 for a model never fitted or never compiled.

    For a model that crossed from the kernel, the count the call helper read there (``optimizer.iterations``;
    a ``LossScaleOptimizer``'s inner optimizer's) and sent beside the ``.keras`` file: reading it back from the
    archive's weights file costs up to a second for VGG16 (Python 3.11's zip members seek by reading), and both
    are written by the learner's kernel alike. For a live model (LocalLearner), read directly; 0 for a model
    loaded from a file by other means."""
    if model in _OPTIMIZER_STEPS:
        return _OPTIMIZER_STEPS[model]
    optimizer = getattr(model, "optimizer", None)
    steps = [0]
    for counter in (optimizer, getattr(optimizer, "inner_optimizer", None)):
        try:
            steps.append(int(np.asarray(counter.iterations)))
        except (AttributeError, TypeError, ValueError):
            pass
    return max(steps)


def learning_rate(config: dict | None) -> float | None:
    """The optimizer's (initial) learning rate in a compile config; None where there is none, or it is not a finite
    number."""
    optimizer = (config or {}).get("optimizer")
    if not isinstance(optimizer, dict):
        return None
    rate = _settings(optimizer).get("learning_rate")
    if isinstance(rate, dict):  # a schedule: its starting rate
        rate = _settings(rate).get("initial_learning_rate")
    if not isinstance(rate, (int, float)):
        return None
    try:
        rate = float(rate)
    except OverflowError:       # an integer no float holds
        return None
    return rate if math.isfinite(rate) else None   # NaN would pass every comparison a check makes


def _settings(saved: dict) -> dict:
    """A saved object's ``config`` when it is a dict (a learner's file may hold anything there), else {}."""
    inner = saved.get("config")
    return inner if isinstance(inner, dict) else {}


def loss_name(config: dict | None) -> str | None:
    """The loss in a compile config as Keras's snake_case name (``"sparse_categorical_crossentropy"``)."""
    loss = (config or {}).get("loss")
    if isinstance(loss, dict):
        loss = _settings(loss).get("name") or loss.get("class_name")
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

    @contextlib.contextmanager
    def shared_folder(self):
        """A temporary folder for files handed to the learner's functions (see :meth:`KernelLearner.shared_folder`)."""
        with tempfile.TemporaryDirectory(prefix="grader-shared-") as folder:
            yield Path(folder)

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
            problem = LearnerRaised(messages.text("learner_raised", function=name, ename=type(error).__name__,
                                                  evalue=str(error)[:500]))
            problem.ename, problem.evalue = type(error).__name__, str(error)[:500]   # as from a kernel
            raise problem from error
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
