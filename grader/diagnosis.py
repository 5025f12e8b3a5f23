"""One diagnosis per learner function: what it must return, what each known mistake returns, and the rule that names
a wrong answer. The public and the hidden checks both judge through :func:`expect_entries`, so one mistake gets one
name wherever it is found.

A :class:`Diagnosis` holds a function's reference, its catalogue of :class:`Variant` (each a small function computing
what one known mistake gives, on the same arguments) and its discriminating cases, graded in every run. Diagnoses
live beside the hidden checks (``grader/hidden/diagnosis_dayNN.py``, never shipped to learners, loaded with
:func:`load`). :meth:`Diagnosis.entry` turns one call into an *entry*, plain data::

    {"args": [...], "kwargs": {...}, "kind": "array", "want": <value>, "variants": [[key, value], ...]}

``value`` is an array, a number, a tuple, or ``{"shape": (...)}`` (any array of that shape). An entry may instead
promise an error: ``{"raises": "ValueError", "not_raised": key, "wrong_error": key}``. The hidden checks build entries
from random arguments; the public checks hold literal tables of entries for the discriminating cases, written into
``exercises/dayNN/test_dayNN.py`` by ``grader stubs`` (:func:`write_tables`): no reference code in the public files.

The naming rule, for the answers of one check: a mistake is named when it explains every answer (each answer equals
the mistake's value, or the right value where the mistake does not show); else the first mistake matching the first
wrong answer; else a generic message (wrong shape, wrong values).
"""
from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import importlib.util
import inspect
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader import exercise as exercises
from grader import messages
from grader.checks import CheckFailed, _fmt, as_numeric_array, fail
from grader.answers import remembered
from grader.learner import LearnerRaised, RaisedAfterFailedCell

ATOL = 1e-6
KINDS = ("array", "float", "int", "tuple")


def shape(*dims: int) -> dict:
    """A shape-only variant: any array of this shape is what the mistake gives."""
    return {"shape": tuple(int(d) for d in dims)}


@dataclass(frozen=True)
class Variant:
    """A known mistake: its message key, and what a function with that mistake returns (None: it cannot show)."""

    key: str
    compute: Callable[..., Any]


@dataclass(frozen=True)
class ErrorCase:
    """A call the docstring says raises ``raises``; ``not_raised`` / ``wrong_error`` name the two ways to miss it."""

    args: tuple
    kwargs: dict
    raises: str
    not_raised: str
    wrong_error: str


