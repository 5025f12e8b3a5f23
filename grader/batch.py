"""Batch grading: a whole class in parallel on Dask, each submission in its own child process.

``run_batch(folder, out=...)`` finds the submissions (:mod:`grader.submissions`), skips learners already graded
whose content and settings did not change, grades the rest on Dask (:mod:`grader.engine`: an embedded
``LocalCluster``, one single-threaded worker per GPU, or any scheduler by address), each in a child process of
its own (:mod:`grader.job`; by default a warm one that grades submission after submission, :mod:`grader.worker`),
writes each learner's files atomically as they finish, and then the class's
gradebook and summaries (:mod:`grader.gradebook`, :mod:`grader.html`). A submission can fail; the batch goes
on, records which and why, and a rerun grades only what is not up to date.

A term's choices (:class:`Term`): only some days, only some learners regraded, adjustments by hand
(:mod:`grader.adjustments`), git repositories as of a deadline with a late policy (:mod:`grader.deadline`), the
Classroom roster (:mod:`grader.roster`), Canvas and Moodle files (:mod:`grader.lms`) and the similarity report
(:mod:`grader.similarity`); adjustments are applied every run to the stored results, never written into them.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from grader import adjustments as adjusting
from grader import deadline, lms, messages, roster, similarity
from grader import engine as engines
from grader import exercise as exercises
from grader import gradebook, html
from grader.environment import version
from grader.job import Job, Outcome, Settings, default_memory_mb, grade_job
from grader.results import GradeResult, Text, from_dict, from_json, to_dict, to_json, write_atomic
from grader.worker import grade_job_warm, warm_pool
from grader.submissions import Submission, annotate, discover, safe_id


class BatchError(Exception):
    """The batch cannot run at all: a one-line reason for the user, in the batch's language."""


def _error(lang: str, key: str, **fields) -> BatchError:
    return BatchError(messages.text(key, **fields).in_lang(lang))


@dataclass(frozen=True)
class BatchReport:
    out: Path
    graded: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[tuple[str, Text], ...]    # (learner, why), in both languages
    wall_s: float
    roster: roster.Match | None = None
    pairs: tuple[similarity.Pair, ...] = ()

    def line(self, lang: str = "zh-TW") -> str:
        """The last line ``grader batch`` prints, in ``lang``: counts, failures, the roster and similar code."""
        say = lambda key, **fields: messages.text(key, **fields).in_lang(lang)  # noqa: E731
        colon, semicolon = gradebook.colon(lang), gradebook.semicolon(lang)
        why = semicolon.join(f"{learner}{colon}{gradebook.reason_text(reason).in_lang(lang)}"
                             for learner, reason in self.failed)
        parts = [say("batch_line_counts", graded=len(self.graded), skipped=len(self.skipped),
                     failed=len(self.failed)) + (gradebook.parenthesized(why, lang) if why else "")]
        if self.roster is not None:
            parts.append(say("batch_line_roster", missing=len(self.roster.missing),
                             missing_names=_listed(self.roster.missing, lang), unknown=len(self.roster.unknown),
                             unknown_names=_listed(self.roster.unknown, lang)))
        if self.pairs:
            parts.append(say("batch_line_similar", pairs=", ".join(f"{p.exercise} {p.first}+{p.second}"
                                                                   for p in self.pairs)))
        end = say("batch_line_end", seconds=round(self.wall_s), path=self.out / "gradebook.csv")
        return semicolon.join(parts) + end


def _listed(names, lang: str) -> str:
    return gradebook.parenthesized(", ".join(names), lang) if names else ""


@dataclass(frozen=True)
class Term:
    """The instructor's choices for a batch (every one optional); see README "Term work"."""

    exercises: tuple[str, ...] = ()        # grade and count only these days
    learners: tuple[str, ...] = ()         # regrade only these learners; the rest of the outputs stay as they are
    adjustments: Path | None = None        # CSV or YAML of adjustments by hand (grader.adjustments)
    due: str | None = None                 # ISO 8601 with an offset: grade git repositories as of it
    late_policy: str | None = None         # e.g. "10%/day,max=3d" (grader.deadline)
    due_file_times: bool = False           # zips and bare notebooks: late by their file times
    roster: Path | None = None             # GitHub Classroom's roster CSV
    similarity_threshold: float = similarity.THRESHOLD


