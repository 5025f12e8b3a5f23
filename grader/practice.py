"""``check("feature_map")``, ``check()`` and ``hint("feature_map")`` inside a learner's notebook: the public checks
of one function (or of the whole day), the same messages as the grader, and successive hints.

This is practice feedback in the learner's own kernel, so it calls their functions directly
(:class:`LocalLearner`). It never grades: when the notebook runs under ``grader grade`` it does nothing,
and the real checks run in the grader's own process.
"""
from __future__ import annotations

import difflib
import importlib.util
import inspect
import os
import sys
import zlib
from dataclasses import dataclass
from types import ModuleType

import numpy as np

from grader import environment
from grader import exercise as exercises
from grader import messages
from grader.checks import CheckFailed
from grader.learner import LearnerProblem, LocalLearner
from grader.results import Status, Text

SYMBOLS = {Status.PASSED: "✔", Status.FAILED: "✘", Status.NOT_ATTEMPTED: "…", Status.ERROR: "!",
           Status.TIMEOUT: "⏱", Status.SKIPPED: "-"}


def _namespace() -> dict:
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


def _load(path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"grader_public_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _target(fn) -> str:
    return next((m.args[0] for m in getattr(fn, "pytestmark", []) if m.name == "target"), "")


def checks_for(name: str) -> list:
    """The public check functions of one learner function (TensorFlow imported quietly first where they use it)."""
    path = exercises.for_function(name).public_checks
    if "keras" in path.read_text(encoding="utf-8"):
        environment.quiet_tensorflow()
    module = _load(path)
    return [fn for key, fn in vars(module).items() if key.startswith("test_") and _target(fn) == name]


def _run_one(fn, learner: LocalLearner) -> tuple[Status, str]:
    kwargs = {"learner": learner}
    if "rng" in inspect.signature(fn).parameters:
        kwargs["rng"] = np.random.default_rng(zlib.crc32(fn.__name__.encode()))
    if "measure" in inspect.signature(fn).parameters:
        kwargs["measure"] = lambda name, value: None  # figures are for graded reports only
    try:
        fn(**kwargs)
    except LearnerProblem as problem:
        return problem.status, problem.text
    except CheckFailed as failure:
        return Status.FAILED, failure.text
    return Status.PASSED, None


def _print(key: str, lang: str, **fields) -> None:
    print(messages.text(key, **fields).in_lang(lang))


def _known_function(name: str, lang: str) -> bool:
    """True for a learner function of some exercise; otherwise prints the closest names ("did you mean")."""
    known = [f for e in exercises.EXERCISES.values() for f in e.functions]
    if name in known:
        return True
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.6)
    sep = "、" if lang == "zh-TW" else ", "
    if close:
        _print("practice_did_you_mean", lang, name=name, suggestions=sep.join(f"`{c}`" for c in close))
    else:
        _print("practice_unknown_function", lang, name=name, known=sep.join(known))
    return False


def _day_of(namespace: dict) -> exercises.Exercise | None:
    """The exercise whose learner functions this notebook defines (the most of them; ties: the earliest day)."""
    defined = {e.id: sum(callable(namespace.get(f)) for f in e.functions) for e in exercises.EXERCISES.values()}
    best = max(defined, key=lambda e: defined[e])
    return exercises.EXERCISES[best] if defined[best] else None


def _check_function(name: str, learner: LocalLearner, lang: str) -> list[Status]:
    statuses = []
    for fn in checks_for(name):
        status, text = _run_one(fn, learner)
        statuses.append(status)
        label = messages.label(messages.STATUS_LABELS, status.value, lang)
        line = f"{SYMBOLS[status]} {fn.__name__.removeprefix('test_')}: {label}"
        print(line if text is None else f"{line}\n    {text.in_lang(lang)}")
    return statuses


class Statuses(list):
    """What :func:`check` returns: a list of :class:`Status`, which a notebook shows as nothing (the feedback is
    already printed above it; the list's own repr read ``[<Status.PASSED: 'passed'>]`` under it)."""

    def _ipython_display_(self) -> None:
        return None