@dataclass(frozen=True)
class Diagnosis:
    """One learner function: reference, known mistakes, discriminating cases, and the promises of its docstring.

    ``kind``: "array" (an ndarray of numbers), "float", "int" or "tuple" (of ints). ``floats``: the docstring promises
    float output even for integer input. ``float_key``: the message key when an int answer comes as a float.
    """

    function: str
    reference: Callable[..., Any]
    variants: tuple[Variant, ...]
    cases: tuple[tuple[tuple, dict], ...]
    kind: str = "array"
    floats: bool = False
    float_key: str | None = None
    errors: tuple[ErrorCase, ...] = field(default=())
    keeps_dtype: bool = False
    windows: bool = False
    fallback: str | None = None   # the function's own sentence (its formula) when no known mistake matches
    fresh: Callable[..., tuple] | None = None   # (rng, args, kwargs) -> a twin's (args, kwargs); default: fresh_call

    def entry(self, *args, **kwargs) -> dict:
        """The plain-data entry for one call: wanted value and every applicable mistake's value."""
        want = _plain(self.reference(*_copies(args), **_copies(kwargs)))
        variants = []
        for variant in self.variants:
            try:
                value = variant.compute(*_copies(args), **_copies(kwargs))
            except (ValueError, IndexError, ZeroDivisionError, TypeError):
                value = None   # the mistake would crash on this input: nothing to name by value
            if value is not None and not _same(_plain(value), want, self.kind):
                variants.append([variant.key, _plain(value)])
        entry = {"args": list(args), "kwargs": dict(kwargs), "kind": self.kind, "want": want, "variants": variants}
        defaults = _left_at_default(self.reference, len(args), kwargs)
        if defaults:
            entry["defaults"] = defaults
        if self.floats:
            entry["floats"] = True
        if self.float_key:
            entry["float_key"] = self.float_key
        if self.windows:
            entry["windows"] = True
        if self.fallback:
            entry["fallback"] = self.fallback
        if self.keeps_dtype:
            entry["dtype"] = str(np.asarray(want).dtype)
        return entry

    def twin(self, entry: dict, rng: np.random.Generator) -> dict | None:
        """The entry of a call like ``entry``'s (same case, shapes and dtypes) with fresh values from ``rng``;
        None when no fresh values can be drawn for it or the reference refuses them."""
        args, kwargs = (self.fresh or fresh_call)(rng, tuple(entry["args"]), dict(entry["kwargs"]))
        if _same_call((args, kwargs), (tuple(entry["args"]), dict(entry["kwargs"]))):
            return None
        try:
            return self.entry(*args, **kwargs)
        except (ValueError, IndexError, ZeroDivisionError, TypeError):
            return None

    def table(self) -> list[dict]:
        """Entries for the discriminating cases and the promised errors: what the public checks hold literally."""
        entries = [self.entry(*args, **kwargs) for args, kwargs in self.cases]
        return entries + [error_entry(e) for e in self.errors]


def _left_at_default(function, given: int, kwargs: dict) -> list[str]:
    """The parameters with a default that a call with ``given`` positional arguments and ``kwargs`` leaves out."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters[given:] if p.kind == p.POSITIONAL_OR_KEYWORD
            and p.default is not p.empty and p.name not in kwargs]


def error_entry(case: ErrorCase) -> dict:
    return {"args": list(case.args), "kwargs": dict(case.kwargs), "raises": case.raises,
            "not_raised": case.not_raised, "wrong_error": case.wrong_error}


def _same(value: Any, want: Any, kind: str) -> bool:
    """Whether a mistake gives the right answer anyway (then it cannot show on this input)."""
    if isinstance(value, dict):
        return kind == "array" and np.shape(want) == tuple(value["shape"])
    return matches(np.asarray(value) if kind == "array" else value, want, kind)


def _copies(values):
    if isinstance(values, dict):
        return {k: np.array(v) if isinstance(v, np.ndarray) else v for k, v in values.items()}
    return tuple(np.array(v) if isinstance(v, np.ndarray) else v for v in values)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    if isinstance(value, np.ndarray):
        return np.array(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return value


# ---------------------------------------------------------------- twins: fresh values for a public example

def fresh_value(rng: np.random.Generator, value: Any) -> Any:
    """``value`` with fresh random contents of the same type, shape, dtype and sign range: arrays of numbers (an
    all-zero array stays zero), non-zero floats and lists of floats; ints (sizes, strides) and strings are kept."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf" or value.size == 0 or not value.any():
            return np.array(value)
        signs = 1 if value.min() >= 0 else rng.choice([-1, 1], size=value.shape)
        if value.dtype.kind == "f":
            fresh = np.abs(rng.normal(size=value.shape)).round(3) * signs
        else:
            fresh = rng.integers(0, 10, size=value.shape) * signs
        return fresh.astype(value.dtype)
    if isinstance(value, float) and value != 0:
        return round(float(rng.uniform(0.5, 2.0)), 3) * (1.0 if value > 0 else -1.0)
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        return [fresh_value(rng, v) for v in value]
    return value