@dataclass(frozen=True)
class _Plan:
    term: Term
    due: datetime | None = None
    policy: deadline.LatePolicy | None = None
    roster: roster.Roster | None = None
    adjustments: tuple[adjusting.Adjustment, ...] = ()
    lateness: dict = field(default_factory=dict)   # learner -> exercise id -> deadline.Lateness ("": the learner's)


def _plan(term: Term, lang: str) -> _Plan:
    unknown = [e for e in term.exercises if e not in exercises.EXERCISES]
    if unknown:
        raise _error(lang, "batch_error_exercises", unknown=", ".join(unknown), known=", ".join(exercises.EXERCISES))
    if term.late_policy and not term.due:
        raise _error(lang, "batch_error_policy_needs_due")
    try:
        return _Plan(term, due=deadline.parse_due(term.due) if term.due else None,
                     policy=deadline.parse_policy(term.late_policy) if term.late_policy else None,
                     roster=roster.read(term.roster) if term.roster else None,
                     adjustments=adjusting.load(term.adjustments) if term.adjustments else ())
    except (deadline.DeadlineError, roster.RosterError, adjusting.AdjustmentError) as error:
        raise BatchError(error.text.in_lang(lang)) from None


# ---------------------------------------------------------------- the class, on this machine

STATE = "batch.json"
MIN_MEMORY_MB = 2048
CLASS_FILES = ("gradebook.csv", "canvas.csv", "moodle.csv", "summary.md", "summary.html", "score_histogram.svg",
               "run.json")


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
        try:
            result = annotate(replace(from_json(outcome.result), submission=submission.source), submission)
            write_atomic(folder / "result.json", to_json(result))
        except Exception as error:  # noqa: BLE001 - a result that cannot be stored is this learner's failure only
            outcome = replace(outcome, ok=False, reason=messages.text("batch_reason_unstorable", why=_why(error)))
        else:
            with contextlib.suppress(Exception):  # drawn again with the class (_write_pages), which records a failure
                write_atomic(folder / "feedback.html", html.render_feedback(result, lang=settings.lang,
                                                                            learner=submission.learner))
    if not outcome.ok:
        for name in ("result.json", "feedback.html", "adjustments.json"):
            (folder / name).unlink(missing_ok=True)
    state = {"learner": submission.learner, "source": submission.source, "digest": digest, "run": run,
             "settings": settings.key(), "lang": settings.lang, "ok": outcome.ok,
             **_said("reason", None if outcome.ok else gradebook.reason_text(outcome.reason), settings.lang),
             "duration_s": round(outcome.duration_s, 3), "worker": outcome.worker,
             "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    write_atomic(folder / STATE, json.dumps(state, ensure_ascii=False, indent=2))


def _said(name: str, text: Text | None, lang: str) -> dict:
    """A sentence as batch.json keeps it: ``name`` in the batch's language, ``name + "s"`` in both (read back by
    :func:`grader.gradebook.reason_text`, as is a plain string from an earlier run)."""
    if text is None:
        return {name: ""}
    return {name: text.in_lang(lang), f"{name}s": {"en": text.en, "zh-TW": text.zh_tw}}


def _load_record(out: Path, submission: Submission, days: tuple[str, ...] = ()) -> gradebook.Record:
    """The learner's stored result (only ``days``, when given), or why there is none."""
    state = read_state(out, submission.learner) or {}
    base = dict(learner=submission.learner, source=submission.source, duration_s=state.get("duration_s", 0.0),
                worker=state.get("worker", ""))
    if not state.get("ok"):
        why = state.get("reasons") or state.get("reason") or submission.reason
        return gradebook.Record(**base, reason=gradebook.reason_text(why))
    result = from_json((learner_dir(out, submission.learner) / "result.json").read_text(encoding="utf-8"))
    if days:
        result = replace(result, exercises=tuple(e for e in result.exercises if e.id in days))
    return gradebook.Record(**base, result=result)


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it (so its bytes and time stay as they were)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if Path(path).read_text(encoding="utf-8") == text:
            return False
    write_atomic(path, text)
    return True


def _adjust(record: gradebook.Record, plan: _Plan) -> gradebook.Record:
    """The record with its adjustments and late penalty applied (never written into result.json)."""
    if record.result is None:
        return record
    records = plan.lateness.get(record.learner) or {}
    penalties, lateness = {}, {}
    for exercise in record.result.exercises if records else ():
        late = records.get(exercise.id, records[""])
        lateness[exercise.id] = {**late.as_dict(), "policy": plan.policy.text if plan.policy else ""}
        if plan.policy is not None and late.late_s > 0:
            penalties[exercise.id] = (plan.policy.fraction(late.late_s), messages.text(
                "batch_late_by", late=deadline.duration(late.late_s), policy=plan.policy.text).en)
    adjusted = adjusting.apply(record.result, adjusting.for_learner(plan.adjustments, record.learner),
                               learner=record.learner, late=penalties, lateness=lateness)
    return replace(record, adjusted=adjusted)


def _write_pages(out: Path, record: gradebook.Record, lang: str, missing: dict[str, float] | None = None) -> None:
    """The learner's feedback page (naming ``missing``, the class's exercises they did not submit, with their
    points) and adjustments record, rewritten only when they change. A page that cannot be drawn is drawn again
    from the result with its unwritable text replaced (:func:`mended`); failing that, no page, and the reason in
    the learner's batch.json (``page_error``). It never stops the class."""
    if record.result is None:
        return
    folder = learner_dir(out, record.learner)
    for attempt in (record, replace(record, result=mended(record.result))):
        try:
            write_if_changed(folder / "feedback.html", html.render_feedback(
                attempt.result, lang=lang, learner=record.learner, adjusted=record.adjusted, missing=missing))
            write_if_changed(folder / "adjustments.json", record.adjusted.to_json(record.learner))
            if attempt is not record:
                _note_state(out, record.learner, **_said("page_error", messages.text("batch_page_mended"), lang))
            return
        except Exception as error:  # noqa: BLE001 - one learner's page must not cost the class its gradebook
            why = _why(error)
    (folder / "feedback.html").unlink(missing_ok=True)
    _note_state(out, record.learner, **_said("page_error", messages.text("batch_page_failed", why=why), lang))


SURROGATES = re.compile("[\ud800-\udfff]")  # halves of a UTF-16 pair, alone: no UTF-8 file can hold them


def mended(result: GradeResult) -> GradeResult:
    """``result`` with every text made writable as UTF-8 (lone surrogates and the like replaced by U+FFFD)."""
    def mend(value):
        if isinstance(value, str):
            return SURROGATES.sub("\ufffd", value)
        if isinstance(value, dict):
            return {k: mend(v) for k, v in value.items()}
        return [mend(v) for v in value] if isinstance(value, list) else value
    return from_dict(mend(to_dict(result)))


def _why(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"


def _note_state(out: Path, learner: str, **fields) -> None:
    state = read_state(out, learner)
    if state is not None:
        write_atomic(learner_dir(out, learner) / STATE, json.dumps({**state, **fields}, ensure_ascii=False, indent=2))


def missing_days(records: list[gradebook.Record]) -> dict[str, dict[str, float]]:
    """learner -> {exercise: its points} for the class's exercises that learner did not submit (graded learners)."""
    maxima: dict[str, float] = {}
    for record in records:
        for exercise in record.result.exercises if record.result else ():
            maxima.setdefault(exercise.id, exercise.max_score)
    order = [e for e in exercises.EXERCISES if e in maxima] + sorted(set(maxima) - set(exercises.EXERCISES))
    return {r.learner: {e: maxima[e] for e in order if e not in {x.id for x in r.result.exercises}}
            for r in records if r.result is not None}


def _drawable(out: Path, record: gradebook.Record, lang: str, plan: "_Plan") -> gradebook.Record:
    """``record``; or, when its result alone cannot go through the class's renderers, the record with its text
    mended (:func:`mended`, said in its batch.json); or, failing that, a not-graded record saying why."""
    if record.result is None or _draw_error(record, lang, plan) is None:
        return record
    repaired = replace(record, result=mended(record.result))
    error = _draw_error(repaired, lang, plan)
    if error is None:
        _note_state(out, record.learner, **_said("page_error", messages.text("batch_summary_mended"), lang))
        return repaired
    reason = messages.text("batch_reason_undrawable", why=error, learner=record.learner)
    _note_state(out, record.learner, **_said("page_error", reason, lang))
    return replace(record, result=None, adjusted=None, reason=reason)


def _draw_error(record: gradebook.Record, lang: str, plan: "_Plan") -> str | None:
    """Why ``record`` alone cannot be drawn by the class's renderers, or None."""
    try:
        summary = gradebook.analyse([record])
        for text in (gradebook.to_csv(summary, lang), gradebook.to_markdown(summary, lang=lang),
                     html.render_summary(summary, lang=lang), lms.canvas_csv(summary, plan.roster),
                     lms.moodle_csv(summary, plan.roster)):
            text.encode("utf-8")
    except Exception as error:  # noqa: BLE001 - whatever it is, it is this learner's result that cannot be drawn
        return _why(error)
    return None


# ---------------------------------------------------------------- finding the submissions, as of a deadline

def _stage(folder: Path, out: Path, staging: Path, plan: _Plan) -> dict[str, deadline.Lateness]:
    """Git repositories' graded commits written into ``staging``; other entries linked there as they are."""
    found = {}
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(".") or entry.resolve() == Path(out).resolve():
            continue
        target = staging / entry.name
        if entry.is_dir() and not entry.is_symlink() and deadline.is_repository(entry):
            try:
                found[entry.name] = deadline.stage_repository(entry, target, plan.due, plan.policy)
            except (deadline.DeadlineError, OSError, ValueError) as error:
                why = error.text if isinstance(error, deadline.DeadlineError) else str(error)
                found[entry.name] = deadline.Lateness("git", plan.due.isoformat(timespec="minutes"),
                                                      problem=messages.text("batch_reason_repository", why=why))
        elif not entry.is_symlink():
            os.symlink(entry.resolve(), target, target_is_directory=entry.is_dir())
    return found


def _discover(folder: Path, out: Path, plan: _Plan, stack: contextlib.ExitStack) -> tuple[list[Submission], dict]:
    """The submissions, as of ``--due`` when given, and learner -> Lateness."""
    folder = Path(folder)
    if plan.due is None:
        return discover(folder, skip=out), {}
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder: {folder}")
    staging = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="grader-due-")))
    staged = _stage(folder, out, staging, plan)
    found, lateness = [], {}
    for submission in discover(staging):
        relative = Path(submission.source).relative_to(staging)
        original = str(folder / relative)
        late = staged.get(relative.parts[0])
        if late is None and plan.term.due_file_times:
            late = deadline.by_file_time(folder / relative, plan.due)
        if late is not None and late.problem and not submission.notebooks:
            submission = submission.refused(late.problem)
        found.append(replace(submission, source=original))
        if late is not None:
            lateness[submission.learner] = _by_exercise(late, submission, staging / relative.parts[0])
    return found, lateness


