"""What check authors use: comparisons that fail with a learner-readable, bilingual message naming the mistake.

A check is a plain pytest function::

    @pytest.mark.points(2)
    @pytest.mark.target("feature_map")
    def test_feature_map_slides(learner):
        got = learner.call("feature_map", IMAGE, DIAGONAL)
        expect_array(got, EXPECTED, what="feature_map(image, diagonal)",
                     mistakes={"flipped_kernel": FLIPPED})

``mistakes`` maps a message key of :mod:`grader.messages` to what a known wrong variant would return;
when the learner's value matches one of them, the message names that mistake instead of a generic one.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from grader import messages
from grader.results import Text


class CheckFailed(AssertionError):
    """The learner's value is wrong; ``text`` says what was expected, what came, and the likely mistake."""

    def __init__(self, text: Text, key: str | None = None):
        super().__init__(text.en)
        self.text = text
        self.key = key   # the message key: the mistake's name, for tests and reports


def fail(key: str, **fields) -> None:
    raise CheckFailed(messages.text(key, **fields), key)


def _fmt(value: Any) -> str:
    try:
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.6g}"
        return repr(value) if not isinstance(value, np.ndarray) else np.array2string(value, precision=4, threshold=20)
    except (ValueError, OverflowError, RecursionError):  # e.g. an int with more digits than Python will print
        return f"<a {type(value).__name__} too large to show>"


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {type(value).__name__} ({_fmt(value)[:60]})"


def _close(got: np.ndarray, want: np.ndarray, atol: float, rtol: float) -> bool:
    return got.shape == want.shape and bool(np.allclose(got, want, atol=atol, rtol=rtol))


def _named_mistake(got: np.ndarray, mistakes: Mapping[str, Any], atol: float, rtol: float) -> str | None:
    for key, variant in mistakes.items():
        if variant is not None and _close(got, np.asarray(variant, dtype=float), atol, rtol):
            return key
    return None


def expect_keras_model(value: Any, *, what: str, expected: str = "a keras.Model") -> None:
    """``value`` is a Keras model, or a ``wrong_type`` failure naming ``what`` and ``expected``.

    A model has ``layers`` and ``count_params``: what a model crossing from the kernel (always a ``keras.Model``
    loaded by :func:`grader.learner.load_keras_model`; nothing else crosses as an object) and a live one in a
    learner's notebook (``check()``) both have. The one "is it a model" test of days 96-98."""
    if not hasattr(value, "layers") or not hasattr(value, "count_params"):
        fail("wrong_type", what=what, expected=expected, got=type(value).__name__)


def as_numeric_array(got: Any, *, what: str) -> np.ndarray:
    """``got`` as a float array, or a failure saying it is not an array of numbers."""
    if isinstance(got, (list, tuple)):
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError, OverflowError, RecursionError):
            pass
    if not isinstance(got, np.ndarray) or not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        fail("wrong_type", what=what, expected="a NumPy array of numbers", got=_describe(got))
    return got.astype(float)


def expect_array(got: Any, want: Any, *, what: str, mistakes: Mapping[str, Any] | None = None,
                 shape_mistakes: Mapping[str, tuple] | None = None, atol: float = 1e-6, rtol: float = 1e-6) -> None:
    """Compare a whole array; on a mismatch name a known mistake if ``got`` matches one."""
    want = np.asarray(want, dtype=float)
    got = as_numeric_array(got, what=what)
    mistakes = mistakes or {}
    if got.shape != want.shape:
        key = _named_mistake(got, mistakes, atol, rtol)
        key = key or next((k for k, s in (shape_mistakes or {}).items() if tuple(s) == got.shape), None)
        fail(key or "wrong_shape", what=what, expected=want.shape, got=got.shape)
    if not np.all(np.isfinite(got)):
        fail("not_finite", what=what)
    if _close(got, want, atol, rtol):
        return
    key = _named_mistake(got, mistakes, atol, rtol)
    if key:
        fail(key, what=what, expected=want.shape, got=got.shape)
    wrong = ~np.isclose(got, want, atol=atol, rtol=rtol)
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    fail("wrong_values", what=what, shape=want.shape, count=int(wrong.sum()), total=want.size,
         index=index, expected=_fmt(want[index]), got=_fmt(got[index]))


def expect_number(got: Any, want: float, *, what: str, kind: type = float,
                  mistakes: Mapping[str, float] | None = None, atol: float = 1e-6, rtol: float = 1e-6) -> None:
    """Compare one number, of Python type ``kind`` (an ``int`` must not come back as ``3.0``). A float within
    ``atol + rtol * |want|``, as :func:`expect_array` compares each value (``numpy.isclose``'s rule), so a learner
    who computes in float32 (about 1e-5 off on a result in the hundreds) is right here as in an array; an int
    within ``atol`` (a parameter count off by one is wrong however large)."""
    if isinstance(got, np.ndarray) and got.ndim == 0:
        got = got[()]
    numeric = isinstance(got, (int, float, np.integer, np.floating)) and not isinstance(got, (bool, np.bool_))
    if not numeric or (kind is int and not isinstance(got, (int, np.integer))):
        fail("wrong_type", what=what, expected=f"a Python {kind.__name__}", got=_describe(got))
    value = _as_float(got)
    if value is None:  # an int beyond the range of floats: certainly not the expected number
        fail("wrong_value", what=what, expected=_fmt(want), got=_fmt(got))
    if not math.isfinite(value):
        fail("not_finite", what=what)
    if abs(value - want) <= atol + (rtol * abs(want) if kind is float else 0.0):
        return
    for key, variant in (mistakes or {}).items():
        if abs(value - variant) <= atol:
            fail(key, what=what, expected=_fmt(want), got=_fmt(got))
    fail("wrong_value", what=what, expected=_fmt(want), got=_fmt(got))


def _as_float(number: Any) -> float | None:
    """A Python or NumPy number as a float (never an overflow warning or error); None past the float range."""
    try:
        return float(int(number)) if isinstance(number, (int, np.integer)) else float(number)
    except OverflowError:
        return None


def expect_unchanged(before: np.ndarray, after: Any, *, function: str, arg: str) -> None:
    """The learner's function must not have modified its argument in place."""
    if after is not None and (after.shape != before.shape or not np.array_equal(after, before, equal_nan=True)):
        fail("input_mutated", function=function, arg=arg)


def remember(cache: dict, key, value, *, limit: int) -> None:
    """``cache[key] = value`` for a reference value a check computed (a process-wide cache), the oldest entries
    dropped so that at most ``limit`` are kept (dicts keep insertion order)."""
    while len(cache) >= limit:
        cache.pop(next(iter(cache)))
    cache[key] = value
