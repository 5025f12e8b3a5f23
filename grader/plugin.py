"""The pytest plugin (entry point ``pytest11: grader``): fixtures, markers and learner-readable reports.

Two ways in, one set of checks and messages:

* a learner runs ``pytest exercises/day93``: the ``learner`` fixture runs ``day93.ipynb`` beside the checks
  (or ``--grader-notebook PATH``) in a fresh kernel once per session, and failures are shown as the
  bilingual feedback sentence, never as check source;
* ``grader grade`` runs pytest in-process and hands the fixture its already-running sessions through
  ``config.stash[INJECTED]``; each report carries the check's outcome in ``user_properties``.
"""
from __future__ import annotations

import logging
import os
import secrets
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from grader import discovery
from grader import environment
from grader import exercise as exercises
from grader import messages
from grader.checks import CheckFailed
from grader.learner import LearnerProblem, NotAttempted
from grader.results import Status, Text

RECORD = "grader"
MEASURE = "grader-measure"


@dataclass(frozen=True)
class Settings:
    lang: str
    seed: int
    notebook: Path | None


SETTINGS = pytest.StashKey[Settings]()
INJECTED = pytest.StashKey[dict]()   # exercise id -> learner, set by grader.grading
SESSIONS = pytest.StashKey[dict]()   # exercise id -> Session, the learner path's own kernels


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grader", "CNN exercise grader")
    group.addoption("--grader-notebook", default=None,
                    help="notebook to check (default: dayNN.ipynb beside the checks; env GRADER_NOTEBOOK)")
    group.addoption("--grader-lang", default=None, help="feedback language: zh-TW or en (env GRADER_LANG)")
    group.addoption("--grader-seed", default=None, help="seed for random check inputs (env GRADER_SEED)")


def _option(config: pytest.Config, name: str, env: str) -> tuple[str | None, str]:
    value = config.getoption(name)
    if value is not None:
        return value, f"the {name} option"
    return os.environ.get(env), f"the {env} environment variable"