def _by_exercise(late: deadline.Lateness, submission: Submission, root: Path) -> dict[str, deadline.Lateness]:
    """Exercise id -> the deadline record of its graded notebook (:meth:`grader.deadline.Lateness.for_path`),
    under "" the repository's (or files') own record."""
    records = {"": replace(late, files=())}
    for notebook in submission.notebooks:
        with contextlib.suppress(ValueError):
            records[notebook.exercise] = late.for_path(Path(notebook.container).relative_to(root).as_posix())
    return records


def _choose_days(found: list[Submission], days: tuple[str, ...]) -> list[Submission]:
    """Only ``days``' notebooks; a learner with none of them is reported, not graded."""
    if not days:
        return found
    chosen = []
    for s in found:
        kept = tuple(n for n in s.notebooks if n.exercise in days)
        if s.problem or kept:
            chosen.append(replace(s, notebooks=kept) if not s.problem else s)
        else:
            problem = messages.text("batch_reason_no_day", days=", ".join(days), source=Path(s.source).name)
            chosen.append(s.refused(problem))
    return chosen


def _submissions(submissions: Path, out: Path, plan: _Plan, stack, lang: str) -> list[Submission]:
    if Path(submissions).is_file() and Path(submissions).suffix.lower() == ".zip":
        raise _error(lang, "batch_error_class_zip", path=submissions)
    if not Path(submissions).is_dir():
        raise _error(lang, "batch_error_no_folder", folder=submissions)
    try:
        found, lateness = _discover(Path(submissions), out, plan, stack)
    except FileNotFoundError as error:
        raise BatchError(str(error)) from None
    if not found:
        raise _error(lang, "batch_error_empty", folder=submissions)
    if plan.roster is not None:
        renamed = roster.assign(found, plan.roster)
        lateness = {new.learner: lateness[old.learner] for old, new in zip(found, renamed) if old.learner in lateness}
        found = sorted(renamed, key=lambda s: s.learner)
    plan.lateness.update(lateness)
    unknown = sorted(set(plan.term.learners) - {s.learner for s in found})
    if unknown:   # a name as written (李 美玲) is shown with the id it makes (李_美玲) where that id is there
        ids = {s.learner for s in found}
        named = [f"{u} (-> {safe_id(u)})" if safe_id(u) in ids and safe_id(u) != u else u for u in unknown]
        raise _error(lang, "batch_error_learners", unknown=", ".join(named), folder=submissions)
    return _choose_days(found, plan.term.exercises)


