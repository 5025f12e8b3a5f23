"""A learner's answers, remembered for one grading: each function is called once per distinct input.

Several checks ask the same question (a day's table of discriminating cases is judged by the public check and again
beside every hidden one; five day96 checks each judge the same ``build_model()``). :func:`remembered` wraps the
learner a check is given; the wrapper asks the kernel only the first time a function meets arguments equal to ones
it met before in this grading (same type, dtype, shape and bytes; the same keyword arguments), and hands every later
check the value, or the problem, that call gave. Results are the same as calling again for any function whose answer
depends only on its arguments, as the exercises ask; answers are never shared between learners or gradings (the
memory hangs on the learner object and goes with it).

Fewer calls reach the kernel, so a seeded random generator there (``keras.utils.set_random_seed`` in the notebook;
every Keras model built or loaded draws from it) is at another state afterwards. Checks use it only where no later
call's answer depends on such draws: days 94 and 96 (NumPy formulas; day96's models are judged last), day97 (the
model comes trained). Not day98, whose checks train a head after asking for models (``train_head``). Nor code that
redefines a learner's functions in their kernel between checks (the day98 tests plant mistakes that way).

What is not remembered: timeouts (a later call runs again, within the calls' budget as before), and calls whose
arguments cannot be keyed (anything but numbers, strings, None, NumPy arrays and scalars, lists, tuples and dicts of
them). Array values are handed out as copies, so a check that changes what it got cannot change what the next one
gets; other values (a loaded Keras model) are shared and must only be looked at.
"""
from __future__ import annotations

import hashlib
import weakref
from typing import Any

import numpy as np

from grader.learner import Call, LearnerProblem, LearnerTimedOut

_MEMORY: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()


class Remembered:
    """``learner`` with its answers remembered (see module docstring); every other attribute is the learner's."""

    def __init__(self, learner, memory: dict):
        self.learner = learner
        self._memory = memory

    def __getattr__(self, name: str):
        return getattr(self.learner, name)

    def call(self, name: str, *args, timeout: float | None = None, **kwargs) -> Any:
        return self.run(name, *args, timeout=timeout, **kwargs).value

    def run(self, name: str, *args, timeout: float | None = None, **kwargs) -> Call:
        key = call_key(name, args, kwargs, timeout)
        if key is not None:  # an answer got without its traceback (expecting_errors) or weights is kept apart
            key += (getattr(self.learner, "brief", False), getattr(self.learner, "weights", True))
        if key is None:
            return self.learner.run(name, *args, timeout=timeout, **kwargs)
        if key not in self._memory:
            try:
                self._memory[key] = self.learner.run(name, *args, timeout=timeout, **kwargs)
            except LearnerTimedOut:
                raise
            except LearnerProblem as problem:
                self._memory[key] = problem
        answer = self._memory[key]
        if isinstance(answer, LearnerProblem):
            raise answer
        return Call(value=_fresh(answer.value), args_after=_fresh(answer.args_after))


def remembered(learner):
    """``learner`` wrapped so that its answers are remembered for as long as ``learner`` lives; the same memory
    for every wrapper of one learner (the public and the hidden checks of a grading share it)."""
    if isinstance(learner, Remembered):
        return learner
    try:
        memory = _MEMORY.setdefault(learner, {})
    except TypeError:  # a learner that cannot be weakly referenced: remembered by this wrapper alone
        memory = {}
    return Remembered(learner, memory)


def call_key(name: str, args: tuple, kwargs: dict, timeout: float | None) -> tuple | None:
    """A hashable key equal for equal calls, or None when an argument is of a kind not keyed."""
    try:
        return (name, _key(args), _key(sorted(kwargs.items())), timeout)
    except _Unkeyed:
        return None


class _Unkeyed(Exception):
    pass


def _key(value: Any) -> Any:
    if value is None or type(value) in (bool, int, float, str):
        return (type(value).__name__, repr(value))
    if isinstance(value, (np.ndarray, np.generic)) and not np.asarray(value).dtype.hasobject:
        array = np.ascontiguousarray(value)
        kind = "ndarray" if isinstance(value, np.ndarray) else "npscalar"
        return (kind, array.dtype.str, array.shape, hashlib.sha256(array.tobytes()).hexdigest())
    if type(value) in (list, tuple):
        return (type(value).__name__, tuple(_key(item) for item in value))
    if type(value) is dict:
        return ("dict", tuple((_key(k), _key(v)) for k, v in value.items()))
    raise _Unkeyed(type(value).__name__)


def _fresh(value: Any) -> Any:
    """A copy of the arrays in ``value`` (nested in lists, tuples and dicts); anything else as it is."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(_fresh(item) for item in value)
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    return value