def fresh_call(rng: np.random.Generator, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """A twin call's (args, kwargs): every argument through :func:`fresh_value`."""
    return (tuple(fresh_value(rng, a) for a in args),
            {k: fresh_value(rng, v) for k, v in kwargs.items()})


def grown(rng: np.random.Generator, n: int, step: int) -> int:
    """``n`` plus a random multiple of ``step`` (1-40 steps): a size in the same remainder class as ``n``."""
    return int(n + max(1, int(step)) * int(rng.integers(1, 41)))


def _same_call(a: tuple[tuple, dict], b: tuple[tuple, dict]) -> bool:
    def same(x, y):
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            return np.shape(x) == np.shape(y) and bool(np.array_equal(x, y))
        return type(x) is type(y) and x == y
    (args_a, kw_a), (args_b, kw_b) = a, b
    return (len(args_a) == len(args_b) and kw_a.keys() == kw_b.keys()
            and all(same(x, y) for x, y in zip(args_a, args_b)) and all(same(kw_a[k], kw_b[k]) for k in kw_a))


def twins_of(day: str | None, function: str, entries: list[dict], rng) -> list[dict]:
    """Each public entry's twin, computed by the hidden diagnosis of ``day``, when that diagnosis can be loaded
    (grading); ``[]`` otherwise (a learner's release, or no ``rng``): then the public checks are just the tables."""
    if day is None or rng is None or not (exercises.hidden_dir() / f"diagnosis_{day}.py").exists():
        return []
    diagnosis = load(day).DIAGNOSES.get(function)
    if diagnosis is None:
        return []
    twins = [diagnosis.twin(entry, rng) for entry in entries if "raises" not in entry]
    return [twin for twin in twins if twin is not None]


# ---------------------------------------------------------------- loading a day's diagnoses

PRELOAD_SKIPPED = ("grader", "keras", "tensorflow")  # the grader's own; TensorFlow is imported quietly elsewhere


def preload(exercise_id: str) -> threading.Thread | None:
    """Import, in a background thread, the libraries ``diagnosis_<exercise_id>.py`` imports (``scipy.signal``
    alone takes 0.6-1 s), while the caller waits for the learner's kernel; Python's import lock makes a later
    import of the same module wait for this one, never run it twice. Read with :mod:`ast`, never run here. The
    thread, or None when there is nothing to import (a learner's release has no diagnoses)."""
    names = [n for n in _imported_by(exercise_id) if n not in sys.modules]
    if not names:
        return None
    thread = threading.Thread(target=_import_all, args=(names,), name=f"preload-{exercise_id}", daemon=True)
    thread.start()
    return thread


@functools.lru_cache(maxsize=None)
def _imported_by(exercise_id: str) -> tuple[str, ...]:
    """The libraries ``diagnosis_<exercise_id>.py`` imports at its top (read once per process)."""
    path = exercises.hidden_dir() / f"diagnosis_{exercise_id}.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    names = [alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names]
    names += [node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module and not node.level]
    return tuple(n for n in names if n.split(".")[0] not in PRELOAD_SKIPPED)


def _import_all(names: list[str]) -> None:
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the check that needs it imports it again and reports what goes wrong
            pass


def load(exercise_id: str):
    """The module ``diagnosis_<exercise_id>.py`` beside the hidden checks (``DIAGNOSES``: function -> Diagnosis)."""
    name = f"grader_diagnosis_{exercise_id}"
    if name not in sys.modules:
        path = exercises.hidden_dir() / f"diagnosis_{exercise_id}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


# ---------------------------------------------------------------- judging answers

def describe(function: str, entry: dict) -> str:
    """``feature_map(image (5, 6) float64, kernel (3, 3) float64, bias=0.5)``, to name a call in a message."""
    def show(value):
        if isinstance(value, np.ndarray):
            return f"array {value.shape} {value.dtype}"
        if isinstance(value, (list, tuple)) and len(repr(value)) > 40:
            return f"{type(value).__name__} of {len(value)}"
        return repr(value)
    parts = [show(a) for a in entry["args"]] + [f"{k}={show(v)}" for k, v in entry["kwargs"].items()]
    return f"{function}({', '.join(parts)})"


def _numeric_scalar(got) -> bool:
    return isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, (bool, np.bool_))