def resolve_seed(out: Path, seed: int | None) -> int:
    """The batch's one seed: the one given, else the one the last run in ``out`` used (so a rerun resumes it)."""
    if seed is not None:
        return seed
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return int(json.loads((Path(out) / "run.json").read_text(encoding="utf-8"))["seed"])
    for state in sorted((Path(out) / "learners").glob(f"*/{STATE}")):  # a first run that was interrupted
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return int(json.loads(json.loads(state.read_text(encoding="utf-8"))["settings"])["seed"])
    return secrets.randbits(64)  # 64 bits, as `grader grade`: never guessed from the kernel's derived seed


@contextlib.contextmanager
def _locked(out: Path, lang: str):
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.rglob(".*.tmp"):  # left by a batch killed in the middle of writing: never complete files
        stale.unlink(missing_ok=True)
    with open(out / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise _error(lang, "batch_error_locked", out=out) from None
        yield


@contextlib.contextmanager
def _progress(total: int, enabled: bool, lang: str):
    """A rich progress bar on stderr in ``lang``; yields ``advance(ok)``."""
    if not enabled or total == 0:
        yield lambda ok: None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    say = lambda key, **fields: messages.text(key, **fields).in_lang(lang)  # noqa: E731
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("[red]" + say("batch_progress_failed", failed="{task.fields[failed]}")),
               TimeElapsedColumn(), TextColumn(say("batch_progress_eta")), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task, failed = bar.add_task(say("batch_progress_task"), total=total, failed=0), [0]

        def advance(ok: bool) -> None:
            failed[0] += not ok
            bar.update(task, advance=1, failed=failed[0])

        yield advance


def _lost(job: Job, reason: Text) -> Outcome:
    """The outcome of a job Dask lost (``reason``: :mod:`grader.engine`'s, in both languages)."""
    return Outcome(job.learner, False, reason=reason)


def run_batch(submissions: Path, *, out: Path, workers: int | None = None, scheduler: str | None = None,
              device: str = "auto", force: bool = False, lang: str | None = None, seed: int | None = None,
              timeout_s: float | None = None, cell_timeout_s: float | None = None, memory_mb: int | None = None,
              hidden: bool = True, progress: bool = True, term: Term | None = None, per_gpu: int = 1,
              warm: bool = True) -> BatchReport:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring and :class:`Term`.
    ``per_gpu``: workers sharing each GPU; ``warm``: grade on warm workers (:mod:`grader.worker`), else in a
    child process per submission (:func:`grader.job.grade_job`)."""
    began, out, lang = time.perf_counter(), Path(out), messages.resolve_lang(lang)
    if device not in ("auto", "cpu", "gpu"):
        raise _error(lang, "batch_error_device", device=repr(device))
    if workers is not None and workers < 1:   # before anything is drawn (the progress bar was, then this said)
        raise _error(lang, "engine_workers", count=workers)
    if memory_mb is not None and 0 < memory_mb < MIN_MEMORY_MB:
        raise _error(lang, "batch_error_memory", mb=memory_mb, least=MIN_MEMORY_MB)
    plan = _plan(term or Term(), lang)
    with contextlib.ExitStack() as stack:
        found = _submissions(submissions, out, plan, stack, lang)
        everyone = {s.learner for s in found} | {e.learner for e in (plan.roster.entries if plan.roster else ())}
        try:
            adjusting.validate(plan.adjustments, everyone, {})
        except adjusting.AdjustmentError as error:
            raise BatchError(error.text.in_lang(lang)) from None
        settings = Settings(seed=resolve_seed(out, seed), lang=lang, hidden=hidden,
                            cell_timeout_s=cell_timeout_s, timeout_s=timeout_s, memory_mb=memory_mb, device=device,
                            warm=warm)
        return _run(found, out=out, plan=plan, settings=settings, force=force, progress=progress, workers=workers,
                    scheduler=scheduler, began=began, everyone=everyone, per_gpu=per_gpu)


def _run(found: list[Submission], *, out: Path, plan: _Plan, settings: Settings, force: bool, progress: bool,
         workers, scheduler, began: float, everyone: set[str], per_gpu: int = 1) -> BatchReport:
    chosen = set(plan.term.learners)
    with _locked(out, settings.lang):
        run = uuid.uuid4().hex[:12]
        digests = {s.learner: s.digest() for s in found}
        if chosen:  # regrade only these; every other learner's files stay exactly as they are
            skipped = [s for s in found if s.learner not in chosen]
        else:
            skipped = [s for s in found if not force and _up_to_date(out, s, digests[s.learner], settings)]
        todo = [s for s in found if s not in skipped]
        meta = {"workers": [], "scheduler": "none"}   # none needed: every learner up to date
        with _progress(len(todo), progress, settings.lang) as advance:
            for submission in (s for s in todo if s.problem):
                _record(out, submission, digests[submission.learner], settings,
                        Outcome(submission.learner, False, reason=submission.reason), run)
                advance(False)
            gradable = [s for s in todo if not s.problem]
            similar = _soon(similarity.report, {s.learner: dict(s.files()) for s in found if s.notebooks and not
                                                s.problem}, threshold=plan.term.similarity_threshold)
            if gradable:
                meta = _grade_on_dask(gradable, out=out, settings=settings, digests=digests, run=run,
                                      advance=advance, workers=workers, scheduler=scheduler, per_gpu=per_gpu)
        records = [_load_record(out, s, plan.term.exercises) for s in found]
        try:
            adjusting.validate(plan.adjustments, everyone, {r.learner: r.result for r in records if r.result})
        except adjusting.AdjustmentError as error:
            raise BatchError(error.text.in_lang(settings.lang)) from None
        records = [_adjust(r, plan) for r in records]
        missing = missing_days(records)
        for record in records:
            if not chosen or record.learner in chosen:
                _write_pages(out, record, settings.lang, missing.get(record.learner))
        match = roster.match([s.learner for s in found], plan.roster) if plan.roster else None
        pairs = similar.result()
        failed = tuple((r.learner, gradebook.reason_text(r.reason)) for r in records if r.result is None)
        failed_names = {learner for learner, _ in failed}
        report = BatchReport(out=out, graded=tuple(s.learner for s in todo if read_state(out, s.learner)["ok"]),
                             # a learner left alone (--learners) whose last grading failed is counted as failed only
                             skipped=tuple(s.learner for s in skipped if s.learner not in failed_names),
                             failed=failed,
                             wall_s=time.perf_counter() - began, roster=match, pairs=tuple(pairs))
        run_meta = {**meta, **_run_metadata(settings, report, records), **_term_metadata(plan)}
        try:
            _write_class(out, records, settings, run_meta, plan=plan, match=match, pairs=pairs)
        except Exception:  # noqa: BLE001 - find the learner(s) whose result cannot be drawn, record it, draw the rest
            records = [_drawable(out, r, settings.lang, plan) for r in records]
            failed = tuple((r.learner, gradebook.reason_text(r.reason)) for r in records if r.result is None)
            report = replace(report, failed=failed, graded=tuple(g for g in report.graded if g not in dict(failed)))
            run_meta = {**run_meta, "failed": len(report.failed)}
            _write_class(out, records, settings, run_meta, plan=plan, match=match, pairs=pairs)
    return report


def _soon(function, *args, **kwargs) -> Future:
    """``function(*args, **kwargs)`` started now in a thread of its own (work that does not wait for the grading,
    such as the similarity report, so that it is done when the grading is); ``.result()`` waits for it."""
    background = ThreadPoolExecutor(1, thread_name_prefix="grader-batch")
    future = background.submit(function, *args, **kwargs)
    background.shutdown(wait=False)
    return future


def _term_metadata(plan: _Plan) -> dict:
    term = plan.term
    return {k: v for k, v in {"exercises": list(term.exercises), "learners_regraded": list(term.learners),
                              "adjustments": str(term.adjustments or ""), "adjustments_applied": len(plan.adjustments),
                              "due": plan.due.isoformat() if plan.due else "", "late_policy": term.late_policy or "",
                              "roster": str(term.roster or "")}.items() if v}


def _grade_on_dask(gradable: list[Submission], *, out, settings, digests, run, advance, workers, scheduler,
                   per_gpu: int = 1) -> dict:
    by_learner = {s.learner: s for s in gradable}
    jobs = (Job(s.learner, tuple(s.files()), settings) for s in gradable)
    used: set[str] = set()
    keras = any(exercises.get(e).keras for s in gradable for e in s.exercises)  # the warm children import it ahead
    warm_up = (lambda n: warm_pool(settings, n, keras=keras)) if settings.warm else None
    try:
        with engines.connect(workers=workers, scheduler=scheduler, device=settings.device, per_gpu=per_gpu,
                             warm_up=warm_up) as engine:
            task = grade_job_warm if settings.warm else grade_job
            for job, outcome in engines.run_all(engine, jobs, task, _lost):
                _record(out, by_learner[job.learner], digests[job.learner], settings, outcome, run)
                advance(outcome.ok)
                used.add(outcome.worker)
            return {"workers": sorted(used.union(engine.workers) - {""}), "scheduler": engine.scheduler}
    except engines.EngineError as error:
        raise BatchError(error.text.in_lang(settings.lang)) from None


def _run_metadata(settings: Settings, report: BatchReport, records: list[gradebook.Record]) -> dict:
    durations = sorted(r.duration_s for r in records if r.duration_s)
    return {"grader": version("cnn-grader"), "seed": settings.seed, "lang": settings.lang, "hidden": settings.hidden,
            "device": settings.device, "warm_workers": settings.warm, "cell_timeout_s": settings.cell_timeout_s,
            "timeout_s": settings.timeout_s,
            "memory_mb": settings.memory_mb if settings.memory_mb is not None else default_memory_mb(),
            "devices": sorted({r.result.environment.device for r in records if r.result}),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "wall_s": round(report.wall_s, 1), "submissions": len(records), "graded_now": len(report.graded),
            "skipped": len(report.skipped), "failed": len(report.failed),
            "grading_s": {"median": durations[len(durations) // 2] if durations else 0.0,
                          "max": durations[-1] if durations else 0.0, "total": round(sum(durations), 1)}}


def _write_class(out: Path, records: list[gradebook.Record], settings: Settings, run: dict, *, plan: _Plan,
                 match=None, pairs=()) -> None:
    summary = gradebook.analyse(records, run=run, roster=match, pairs=pairs)
    write_atomic(out / "gradebook.csv", gradebook.to_csv(summary, settings.lang))
    write_atomic(out / "canvas.csv", lms.canvas_csv(summary, plan.roster))
    write_atomic(out / "moodle.csv", lms.moodle_csv(summary, plan.roster))
    write_atomic(out / "score_histogram.svg", html.histogram_svg(summary, lang=settings.lang))
    write_atomic(out / "summary.md", gradebook.to_markdown(summary, lang=settings.lang))
    write_atomic(out / "summary.html", html.render_summary(summary, lang=settings.lang))
    write_atomic(out / "run.json", json.dumps(run, ensure_ascii=False, indent=2))


def learner_list(names: list[str] | None, lang: str = "en") -> tuple[str, ...]:
    """``--learners a b @file.txt``: names, and files of names (one a line or whitespace-separated, # comments);
    a file that cannot be read is a :class:`BatchError` in ``lang``."""
    found = []
    for name in names or ():
        if name.startswith("@"):
            try:
                text = Path(name[1:]).read_text(encoding="utf-8-sig")
            except OSError as error:
                raise _error(lang, "batch_error_learners_file", path=name[1:], why=error) from None
            found += [w for line in text.splitlines() for w in line.split("#")[0].split()]
        else:
            found.append(name)
    return tuple(dict.fromkeys(found))


def term_from(args) -> Term:
    """The :class:`Term` of ``grader batch``'s command-line options (an error in ``--lang``'s language)."""
    lang = messages.resolve_lang(getattr(args, "lang", None))
    return Term(exercises=tuple(dict.fromkeys(args.exercises or ())), learners=learner_list(args.learners, lang),
                adjustments=args.adjustments, due=args.due, late_policy=args.late_policy,
                due_file_times=args.due_file_times, roster=args.roster,
                similarity_threshold=similarity.THRESHOLD if args.similarity_threshold is None
                else args.similarity_threshold)
