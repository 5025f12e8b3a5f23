"""Grading: find a submission's notebooks, run each in its own session, run the checks, build the result.

``grade(path)`` is what ``grader grade`` calls; it never raises for anything inside a submission. It raises
:class:`GradingError` only when it cannot grade at all (the path does not exist, holds no exercise).
"""
from __future__ import annotations

import ast
import contextlib
import io
import math
import numbers
import os
import secrets
import threading
import time
import traceback as tb
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pytest

from grader import diagnosis, discovery, environment
from grader import exercise as exercises
from grader import messages, plugin, pool
from grader.environment import describe
from grader.results import CheckResult, Execution, ExerciseResult, GradeResult, Status, Text, curve_points
from grader.session import Session, kernel_seed


class GradingError(Exception):
    """The grader could not grade: a one-line reason for the user, ``text`` in both languages (``str``: English)."""

    def __init__(self, key: str, **fields):
        self.text = messages.text(key, **fields)
        super().__init__(self.text.en)


def discover(path: Path) -> list[tuple[exercises.Exercise, Path]]:
    """(exercise, notebook) pairs in ``path``: a notebook, a ``dayNN`` folder, or any folder holding notebooks
    (one learner's submission); found by :mod:`grader.discovery`'s one rule, as every entry point finds them."""
    return [(exercises.get(c.exercise), Path(c.chosen.location)) for c in discover_choices(path)]


def discover_choices(path: Path, only: tuple[str, ...] = ()) -> list[discovery.Choice]:
    """:func:`discover` with the notebooks passed over for each exercise; with ``only`` (exercise ids), those
    exercises alone, each graded as missing where ``path`` holds no notebook of it. Raises :class:`GradingError`
    (an unknown id in ``only`` too)."""
    path = Path(path)
    unknown = [e for e in only if e not in exercises.EXERCISES]
    if unknown:
        raise GradingError("grade_unknown_exercise", unknown=", ".join(unknown), known=", ".join(exercises.EXERCISES))
    if not path.exists():
        raise GradingError("grade_no_path", path=path)
    if path.is_file():
        return [_file_choice(path)]
    own = discovery.own_exercise(path)
    found = {c.exercise: c for c in discovery.find(path, exercise_id=own)}
    days = [own] if own else [d.name.lower() for d in sorted(path.iterdir()) if discovery.own_exercise(d) and d.is_dir()]
    for exercise_id in days:  # a dayNN folder without a notebook: graded as missing, so the report says so
        found.setdefault(exercise_id, _missing(path if own else path / exercise_id, exercises.get(exercise_id)))
    if only:
        home = path / "exercises" if (path / "exercises").is_dir() else path   # where a missing one would be
        found = {e: found.get(e) or _missing(home / e, exercises.get(e)) for e in only}
    if not found:
        raise GradingError("grade_no_notebook", path=path, known=_known())
    return [found[e] for e in exercises.EXERCISES if e in found]


def _file_choice(path: Path) -> discovery.Choice:
    name = PurePosixPath(path.name)
    exercise_id = (discovery.exercise_named(name) or discovery.own_exercise(path.parent)
                   or discovery.exercise_by_functions(discovery.read_file(discovery.Candidate(name, "", path))))
    if not exercise_id:
        raise GradingError("grade_not_an_exercise", name=path.name, known=_known())
    return discovery.Choice(exercise_id, discovery.Candidate(name, exercise_id, path))


def _missing(folder: Path, exercise: exercises.Exercise) -> discovery.Choice:
    name = PurePosixPath(exercise.notebook_name)
    return discovery.Choice(exercise.id, discovery.Candidate(name, exercise.id, folder / exercise.notebook_name))


def _known() -> str:
    return "|".join(exercises.EXERCISES)


def _notebook_in(folder: Path, exercise: exercises.Exercise) -> Path:
    """The exercise's notebook in ``folder`` by :mod:`grader.discovery`'s rule (``folder/dayNN.ipynb`` if none)."""
    return discovery.notebook_for(folder, exercise)