def _int_scalar(got) -> bool:
    return isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_))


def matches(got: Any, value: Any, kind: str, atol: float = ATOL) -> bool:
    """Whether ``got`` (already of the right type) equals ``value`` (a value, or a shape-only ``{"shape": ...}``):
    within ``atol + atol * |value|`` for a float and each value of an array alike (float32 arithmetic passes),
    within ``atol`` for an int."""
    if isinstance(value, dict):
        return kind == "array" and isinstance(got, np.ndarray) and got.shape == tuple(value["shape"])
    if kind == "array":
        want = np.asarray(value, dtype=float)
        return (isinstance(got, np.ndarray) and got.shape == want.shape
                and bool(np.allclose(got.astype(float), want, atol=atol, rtol=atol)))
    if kind == "tuple":
        return isinstance(got, tuple) and isinstance(value, tuple) and got == tuple(value)
    if not (_numeric_scalar(got) and _numeric_scalar(value)) or _beyond_floats(got) or _beyond_floats(value):
        return False
    return abs(float(got) - float(value)) <= atol + (atol * abs(float(value)) if kind == "float" else 0.0)


def _matches(got: Any, value: Any, entry: dict) -> bool:
    return matches(got, value, entry["kind"], entry.get("atol", ATOL))


def _as_kind(got: Any, entry: dict, what: str) -> Any:
    """``got`` in the form the entry's kind compares, or a failure naming a wrong type."""
    kind = entry["kind"]
    if isinstance(got, np.ndarray) and got.ndim == 0 and kind != "array":
        got = got[()]
    if kind == "array":
        array = as_numeric_array(got, what=what)
        return array if not isinstance(got, np.ndarray) else np.asarray(got)
    if kind == "tuple":
        if not isinstance(got, (tuple, list)):
            fail("wrong_type", what=what, expected=f"a tuple of {len(entry['want'])} ints", got=type(got).__name__)
        if any(isinstance(v, (float, np.floating)) for v in got) and entry.get("float_key"):
            fail(entry["float_key"], what=what, expected=entry["want"], got=tuple(got))
        if not all(_int_scalar(v) for v in got):
            fail("wrong_type", what=what, expected=f"a tuple of {len(entry['want'])} ints", got=repr(tuple(got))[:80])
        return tuple(int(v) for v in got)
    if kind == "int" and isinstance(got, (float, np.floating)) and entry.get("float_key"):
        fail(entry["float_key"], what=what, expected=entry["want"], got=repr(float(got)))
    if not _numeric_scalar(got) or (kind == "int" and not _int_scalar(got)):
        expected = "a Python int" if kind == "int" else "a Python float"
        fail("wrong_type", what=what, expected=expected, got=f"a {type(got).__name__} ({repr(got)[:40]})")
    if _beyond_floats(got):  # an int past 1.8e308: certainly not the expected number, never an OverflowError
        fail("wrong_value", what=what, expected=_fmt(entry["want"]), got=f"an int of {_digits(got)} digits")
    if not np.isfinite(float(got)):
        fail("not_finite", what=what)
    return got


def _beyond_floats(got: Any) -> bool:
    return isinstance(got, int) and abs(got) > sys.float_info.max


def _digits(number: int) -> str:
    return f"about {int(abs(number).bit_length() * 0.30103) + 1}"


