"""``check("feature_map")`` inside a learner's notebook: the public checks of one function, the same messages.

This is practice feedback in the learner's own kernel, so it calls their functions directly
(:class:`LocalLearner`). It never grades: when the notebook runs under ``grader grade`` it does nothing,
and the real checks run in the grader's own process.
"""
from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import zlib
from types import ModuleType

import numpy as np

from grader import exercise as exercises
from grader import messages
from grader.checks import CheckFailed
from grader.learner import LearnerProblem, LocalLearner
from grader.results import Status

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
    module = _load(exercises.for_function(name).public_checks)
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


def check(name: str, *, lang: str | None = None, namespace: dict | None = None) -> list[Status]:
    lang = messages.resolve_lang(lang)
    if os.environ.get("GRADER_GRADING") == "1":
        print(f"check({name!r}): the grader runs the checks itself / 由批改程式執行檢查")
        return []
    learner = LocalLearner(namespace if namespace is not None else _namespace())
    statuses = []
    for fn in checks_for(name):
        status, text = _run_one(fn, learner)
        statuses.append(status)
        label = messages.label(messages.STATUS_LABELS, status.value, lang)
        line = f"{SYMBOLS[status]} {fn.__name__.removeprefix('test_')}: {label}"
        print(line if text is None else f"{line}\n    {text.in_lang(lang)}")
    passed = statuses.count(Status.PASSED)
    hidden = exercises.hidden_check_count(exercises.for_function(name).id)
    print(messages.text("public_summary", passed=passed, total=len(statuses), hidden=hidden).in_lang(lang))
    return statuses
