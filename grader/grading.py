"""Grading: find a submission's notebooks, run each in its own session, run the checks, build the result.

``grade(path)`` is what ``grader grade`` calls; it never raises for anything inside a submission. It raises
:class:`GradingError` only when it cannot grade at all (the path does not exist, holds no exercise).
"""
from __future__ import annotations

import contextlib
import io
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from grader import exercise as exercises
from grader import messages, plugin
from grader.environment import describe
from grader.results import CheckResult, ExerciseResult, GradeResult, Status, Text
from grader.session import Session


class GradingError(Exception):
    """The grader could not grade: a one-line reason for the user."""


def discover(path: Path) -> list[tuple[exercises.Exercise, Path]]:
    """(exercise, notebook) pairs in ``path``: a notebook, a ``dayNN`` folder, or a folder of ``dayNN`` folders."""
    path = Path(path)
    if not path.exists():
        raise GradingError(f"No such file or folder: {path}")
    if path.is_file():
        exercise = _exercise_named(path.stem) or _exercise_named(path.parent.name)
        if exercise is None:
            raise GradingError(f"{path.name} is not named after an exercise (expected one of {_known()}.ipynb)")
        return [(exercise, path)]
    own = _exercise_named(path.name)
    if own is not None:
        return [(own, _notebook_in(path, own))]
    found = [(e, _notebook_in(path / e.id, e)) for e in exercises.EXERCISES.values() if (path / e.id).is_dir()]
    if not found:
        raise GradingError(f"{path} holds no exercise folder (expected folders named {_known()})")
    return found


def _known() -> str:
    return "|".join(exercises.EXERCISES)


def _exercise_named(name: str) -> exercises.Exercise | None:
    return exercises.EXERCISES.get(name)


def _notebook_in(folder: Path, exercise: exercises.Exercise) -> Path:
    """The exercise's notebook in ``folder``: ``dayNN.ipynb``, else the only notebook there."""
    named = folder / exercise.notebook_name
    others = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    return named if named.exists() or len(others) != 1 else others[0]


def grade(path: Path, *, lang: str | None = None, seed: int | None = None, hidden: bool = True,
          cell_timeout_s: float | None = None, total_timeout_s: float | None = None) -> GradeResult:
    began = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    lang = messages.resolve_lang(lang)
    seed = secrets.randbelow(2**31) if seed is None else seed
    results = tuple(
        grade_exercise(exercise, notebook, seed=seed, hidden=hidden, lang=lang,
                       cell_timeout_s=cell_timeout_s, total_timeout_s=total_timeout_s)
        for exercise, notebook in discover(path))
    return GradeResult(exercises=results, seed=seed, environment=describe(), submission=str(path), lang=lang,
                       hidden_included=hidden, started_at=started_at, duration_s=time.perf_counter() - began)


def grade_exercise(exercise: exercises.Exercise, notebook: Path, *, seed: int, hidden: bool = True,
                   lang: str = "en", cell_timeout_s: float | None = None,
                   total_timeout_s: float | None = None) -> ExerciseResult:
    with Session(exercise, notebook, seed=seed, cell_timeout_s=cell_timeout_s,
                 total_timeout_s=total_timeout_s) as session:
        learner = session.learner or plugin._BrokenNotebook(session.execution.problem)
        began = time.perf_counter()
        collector = collect_checks(exercise, learner, seed=seed, hidden=hidden, lang=lang)
        return ExerciseResult(id=exercise.id, checks=tuple(collector.results), execution=session.execution,
                              checks_s=time.perf_counter() - began, metrics=collector.metrics,
                              curves=collector.curves)


class _Collector:
    """A pytest plugin object: hands the checks their learner, and collects each check's outcome."""

    def __init__(self, exercise_id: str, learner, seed: int, lang: str):
        self.learners = {exercise_id: learner}
        self.seed, self.lang = seed, lang
        self.results: list[CheckResult] = []
        self.crashed: list[str] = []
        self.metrics: dict[str, float] = {}
        self.curves: dict[str, tuple[float, ...]] = {}

    @pytest.hookimpl(trylast=True)  # after the plugin's own configure, which would draw a fresh seed
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[plugin.INJECTED] = self.learners
        config.stash[plugin.SETTINGS] = plugin.Settings(lang=self.lang, seed=self.seed, notebook=None)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, (name, value) in (p for p in report.user_properties if p[0] == plugin.MEASURE):
            if isinstance(value, (list, tuple)):
                self.curves[name] = tuple(float(v) for v in value)
            else:
                self.metrics[name] = float(value)
        for key, record in report.user_properties:
            if key == plugin.RECORD:
                self.results.append(_check_result(record, report.duration))
                return
        if report.failed:  # a check raised something that is not the learner's fault: a grader bug
            self.crashed.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collectreport(self, report) -> None:
        if report.failed:
            self.crashed.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")


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


def collect_checks(exercise: exercises.Exercise, learner, *, seed: int, hidden: bool, lang: str) -> _Collector:
    """Run the exercise's checks in-process against ``learner``; the collector holds results and measures."""
    collector = _Collector(exercise.id, learner, seed, lang)
    args = [str(p) for p in check_files(exercise, hidden=hidden)]
    args += ["-p", "no:grader", "-p", "no:cacheprovider", "-p", "no:randomly", "-qq", "--import-mode=importlib",
             "--rootdir", str(exercises.ROOT), "-c", str(exercises.PACKAGE_DIR / "checks.ini")]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main(args, plugins=[plugin, collector])
    if collector.crashed:
        raise RuntimeError("grader checks crashed:\n" + "\n".join(collector.crashed))
    return collector