def _fields(entry: dict, got: Any, what: str) -> dict:
    """Every field a mistake's sentence may use: the call, expected and got (shapes for arrays), one wrong value."""
    want, kind = entry["want"], entry["kind"]
    fields = {"what": what, "index": "-", "want_value": "-", "got_value": "-", "dtype": "-"}
    if kind != "array":
        shown = (lambda v: f"{float(v):.6g}") if kind == "float" else repr
        return {**fields, "expected": shown(want), "got": shown(got), "want_value": shown(want),
                "got_value": shown(got)}
    want = np.asarray(want, dtype=float)
    fields.update(expected=want.shape, got=got.shape, shape=want.shape, dtype=str(got.dtype), total=want.size)
    if got.shape == want.shape:
        wrong = ~np.isclose(got.astype(float), want, atol=ATOL, rtol=ATOL)
        if wrong.any():
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            fields.update(index=index, want_value=_fmt(want[index]), got_value=_fmt(got[index].astype(float)),
                          count=int(wrong.sum()))
    return fields


def catalogue_order(entries: list[dict]) -> list[str]:
    """The mistakes' keys in their catalogue order, merged from the entries (each lists its own in that order)."""
    keys = list(dict.fromkeys(key for entry in entries for key, _ in entry.get("variants", ())))
    before = {key: set() for key in keys}   # key -> keys that come before it in some entry
    for entry in entries:
        seen = []
        for key, _ in entry.get("variants", ()):
            before[key].update(k for k in seen if k != key)
            seen.append(key)
    ordered = []
    while keys:
        ready = next((k for k in keys if not (before[k] - set(ordered))), keys[0])
        ordered.append(ready)
        keys.remove(ready)
    return ordered


def explaining_key(answers: list[tuple[dict, Any]]) -> str | None:
    """The first mistake that explains every answer: equal to its value, or to the right one where it does not show."""
    for key in catalogue_order([entry for entry, _ in answers]):
        if all(_matches(got, entry["want"], entry)
               or any(_matches(got, v, entry) for k, v in entry["variants"] if k == key)
               for entry, got in answers):
            return key
    return None


def first_key(entry: dict, got: Any) -> str | None:
    """The first mistake whose value equals this one answer."""
    return next((key for key, value in entry["variants"] if _matches(got, value, entry)), None)


def _generic(entry: dict, got: Any, fields: dict) -> str:
    """The shape-based and position-based rules, when no known mistake matches."""
    if entry["kind"] != "array":
        return entry.get("fallback", "wrong_value")
    want = np.asarray(entry["want"], dtype=float)
    if got.shape != want.shape:
        if got.ndim == want.ndim and got.ndim >= 2 and sorted(got.shape) == sorted(want.shape):
            return "axes_order"
        return "output_size_wrong" if got.ndim == want.ndim and got.ndim >= 2 else "wrong_shape"
    if not np.all(np.isfinite(got.astype(float))):
        return "window_empty" if entry.get("windows") else "not_finite"
    wrong = ~np.isclose(got.astype(float), want, atol=ATOL, rtol=ATOL)
    if got.ndim >= 2 and np.all(got[wrong] == 0):
        return "positions_not_computed"
    if entry.get("windows") and _stuck(got, want):
        return "window_not_moving"
    return "wrong_values"


def _stuck(got: np.ndarray, want: np.ndarray) -> bool:
    """Whether every output row (or column) is the same while the right ones differ: the window never moves."""
    rows, cols = (1, 2) if got.ndim == 4 else (0, 1)
    for axis in (rows, cols):
        if got.shape[axis] > 1 and np.allclose(got, np.take(got, [0], axis=axis)) and not np.allclose(
                want, np.take(want, [0], axis=axis)):
            return True
    return False


def _generic_fields(key: str, fields: dict) -> dict:
    if key == "wrong_values":   # this sentence shows one wrong element as expected / got
        return {**fields, "expected": fields["want_value"], "got": fields["got_value"]}
    return fields


WINDOW_CRASHES = re.compile(r"could not broadcast|operands could not be broadcast|out of bounds|"
                            r"shapes \(.*\) and \(.*\) not aligned|shape.mismatch")