def _settings(config: pytest.Config) -> Settings:
    lang, source = _option(config, "--grader-lang", "GRADER_LANG")
    try:
        lang = messages.resolve_lang(lang, source=source) if lang else messages.resolve_lang(None)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    seed, source = _option(config, "--grader-seed", "GRADER_SEED")
    if seed is not None and not str(seed).isdigit():
        raise pytest.UsageError(f"Invalid seed {seed!r} from {source}; use a non-negative integer")
    notebook, _ = _option(config, "--grader-notebook", "GRADER_NOTEBOOK")
    return Settings(lang=lang, seed=int(seed) if seed is not None else secrets.randbits(64),
                    notebook=Path(notebook) if notebook else None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points this check is worth")
    config.addinivalue_line("markers", "target(name): the learner function this check exercises")
    config.stash[SETTINGS] = _settings(config)
    config.stash[SESSIONS] = {}
    logging.getLogger("traitlets").setLevel(logging.ERROR)   # jupyter_client's warnings are not the learner's


def pytest_collect_file(file_path: Path, parent) -> None:
    """Before a day's checks that use Keras are imported: TensorFlow imported once, without its log lines
    (``cuInit UNKNOWN ERROR (303)`` and the like are noise in a learner's pytest output)."""
    day = file_path.parent.name if file_path.parent.name in exercises.EXERCISES else file_path.stem
    # pytest offers every file of an asked-for file's folder (grader/hidden/day94.py when grading day93): only what
    # was asked for counts, or day93 would import TensorFlow (3 s) for day94's checks
    if file_path.suffix == ".py" and day in exercises.EXERCISES and _asked_for(parent.session, file_path):
        _launch_kernel_early(parent.config, day)
        if "keras" in file_path.read_text(encoding="utf-8", errors="replace"):
            environment.quiet_tensorflow()


def _asked_for(session: pytest.Session, path: Path) -> bool:
    """True when ``path`` is one of the paths pytest was given, or inside one of them."""
    return any(session.isinitpath(p) for p in (path, *path.parents))


def _launch_kernel_early(config: pytest.Config, day: str) -> None:
    """A learner's ``pytest exercises/dayNN``: the day's kernel is launched now, so it boots while pytest imports
    the checks (and TensorFlow); the ``learner`` fixture's session then takes it (see :mod:`grader.pool`)."""
    if config.stash.get(INJECTED, None) is not None or day in config.stash.get(SESSIONS, {}):
        return  # grading in-process: the grader runs the sessions itself
    from grader import diagnosis, pool
    from grader.session import kernel_seed

    if not pool.waiting():
        seed = config.stash[SETTINGS].seed
        environment.quiet_env()  # before the kernel's environment is drawn (no cuInit lines from it either)
        pool.prepare(day, seed, kernel_seed(seed))
        diagnosis.preload(day)  # the checks' reference libraries, imported while the kernel boots


def pytest_unconfigure(config: pytest.Config) -> None:
    for session in config.stash.get(SESSIONS, {}).values():
        session.__exit__(None, None, None)
    pool = sys.modules.get("grader.pool")
    if pool is not None and config.stash.get(INJECTED, None) is None:
        pool.discard()  # a kernel launched early for a day whose checks did not run (grading keeps its own)


# ---------------------------------------------------------------- fixtures

def exercise_of(item: pytest.Item) -> exercises.Exercise:
    path = Path(item.fspath)
    for candidate in (path.parent.name, path.stem, path.stem.removeprefix("test_")):
        if candidate in exercises.EXERCISES:
            return exercises.EXERCISES[candidate]
    raise pytest.UsageError(f"{path} is not the checks of a known exercise")


def is_hidden(item: pytest.Item) -> bool:
    return Path(item.fspath).resolve().parent == exercises.hidden_dir().resolve()


class _BrokenNotebook:
    """Stands in for a learner whose notebook could not be run: every call reports why, as not attempted where
    there was no notebook (``missing``), else as the learner's error."""

    def __init__(self, problem: Text, *, missing: bool = False):
        self.problem = problem
        self.missing = missing

    def call(self, name, *args, **kwargs):
        raise (NotAttempted if self.missing else LearnerProblem)(self.problem)

    run = call


def _own_session(config: pytest.Config, exercise: exercises.Exercise, folder: Path):
    from grader.session import Session  # imported here: plain `pytest --help` needs no kernel machinery

    sessions = config.stash[SESSIONS]
    if exercise.id not in sessions:
        settings = config.stash[SETTINGS]
        notebook = settings.notebook or discovery.notebook_for(folder, exercise)
        sessions[exercise.id] = Session(exercise, notebook, seed=settings.seed).__enter__()
    return sessions[exercise.id]


@pytest.fixture
def learner(request: pytest.FixtureRequest):
    """The learner's work: ``learner.call("feature_map", image, kernel)`` runs their function in their kernel."""
    exercise = exercise_of(request.node)
    injected = request.config.stash.get(INJECTED, None)
    if injected is not None:
        return injected[exercise.id]
    session = _own_session(request.config, exercise, Path(request.node.fspath).parent)
    if session.execution.problem is not None:
        return _BrokenNotebook(session.execution.problem, missing=session.missing)
    return session.learner


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """Fresh random inputs for a check, reproducible from the run's recorded seed and the check's name."""
    seed = request.config.stash[SETTINGS].seed
    return np.random.default_rng([seed, zlib.crc32(request.node.name.encode())])


@pytest.fixture
def measure(request: pytest.FixtureRequest):
    """Record a figure for the report: ``measure("test_accuracy", 0.991)``, or a curve with a list per epoch."""
    def record(name: str, value) -> None:
        request.node.user_properties.append((MEASURE, (name, value)))
    return record


# ---------------------------------------------------------------- outcomes and feedback

def classify(excinfo: pytest.ExceptionInfo | None) -> tuple[Status, Text | None, tuple[str, ...]] | None:
    """The check's outcome; None when a check itself is broken (a grader bug, left for pytest to show in full)."""
    if excinfo is None:
        return Status.PASSED, None, ()
    error = excinfo.value
    if isinstance(error, LearnerProblem):
        return error.status, error.text, error.traceback
    if isinstance(error, CheckFailed):
        return Status.FAILED, error.text, ()
    if excinfo.errisinstance(pytest.skip.Exception):  # the reason is kept: a `text` attribute, else the message
        reason = getattr(error, "text", None) or (Text(en=error.msg, zh_tw=error.msg) if error.msg else None)
        return Status.SKIPPED, reason, ()
    if isinstance(error, AssertionError):
        return Status.FAILED, Text(en=str(error).split("\n")[0], zh_tw=str(error).split("\n")[0]), ()
    return None


def _points(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    return float(marker.args[0]) if marker else 1.0


def _target(item: pytest.Item) -> str:
    marker = item.get_closest_marker("target")
    return marker.args[0] if marker else ""


def feedback(text: Text, traceback: tuple[str, ...], lang: str) -> str:
    lines = [text.in_lang(lang)]
    if traceback:
        lines += ["", *traceback]
    return "\n".join(lines)


def _outcome(item: pytest.Item, call: pytest.CallInfo) -> tuple[Status, Text | None, tuple[str, ...]] | None:
    """A check's classified outcome for this phase; None for other tests, a quiet phase or a broken check."""
    if "learner" not in item.fixturenames:  # not a check: leave other tests' reports alone
        return None
    if call.when == "setup" and call.excinfo is None or call.when == "teardown":
        return None
    return classify(call.excinfo)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = _outcome(item, call)
    shown = None  # the learner's feedback, for a report pytest would show (it shows a skip's own reason)
    if outcome is not None and outcome[1] is not None and outcome[0] not in (Status.PASSED, Status.SKIPPED):
        shown = feedback(outcome[1], outcome[2], item.config.stash[SETTINGS].lang)
    if shown is not None and call.when == "call":
        # The feedback replaces pytest's traceback below; spare pytest building it (its long style parses the
        # source of every frame: 0.1 s a failed check). Only this item, only for this report.
        item.repr_failure = lambda excinfo: shown
    try:
        report = (yield).get_result()
    finally:
        item.__dict__.pop("repr_failure", None)
    if outcome is None:
        return
    status, text, traceback = outcome
    report.user_properties.append((RECORD, {
        "id": item.name.removeprefix("test_"), "function": _target(item), "status": status.value,
        "points": _points(item), "hidden": is_hidden(item),
        "message": None if text is None else {"en": text.en, "zh-TW": text.zh_tw}, "traceback": list(traceback),
    }))
    if shown is not None:
        report.longrepr = shown


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if config.stash.get(INJECTED, None) is not None or not config.stash[SESSIONS]:
        return
    lang = config.stash[SETTINGS].lang
    records = [dict(r[1]) for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []) + terminalreporter.stats.get("error", []) for r in report.user_properties if r[0] == RECORD]
    public = [r for r in records if not r["hidden"]]
    passed = sum(r["status"] == Status.PASSED.value for r in public)
    hidden = sum(exercises.hidden_check_count(e) for e in config.stash[SESSIONS])
    from grader.report import cell_failure_lines

    for session in config.stash[SESSIONS].values():
        for line in cell_failure_lines(session.execution, lang):
            terminalreporter.write_line(line)
    terminalreporter.write_sep("-", messages.public_summary(passed=passed, total=len(public),
                                                            hidden=hidden).in_lang(lang))
