"""Batch grading: a whole class in parallel on Dask, each submission in its own child process.

``run_batch(folder, out=...)`` finds the submissions (:mod:`grader.submissions`), skips learners already graded
whose content and settings did not change, grades the rest on Dask (:mod:`grader.engine`: an embedded
``LocalCluster``, one single-threaded worker per GPU, or any scheduler by address), each in a child process of
its own (:mod:`grader.job`), writes each learner's files atomically as they finish, and then the class's
gradebook and summaries (:mod:`grader.gradebook`, :mod:`grader.html`). A submission can fail; the batch goes
on, records which and why, and a rerun grades only what is not up to date.
"""
from __future__ import annotations

import contextlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from grader import engine as engines
from grader import gradebook, html, messages
from grader.environment import version
from grader.job import Job, Outcome, Settings, default_memory_mb, grade_job
from grader.results import from_json, to_json, write_atomic
from grader.submissions import Submission, discover


class BatchError(Exception):
    """The batch cannot run at all: a one-line reason for the user."""


@dataclass(frozen=True)
class BatchReport:
    out: Path
    graded: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    wall_s: float

    def line(self) -> str:
        why = "; ".join(f"{learner}: {reason}" for learner, reason in self.failed)
        return (f"graded {len(self.graded)}, skipped {len(self.skipped)} (already graded), failed {len(self.failed)}"
                f"{f' ({why})' if why else ''} in {self.wall_s:.0f} s -> {self.out / 'gradebook.csv'}")


# ---------------------------------------------------------------- the class, on this machine

STATE = "batch.json"
MIN_MEMORY_MB = 2048
CLASS_FILES = ("gradebook.csv", "summary.md", "summary.html", "score_histogram.svg", "run.json")


def learner_dir(out: Path, learner: str) -> Path:
    return Path(out) / "learners" / learner