# how each day's arguments are unpacked, in the words of its docstrings (day93 takes one image, days 94-95 a batch)
SHAPE_UNPACKING = {"day93": "`H, W = image.shape[:2]`, `f = kernel.shape[0]`",
                   "day94": "`m, H, W, C = A_prev.shape`, `f, f, C, K = W.shape`",
                   "day95": "`m, H, W, C = A_prev.shape`"}

NUMPY_ERRORS = re.compile(r"could not broadcast|cannot reshape|values to unpack|operands could not|zero-size array|"
                          r"could not convert|invalid literal|truth value|axis|index can't|shapes \(|shape.mismatch|"
                          r"sequence|input array dimensions|non-broadcastable|must have the same", re.IGNORECASE)


def _in_call(entry: dict, error: LearnerRaised, function: str) -> LearnerRaised:
    """``error`` (what the learner's function raised) saying which call raised it, as the other sentences name
    their call: "`feature_maps(array (5, 5) float64, array (3, 3, 2) float64)` raised TypeError: ..."; the failed
    cell behind a ``RaisedAfterFailedCell`` stays the news."""
    if type(error) is not LearnerRaised or not error.ename:
        return error
    said = LearnerRaised(messages.text("learner_raised_in_call", what=describe(function, entry), ename=error.ename,
                                       evalue=error.evalue), traceback=error.traceback)
    said.ename, said.evalue = error.ename, error.evalue
    return said


def _refused_word(entry: dict, answered: list[dict]) -> tuple[str, str, str] | None:
    """(parameter, refused, accepted): a word the call passed for a parameter (``mode="mean"``) where calls passing
    another word for it (``mode="average"``) were answered; None when there is no such parameter."""
    for param, refused in entry["kwargs"].items():
        accepted = sorted({e["kwargs"][param] for e in answered if isinstance(e["kwargs"].get(param), str)}
                          - {refused})
        if isinstance(refused, str) and accepted:
            return param, refused, accepted[0]
    return None


def _raised_rule(function: str, raised: list[tuple[dict, LearnerRaised]], answered: list[dict]) -> None:
    """Name a crash the rules recognise: a default argument not handled; a window and kernel of different shapes;
    the learner's own argument check refusing a valid input (a word for a parameter, where other words worked).
    Otherwise the learner's exception stands. ``answered``: the entries of the calls that gave a value."""
    entry, error = raised[0]
    found = re.match(r"Your `\w+` raised (\w+): (.*)", error.text.en, re.DOTALL)
    ename, evalue = (found.group(1), found.group(2)[:200]) if found else ("-", "-")
    what = describe(function, entry)
    if answered and all(e.get("defaults") for e, _ in raised):
        fail("default_argument_broken", what=what, params=", ".join(f"`{p}`" for p in entry["defaults"]),
             ename=ename, evalue=evalue)
    if entry.get("kind") == "array" and entry.get("windows") and WINDOW_CRASHES.search(error.text.en):
        fail("window_past_edge", what=what, error=error.text.en[:300])
    if entry.get("windows") and "zero-size array" in evalue:
        fail("window_empty", what=what, index="-", want_value="-", got_value=evalue)
    if ename == "TypeError" and re.search(r"float' object cannot be interpreted|slice indices must be", evalue):
        fail("float_index", what=what, ename=ename, evalue=evalue)
    if ename == "ValueError" and "values to unpack" in evalue:
        example = SHAPE_UNPACKING.get(exercises.for_function(function).id, SHAPE_UNPACKING["day94"])
        fail("shape_unpacked_wrong", what=what, ename=ename, evalue=evalue, example=example)
    if ename == "ValueError" and not NUMPY_ERRORS.search(evalue):
        word = _refused_word(entry, answered)
        if word is not None:
            fail("word_argument_refused", what=what, ename=ename, evalue=evalue, param=word[0], refused=word[1],
                 accepted=word[2])
        fail("valid_input_refused", what=what, ename=ename, evalue=evalue)