def grade(path: Path, *, lang: str | None = None, seed: int | None = None, hidden: bool = True,
          cell_timeout_s: float | None = None, total_timeout_s: float | None = None,
          progress=None, only: tuple[str, ...] = ()) -> GradeResult:
    """Grade every exercise found under ``path`` (with ``only``, those exercises: see :func:`discover_choices`).
    ``progress``, if given, is called as
    ``progress(exercise_id, done, total)`` before each exercise (done = how many are finished) and once more
    after the last one (done == total), e.g. to show "Grading day94 (1 of 4)" on a terminal."""
    began = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    lang = messages.resolve_lang(lang)
    seed = secrets.randbits(64) if seed is None else seed  # 64 bits: never guessed from the kernel's seed
    environment.quiet_env()  # settled before the first kernel, so every kernel of the process gets the same
    choices = discover_choices(path, only)
    results, ids = [], [c.exercise for c in choices]
    for done, c in enumerate(choices):
        if progress is not None:
            progress(c.exercise, done, len(choices))
        results.append(discovery.annotate(grade_exercise(
            exercises.get(c.exercise), Path(c.chosen.location), seed=seed, hidden=hidden, lang=lang,
            cell_timeout_s=cell_timeout_s, total_timeout_s=total_timeout_s,
            prepare_next=pool.next_after(ids, done)), c))
    if progress is not None and choices:
        progress(choices[-1].exercise, len(choices), len(choices))
    results = tuple(results)
    # a learner release has no hidden checks: its results say so, and every report says how many were left out
    included = hidden and all(exercises.get(c.exercise).hidden_checks is not None for c in choices)
    return GradeResult(exercises=results, seed=seed, environment=describe(), submission=str(path), lang=lang,
                       hidden_included=included, started_at=started_at, duration_s=time.perf_counter() - began)


def grade_exercise(exercise: exercises.Exercise, notebook: Path, *, seed: int, hidden: bool = True,
                   lang: str = "en", cell_timeout_s: float | None = None,
                   total_timeout_s: float | None = None, prepare_next: str | None = None) -> ExerciseResult:
    """One exercise's result. Never raises for the grader's own failures either: an exception while running the
    notebook or its checks becomes every check of the exercise at 0 of its points, status ``error``, saying it is
    not the learner's fault, with the traceback for the instructor; the other exercises are graded as usual.
    ``prepare_next``: an exercise whose kernel :mod:`grader.pool` launches while this one's notebook runs."""
    try:
        return _grade_exercise(exercise, notebook, seed=seed, hidden=hidden, lang=lang,
                               cell_timeout_s=cell_timeout_s, total_timeout_s=total_timeout_s,
                               prepare_next=prepare_next)
    except Exception as error:  # noqa: BLE001 - one exercise's grader failure must not lose the submission
        detail = "".join(tb.format_exception(error))
        checks = tuple(_grader_fault(p, type(error).__name__, detail, 0.0)
                       for f in check_files(exercise, hidden=hidden) for p in planned_from_source(f))
        problem = messages.text("platform_crash", exercise=exercise.id, reason=type(error).__name__)
        return ExerciseResult(id=exercise.id, checks=checks, execution=Execution(notebook=str(notebook),
                                                                                 problem=problem))


def _grade_exercise(exercise: exercises.Exercise, notebook: Path, *, seed: int, hidden: bool, lang: str,
                    cell_timeout_s: float | None, total_timeout_s: float | None,
                    prepare_next: str | None) -> ExerciseResult:
    if hidden:
        diagnosis.preload(exercise.id)  # the checks' reference libraries, imported while the notebook runs
    ahead = None if prepare_next is None else lambda: pool.prepare(prepare_next, seed, kernel_seed(seed))
    with Session(exercise, notebook, seed=seed, cell_timeout_s=cell_timeout_s, total_timeout_s=total_timeout_s,
                 on_kernel_ready=ahead) as session:  # the next kernel boots while this notebook runs
        learner = session.learner or plugin._BrokenNotebook(session.execution.problem, missing=session.missing)
        began = time.perf_counter()
        collector = collect_checks(exercise, learner, seed=seed, hidden=hidden, lang=lang)
        return ExerciseResult(id=exercise.id, checks=tuple(collector.results), execution=session.execution,
                              checks_s=time.perf_counter() - began, metrics=collector.metrics,
                              curves=collector.curves)