def check(name: str | None = None, *, lang: str | None = None, namespace: dict | None = None) -> list[Status]:
    """Run the public checks of your function ``name`` (``check("feature_map")``), or of the whole day with no
    argument, and print the feedback (zh-TW unless ``lang="en"`` or ``GRADER_LANG`` says otherwise).

    Returns one :class:`Status` per public check run (:class:`Statuses`, shown as nothing in a notebook); an empty
    list when nothing ran (a misspelt name, which gets a "did you mean" answer, or a notebook being graded, where
    the grader runs the checks itself)."""
    return Statuses(_check(name, lang=lang, namespace=namespace))


def _check(name: str | None, *, lang: str | None, namespace: dict | None) -> list[Status]:
    lang = messages.resolve_lang(lang)
    if os.environ.get("GRADER_GRADING") == "1":
        _print("practice_grading", lang, name="" if name is None else repr(name))
        return []
    namespace = namespace if namespace is not None else _namespace()
    learner = LocalLearner(namespace)
    if name is None:
        return _check_day(learner, namespace, lang)
    if not _known_function(name, lang):
        return []
    statuses = _check_function(name, learner, lang)
    hidden = exercises.hidden_check_count(exercises.for_function(name).id, name)
    print(messages.public_summary(passed=statuses.count(Status.PASSED), total=len(statuses),
                                  hidden=hidden).in_lang(lang))
    return statuses


def _check_day(learner: LocalLearner, namespace: dict, lang: str) -> list[Status]:
    exercise = _day_of(namespace)
    if exercise is None:
        _print("practice_no_day", lang)
        return []
    statuses = []
    for name in exercise.functions:
        print(f"\n`{name}`")
        statuses += _check_function(name, learner, lang)
    print()
    print(messages.public_summary(passed=statuses.count(Status.PASSED), total=len(statuses),
                                  hidden=exercises.hidden_check_count(exercise.id)).in_lang(lang))
    return statuses


# ---------------------------------------------------------------- hints

HINTS_GIVEN: dict[str, int] = {}   # function -> hints shown so far in this kernel


def hints_for(name: str) -> list[Text]:
    """The hints for one learner function, from a nudge to the formula with shapes (catalog keys
    ``hint.<day>.<function>.<n>``, n = 1, 2, ...); empty for an unknown name."""
    exercise = exercises.for_function(name)
    found, n = [], 1
    while f"hint.{exercise.id}.{name}.{n}" in messages.CATALOG:
        found.append(messages.text(f"hint.{exercise.id}.{name}.{n}"))
        n += 1
    return found


@dataclass(frozen=True, eq=False)
class Hint(Text):
    """What :func:`hint` returns: the hint's :class:`Text` (equal to it), shown as nothing in a notebook (it is
    already printed above; the dataclass's repr showed both languages under it)."""

    def __eq__(self, other) -> bool:
        return isinstance(other, Text) and (self.en, self.zh_tw) == (other.en, other.zh_tw)

    __hash__ = Text.__hash__

    def _ipython_display_(self) -> None:
        return None


def hint(name: str, *, lang: str | None = None) -> Text | None:
    """Print the next hint for your function ``name`` (each call one more, never the code); returns it (a
    :class:`Hint`). A misspelt name gets a "did you mean" answer instead (and None)."""
    lang = messages.resolve_lang(lang)
    if not _known_function(name, lang):
        return None
    hints = hints_for(name)
    shown = min(HINTS_GIVEN.get(name, 0) + 1, len(hints))
    HINTS_GIVEN[name] = shown
    _print("practice_hint", lang, n=shown, total=len(hints), function=name, hint=hints[shown - 1].in_lang(lang))
    if shown == len(hints):
        _print("practice_last_hint", lang, function=name)
    return Hint(en=hints[shown - 1].en, zh_tw=hints[shown - 1].zh_tw)