def _shape_text(value: Any) -> str:
    try:
        return str(np.shape(value)) if isinstance(value, (np.ndarray, list)) else repr(value)[:80]
    except ValueError:
        return "?"


def raised_name(error: LearnerRaised) -> str | None:
    """The exception class a learner's function raised, read from the grader's own sentence."""
    found = re.match(r"Your `\w+` raised (\w+):", error.text.en)
    return found.group(1) if found else None


def _expect_raises(learner, function: str, entry: dict) -> None:
    what = describe(function, entry)
    padding = entry["kwargs"].get("padding", entry["kwargs"].get("mode", "-"))
    fields = {"what": what, "padding": f'"{padding}"', "expected": entry["raises"]}
    expecting = getattr(learner, "expecting_errors", contextlib.nullcontext)
    try:
        with expecting():  # only the error's name is read here: the kernel skips formatting its traceback
            got = learner.call(function, *entry["args"], **entry["kwargs"])
    except LearnerRaised as error:
        name = raised_name(error)
        if name is None or isinstance(error, RaisedAfterFailedCell):   # the failed cell is the learner's news
            raise
        if name != entry["raises"]:
            fail(entry["wrong_error"], **fields, got=name, ename=name)
        return
    fail(entry["not_raised"], **fields, got=_shape_text(got), ename="-")


def _expect_kept(function: str, entry: dict, args_after: tuple, names: tuple[str, ...]) -> None:
    """Every array argument as it was: one whose state after the call was not reported counts as changed
    (the grader cannot tell, so it cannot award "keeps its input")."""
    args_after = tuple(args_after) if isinstance(args_after, (tuple, list)) else ()
    for position, before in enumerate(entry["args"]):
        if not isinstance(before, np.ndarray):
            continue
        after = args_after[position] if position < len(args_after) else None
        arg = names[position] if position < len(names) else f"#{position + 1}"
        if not isinstance(after, np.ndarray):
            fail("input_not_reported", function=function, arg=arg)
        if after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
            fail("input_mutated", function=function, arg=arg)


def _expect_twins(learner, function: str, twins: list[dict], arg_names: tuple[str, ...]) -> None:
    """The public examples were right: each twin must be too, else a mistake the twin shows is named, or the
    function answers only the examples (a crash, a wrong type or a wrong value on a fresh input of the same kind)."""
    for entry in twins:
        what = describe(function, entry)
        try:
            call = learner.run(function, *entry["args"], **entry["kwargs"])
        except LearnerRaised:
            fail("answers_only_the_examples", function=function, what=what)
        _expect_kept(function, entry, call.args_after, arg_names)
        try:
            got = _as_kind(call.value, entry, what)
        except CheckFailed:
            fail("answers_only_the_examples", function=function, what=what)
        if not _matches(got, entry["want"], entry):
            key = first_key(entry, got)
            if key is None:
                fail("answers_only_the_examples", function=function, what=what)
            fail(key, **_fields(entry, got, what))


def _is_int_output(got: Any) -> bool:
    return (isinstance(got, np.ndarray) and got.dtype.kind in "iub") or _int_scalar(got)