class _Collector:
    """A pytest plugin object: hands the checks their learner, and collects each check's outcome.

    A check that breaks for the grader's own reasons (anything but a learner problem or a failed comparison), or a
    check file that cannot even be collected, becomes that check's ``error`` result with a sentence saying it is
    not the learner's fault and the grader's traceback for the instructor; the other checks are graded as usual.
    """

    def __init__(self, exercise_id: str, learner, seed: int, lang: str):
        self.learners = {exercise_id: learner}
        self.seed, self.lang = seed, lang
        self.results: list[CheckResult] = []
        self.planned: dict[str, _Planned] = {}   # nodeid -> what the check is worth, from collection
        self.recorded: set[str] = set()          # nodeids that already have a result
        self.collect_failures: list[tuple[str, str]] = []  # (exception name, pytest's text) per failed collection
        self.metrics: dict[str, float] = {}
        self.curves: dict[str, tuple[float | None, ...]] = {}

    @pytest.hookimpl(trylast=True)  # after the plugin's own configure, which would draw a fresh seed
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[plugin.INJECTED] = self.learners
        config.stash[plugin.SETTINGS] = plugin.Settings(lang=self.lang, seed=self.seed, notebook=None)

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            self.planned[item.nodeid] = _Planned(item.name.removeprefix("test_"), plugin._points(item),
                                                 plugin.is_hidden(item), plugin._target(item), Path(item.path).resolve())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, (name, value) in (p for p in report.user_properties if p[0] == plugin.MEASURE):
            try:  # a curve comes from the learner's history: bounded and made finite (results.curve_points)
                if isinstance(value, (list, tuple)):
                    self.curves[name] = curve_points(value)
                elif isinstance(value, numbers.Real) and math.isfinite(number := float(value)):
                    self.metrics[name] = number   # a number: not a string that looks like one
            except (TypeError, ValueError, OverflowError):
                continue  # a figure that is not a number is left out; the check's own result still counts
        if report.nodeid in self.recorded:
            return
        for key, record in report.user_properties:
            if key == plugin.RECORD:
                self.add(report.nodeid, _check_result(record, report.duration))
                return
        if report.failed:  # a check raised something that is not the learner's fault: a grader bug
            planned = self.planned.get(report.nodeid) or _Planned(report.nodeid.rsplit("::", 1)[-1], 0.0, False, "",
                                                                  Path())
            self.add(report.nodeid, _grader_fault(planned, _ename(report), report.longreprtext, report.duration))

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.collect_failures.append((_ename(report), report.longreprtext))

    def add(self, nodeid: str, result: CheckResult) -> None:
        self.recorded.add(nodeid)
        self.results.append(result)

    def unfinished(self, files: list[Path], error: BaseException | None = None) -> None:
        """After pytest: the checks of a file it could not collect, and every collected check that got no result
        (pytest itself stopped), become grader errors."""
        ename = type(error).__name__ if error is not None else "pytest stopped"
        detail = "".join(tb.format_exception(error)) if error is not None else ename
        for nodeid, planned in self.planned.items():
            if nodeid not in self.recorded:
                self.add(nodeid, _grader_fault(planned, ename, detail, 0.0))
        collected = {p.file for p in self.planned.values()}
        for path in (f for f in files if f.resolve() not in collected):
            if error is None and not self.collect_failures:
                continue  # nothing went wrong: the file simply holds no checks
            name, text = next(((n, t) for n, t in self.collect_failures if str(path) in t or path.name in t),
                              self.collect_failures[0] if self.collect_failures else (ename, detail))
            for planned in planned_from_source(path):
                self.add(f"{path}::{planned.id}", _grader_fault(
                    planned, name, text, 0.0, message=messages.text("grader_fault_file", file=path.name, ename=name)))


@dataclass(frozen=True)
class _Planned:
    id: str
    points: float
    hidden: bool
    function: str
    file: Path = Path()


GRADER_TRACEBACK_CHARS = 20_000  # the instructor's copy of a broken check's traceback, at most


def _ename(report) -> str:
    """The exception's class name from a failed report's long representation, else a generic word."""
    crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
    lines = [getattr(crash, "message", "") or ""]
    lines += [line[1:].strip() for line in report.longreprtext.splitlines() if line.startswith("E ")]
    names = (line.split(":", 1)[0].strip().rsplit(".", 1)[-1] for line in lines)
    return next((n for n in names if n.isidentifier() and n[0].isupper()), "internal error")


def _grader_fault(planned: _Planned, ename: str, detail: str, duration: float, *,
                  message: Text | None = None) -> CheckResult:
    detail = detail[-GRADER_TRACEBACK_CHARS:]
    return CheckResult(id=planned.id, status=Status.ERROR, score=0.0, max_score=planned.points, hidden=planned.hidden,
                       function=planned.function, duration_s=duration,
                       message=message or messages.text("grader_fault", ename=ename),
                       grader_traceback=tuple(detail.splitlines()) or (ename,))