def read_state(out: Path, learner: str) -> dict | None:
    try:
        return json.loads((learner_dir(out, learner) / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _up_to_date(out: Path, submission: Submission, digest: str, settings: Settings) -> bool:
    state = read_state(out, submission.learner)
    return bool(state and state.get("ok") and state.get("digest") == digest and state.get("settings") == settings.key()
                and (learner_dir(out, submission.learner) / "result.json").is_file())


def _record(out: Path, submission: Submission, digest: str, settings: Settings, outcome: Outcome, run: str) -> None:
    """Write one learner's files, each atomically; the state last, so a learner without it is graded again."""
    folder = learner_dir(out, submission.learner)
    if outcome.ok:
        result = replace(from_json(outcome.result), submission=submission.source)
        write_atomic(folder / "result.json", to_json(result))
        write_atomic(folder / "feedback.html", html.render_feedback(result, lang=settings.lang,
                                                                    learner=submission.learner))
    else:
        for name in ("result.json", "feedback.html"):
            (folder / name).unlink(missing_ok=True)
    state = {"learner": submission.learner, "source": submission.source, "digest": digest, "run": run,
             "settings": settings.key(), "lang": settings.lang, "ok": outcome.ok, "reason": outcome.reason,
             "duration_s": round(outcome.duration_s, 3), "worker": outcome.worker,
             "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    write_atomic(folder / STATE, json.dumps(state, ensure_ascii=False, indent=2))


def _load_record(out: Path, submission: Submission, lang: str) -> gradebook.Record:
    state = read_state(out, submission.learner) or {}
    base = dict(learner=submission.learner, source=submission.source, duration_s=state.get("duration_s", 0.0),
                worker=state.get("worker", ""))
    if not state.get("ok"):
        return gradebook.Record(**base, reason=state.get("reason") or submission.problem or "not graded")
    folder = learner_dir(out, submission.learner)
    result = from_json((folder / "result.json").read_text(encoding="utf-8"))
    if state.get("lang") != lang or not (folder / "feedback.html").is_file():
        write_atomic(folder / "feedback.html", html.render_feedback(result, lang=lang, learner=submission.learner))
        write_atomic(folder / STATE, json.dumps({**state, "lang": lang}, ensure_ascii=False, indent=2))
    return gradebook.Record(**base, result=result)


def resolve_seed(out: Path, seed: int | None) -> int:
    """The batch's one seed: the one given, else the one the last run in ``out`` used (so a rerun resumes it)."""
    if seed is not None:
        return seed
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return int(json.loads((Path(out) / "run.json").read_text(encoding="utf-8"))["seed"])
    for state in sorted((Path(out) / "learners").glob(f"*/{STATE}")):  # a first run that was interrupted
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return int(json.loads(json.loads(state.read_text(encoding="utf-8"))["settings"])["seed"])
    return secrets.randbelow(2**31)


@contextlib.contextmanager
def _locked(out: Path):
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.rglob(".*.tmp"):  # left by a batch killed in the middle of writing: never complete files
        stale.unlink(missing_ok=True)
    with open(out / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise BatchError(f"Another grader batch is writing to {out}; wait for it or choose another --out") from None
        yield


@contextlib.contextmanager
def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        yield lambda ok: None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[red]failed {task.fields[failed]}"), TimeElapsedColumn(), TextColumn("ETA"),
               TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task, failed = bar.add_task("grading", total=total, failed=0), [0]

        def advance(ok: bool) -> None:
            failed[0] += not ok
            bar.update(task, advance=1, failed=failed[0])

        yield advance


def _lost(job: Job, reason: str) -> Outcome:
    return Outcome(job.learner, False, reason=reason)


def run_batch(submissions: Path, *, out: Path, workers: int | None = None, scheduler: str | None = None,
              device: str = "auto", force: bool = False, lang: str | None = None, seed: int | None = None,
              timeout_s: float | None = None, cell_timeout_s: float | None = None, memory_mb: int | None = None,
              hidden: bool = True, progress: bool = True) -> BatchReport:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring."""
    began, out = time.perf_counter(), Path(out)
    if device not in ("auto", "cpu", "gpu"):
        raise BatchError(f"Invalid device {device!r}; choose auto, cpu or gpu")
    if memory_mb is not None and 0 < memory_mb < MIN_MEMORY_MB:
        raise BatchError(f"Memory limit {memory_mb} MB is too low for the grader itself (TensorFlow alone reserves "
                         f"about 4 GB of address space); give at least {MIN_MEMORY_MB}, or 0 for no limit")
    try:
        found = discover(Path(submissions), skip=out)
    except FileNotFoundError as error:
        raise BatchError(str(error)) from None
    if not found:
        raise BatchError(f"{submissions} holds no submission (learner folders, zips or notebooks)")
    settings = Settings(seed=resolve_seed(out, seed), lang=messages.resolve_lang(lang), hidden=hidden,
                        cell_timeout_s=cell_timeout_s, timeout_s=timeout_s, memory_mb=memory_mb, device=device)
    with _locked(out):
        run = uuid.uuid4().hex[:12]
        digests = {s.learner: s.digest() for s in found}
        skipped = [s for s in found if not force and _up_to_date(out, s, digests[s.learner], settings)]
        todo = [s for s in found if s not in skipped]
        meta = {"workers": [], "scheduler": "none needed (every learner up to date)"}
        with _progress(len(todo), progress) as advance:
            for submission in (s for s in todo if s.problem):
                _record(out, submission, digests[submission.learner], settings,
                        Outcome(submission.learner, False, reason=submission.problem), run)
                advance(False)
            gradable = [s for s in todo if not s.problem]
            if gradable:
                meta = _grade_on_dask(gradable, out=out, settings=settings, digests=digests, run=run,
                                      advance=advance, workers=workers, scheduler=scheduler)
        records = [_load_record(out, s, settings.lang) for s in found]
        report = BatchReport(out=out, graded=tuple(s.learner for s in todo if read_state(out, s.learner)["ok"]),
                             skipped=tuple(s.learner for s in skipped),
                             failed=tuple((r.learner, r.reason) for r in records if r.result is None),
                             wall_s=time.perf_counter() - began)
        _write_class(out, records, settings, {**meta, **_run_metadata(settings, report, records)})
    return report


def _grade_on_dask(gradable: list[Submission], *, out, settings, digests, run, advance, workers, scheduler) -> dict:
    by_learner = {s.learner: s for s in gradable}
    jobs = (Job(s.learner, tuple(s.files()), settings) for s in gradable)
    used: set[str] = set()
    try:
        with engines.connect(workers=workers, scheduler=scheduler, device=settings.device) as engine:
            for job, outcome in engines.run_all(engine, jobs, grade_job, _lost):
                _record(out, by_learner[job.learner], digests[job.learner], settings, outcome, run)
                advance(outcome.ok)
                used.add(outcome.worker)
            return {"workers": sorted(used.union(engine.workers) - {""}), "scheduler": engine.scheduler}
    except engines.EngineError as error:
        raise BatchError(str(error)) from None


def _run_metadata(settings: Settings, report: BatchReport, records: list[gradebook.Record]) -> dict:
    durations = sorted(r.duration_s for r in records if r.duration_s)
    return {"grader": version("cnn-grader"), "seed": settings.seed, "lang": settings.lang, "hidden": settings.hidden,
            "device": settings.device, "cell_timeout_s": settings.cell_timeout_s, "timeout_s": settings.timeout_s,
            "memory_mb": settings.memory_mb if settings.memory_mb is not None else default_memory_mb(),
            "devices": sorted({r.result.environment.device for r in records if r.result}),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "wall_s": round(report.wall_s, 1), "submissions": len(records), "graded_now": len(report.graded),
            "skipped": len(report.skipped), "failed": len(report.failed),
            "grading_s": {"median": durations[len(durations) // 2] if durations else 0.0,
                          "max": durations[-1] if durations else 0.0, "total": round(sum(durations), 1)}}


def _write_class(out: Path, records: list[gradebook.Record], settings: Settings, run: dict) -> None:
    summary = gradebook.analyse(records, run=run)
    write_atomic(out / "gradebook.csv", gradebook.to_csv(summary))
    write_atomic(out / "score_histogram.svg", html.histogram_svg(summary))
    write_atomic(out / "summary.md", gradebook.to_markdown(summary, lang=settings.lang))
    write_atomic(out / "summary.html", html.render_summary(summary, lang=settings.lang))
    write_atomic(out / "run.json", json.dumps(run, ensure_ascii=False, indent=2))