def expect_entries(learner, function: str, entries: list[dict], *, arg_names: tuple[str, ...] = (),
                   day: str | None = None, rng: np.random.Generator | None = None) -> None:
    """Call ``function`` once per entry and fail, naming the mistake, unless every answer is right.

    Order: a promised error not raised; an input changed in place; a wrong type; wrong values (named by the rule
    above); then the promise of float output. An exception on some entries is reported only when no other entry
    gave a wrong value to name. Every check needs at least one entry with a value (an error, a type or an
    unchanged input alone earns nothing). With ``day`` and ``rng`` (the public checks) and the hidden diagnosis
    loadable (grading), each entry's twin (:meth:`Diagnosis.twin`) must be right too: a function that knows only
    the public examples is named ``answers_only_the_examples``.
    """
    if not any("raises" not in entry for entry in entries):
        raise ValueError(f"a check of {function} without a single value to compare (grader bug)")
    learner = remembered(learner)  # a case several checks ask is asked of the kernel once per grading
    twins = twins_of(day, function, entries, rng)
    answers, raised = [], []
    for entry in entries:
        if "raises" in entry:
            _expect_raises(learner, function, entry)
            continue
        what = describe(function, entry)
        try:
            call = learner.run(function, *entry["args"], **entry["kwargs"])
        except LearnerRaised as error:
            raised.append((entry, error))
            continue
        _expect_kept(function, entry, call.args_after, arg_names)
        answers.append((entry, _as_kind(call.value, entry, what)))
    wrong = [(entry, got) for entry, got in answers if not _matches(got, entry["want"], entry)]
    if not wrong:
        if raised:
            _raised_rule(function, raised, [entry for entry, _ in answers])
            raise _in_call(*raised[0], function)
        for entry, got in answers:
            if "dtype" in entry and str(got.dtype) != entry["dtype"]:
                fail("pad_dtype_changed", what=describe(function, entry), expected=entry["dtype"], got=str(got.dtype))
            if entry.get("floats") and _is_int_output(got):   # the same mistake as values cut to integers
                fields = _fields(entry, got, describe(function, entry))
                if entry["kind"] == "array" and got.size:
                    index = (0,) * got.ndim
                    fields.update(index=index, want_value=repr(float(np.asarray(entry["want"])[index])),
                                  got_value=f"{got[index].item()!r} ({got.dtype})")
                elif entry["kind"] != "array":
                    fields.update(want_value=repr(float(entry["want"])), got_value=f"{got!r} ({type(got).__name__})")
                fail("result_cast_to_int", **fields)
        _expect_twins(learner, function, twins, arg_names)
        return
    entry, got = wrong[0]
    fields = _fields(entry, got, describe(function, entry))
    key = explaining_key(answers) or first_key(entry, got)
    if key is None:
        key = _generic(entry, got, fields)
        fields = _generic_fields(key, fields)
    fail(key, **fields)


# ---------------------------------------------------------------- literal tables for the public checks

BEGIN_TABLES = "# ---- BEGIN TABLES: generated by `grader stubs` from the diagnoses; do not edit by hand"
END_TABLES = "# ---- END TABLES"


def literal(value: Any) -> str:
    """Python source for ``value`` (arrays as ``np.array(..., dtype=...)``), read back by the public checks."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r}, dtype={str(value.dtype)!r})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def tables_source(exercise_id: str) -> str:
    """The generated block: ``TABLES = {function: [entry, ...]}`` for every diagnosis of the day."""
    module = load(exercise_id)
    tables = {function: d.table() for function, d in module.DIAGNOSES.items()}
    tables.update(getattr(module, "EXTRA_TABLES", {}))   # specs judged by another rule (day96: grader.architecture)
    lines = [BEGIN_TABLES, "TABLES = {"]
    for function, entries in tables.items():
        lines.append(f"    {function!r}: [")
        lines += [f"        {literal(entry)}," for entry in entries]
        lines.append("    ],")
    return "\n".join(lines + ["}", END_TABLES])


def _with_tables(text: str, block: str) -> str:
    start, end = text.index(BEGIN_TABLES), text.index(END_TABLES) + len(END_TABLES)
    return text[:start] + block + text[end:]


def write_tables(*, check: bool) -> list[Path]:
    """Write (or with ``check``, only compare) the tables of every public check file that has a table block."""
    stale = []
    for exercise_id in exercises.EXERCISES:
        path = exercises.get(exercise_id).public_checks
        if not (exercises.hidden_dir() / f"diagnosis_{exercise_id}.py").exists() or not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        if BEGIN_TABLES not in text:
            continue
        new = _with_tables(text, tables_source(exercise_id))
        if new != text:
            stale.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    return stale