def planned_from_source(path: Path) -> list[_Planned]:
    """The checks a file that pytest could not collect declares (``def test_*`` and their points/target markers),
    read with :mod:`ast` without running it; one entry for the whole file when even that fails."""
    hidden = path.parent.resolve() == exercises.hidden_dir().resolve()
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return [_Planned(path.stem, 0.0, hidden, "")]
    found = [_Planned(node.name.removeprefix("test_"), _marker(node, "points", 1.0), hidden,
                      _marker(node, "target", ""))
             for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
    return found or [_Planned(path.stem, 0.0, hidden, "")]


def _marker(node: ast.FunctionDef, name: str, default):
    """The literal first argument of ``@pytest.mark.<name>(...)`` on ``node``, else ``default``."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
                and decorator.func.attr == name and decorator.args:
            try:
                value = ast.literal_eval(decorator.args[0])
            except ValueError:
                return default
            return float(value) if isinstance(default, float) and isinstance(value, (int, float)) else value
    return default


def _check_result(record: dict, duration: float) -> CheckResult:
    status = Status(record["status"])
    message = record["message"]
    return CheckResult(id=record["id"], status=status, max_score=record["points"],
                       score=record["points"] if status == Status.PASSED else 0.0, hidden=record["hidden"],
                       function=record["function"], duration_s=duration, traceback=tuple(record["traceback"]),
                       message=None if message is None else Text(en=message["en"], zh_tw=message["zh-TW"]))


def check_files(exercise: exercises.Exercise, *, hidden: bool) -> list[Path]:
    files = [exercise.public_checks]
    if hidden and exercise.hidden_checks is not None:
        files.append(exercise.hidden_checks)
    return files


def run_checks(exercise: exercises.Exercise, learner, *, seed: int, hidden: bool, lang: str) -> tuple[CheckResult, ...]:
    return tuple(collect_checks(exercise, learner, seed=seed, hidden=hidden, lang=lang).results)


# What the environment may tell any pytest run: options (``PYTEST_ADDOPTS``: with ``-x`` a day93 notebook with one
# wrong function scored 4 of 14 rather than 12, the checks after its first failure never run), plugins named
# (``PYTEST_PLUGINS``) and plugins installed (their entry points: pytest-xdist's ``-n``, pytest-rerunfailures, ...).
# The grader's own run of the checks takes none of it, so a score does not depend on the machine's pytest setup;
# only the plugins it names itself are loaded (``plugin`` and pytest's own).
_PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")
_pytest_lock = threading.RLock()


@contextlib.contextmanager
def hermetic_pytest():
    """Around an in-process ``pytest.main`` of the grader's checks: the environment's pytest options and plugins
    set aside (``_PYTEST_ENV``), plugin autoloading off, everything put back after. One such run at a time in a
    process (a lock; the same thread may nest them): the environment is the process's."""
    with _pytest_lock:
        saved = {name: os.environ.pop(name) for name in _PYTEST_ENV if name in os.environ}
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        try:
            yield
        finally:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
            os.environ.update(saved)


def run_pytest_on_checks(files: list[Path], options: list[str], reporter) -> None:
    """``pytest.main`` over the check ``files`` in this process, as the grader runs checks and as Classroom's
    planner collects them: with ``options`` added, ``plugin`` and ``reporter`` as its only plugins besides pytest's,
    inside :func:`hermetic_pytest`, its output discarded. ``--noconftest``: a conftest.py beside the check files or
    in a folder above them (a hidden-checks folder kept inside another project) would run in the grader and could
    drop checks; ``--continue-on-collection-errors``: one check file that cannot load must not stop the others."""
    args = [*(str(p) for p in files), *options, "-p", "no:grader", "-p", "no:cacheprovider", "-qq",
            "--import-mode=importlib", "--noconftest", "--continue-on-collection-errors",
            "--rootdir", str(exercises.ROOT), "-c", str(exercises.PACKAGE_DIR / "checks.ini")]
    with hermetic_pytest(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main(args, plugins=[plugin, reporter])


def collect_checks(exercise: exercises.Exercise, learner, *, seed: int, hidden: bool, lang: str) -> _Collector:
    """Run the exercise's checks in-process against ``learner``; the collector holds results and measures."""
    collector = _Collector(exercise.id, learner, seed, lang)
    files = check_files(exercise, hidden=hidden)
    # no:unraisableexception: its gc.collect() after every check cost day93 3 s of 5 (benchmarks/grading_overhead.py)
    # --tb=native: pytest's default long traceback parses the source of every frame of every failed check, 0.1 s a
    # failure (a notebook that is not JSON, 11 checks not attempted: 1.09 s of checks, 0.08 s with Python's own)
    try:
        run_pytest_on_checks(files, ["-p", "no:randomly", "-p", "no:unraisableexception", "--tb=native"], collector)
    except Exception as error:  # noqa: BLE001 - pytest itself broke: the checks it did not finish are errors
        collector.unfinished(files, error)
    else:
        collector.unfinished(files)
    return collector
