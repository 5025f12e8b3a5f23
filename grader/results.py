"""The canonical grading result: frozen dataclasses, a status enum, and the versioned JSON form.

Every report format (terminal, Markdown, JSON, ...) is rendered from these objects; nothing here
knows how it will be shown. ``to_json`` / ``from_json`` are exact inverses.
"""
from __future__ import annotations

import enum
import json
import math
import numbers
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA_VERSION = "1.3"  # 1.1: per-exercise metrics and curves; 1.2: a check's grader_traceback;
# 1.3: execution.file_notes and passed_over (which notebook was graded, how it was read)


class Status(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"


MAX_CURVE_EPOCHS = 1000      # a learning curve keeps its first 1,000 epochs (the course's trainings take 5-30)
MAX_CURVE_MAGNITUDE = 1e9    # a curve value beyond +-1e9 is kept as None: no loss or accuracy means anything there


def curve_points(values) -> tuple[float | None, ...]:
    """A learning curve as results keep it: its first ``MAX_CURVE_EPOCHS`` values as floats, None for a value that
    is not finite or lies beyond +-``MAX_CURVE_MAGNITUDE`` (a diverged loss's NaN, a hand-written 1e308), so every
    report can show it and the JSON stays standard (no NaN or Infinity tokens).

    ``values``: a list or tuple of numbers (the learner's ``history.history[key]``, or None from a stored result).
    Raises TypeError (not a list or tuple, or an item neither a number nor None) or ValueError / OverflowError
    (an item float() refuses)."""
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"a curve is a list of numbers, not {type(values).__name__}")
    points = []
    for value in values[:MAX_CURVE_EPOCHS]:
        if value is not None and not isinstance(value, numbers.Real):
            raise TypeError(f"a curve value is a number, not {type(value).__name__}")
        number = None if value is None else float(value)
        points.append(number if number is not None and math.isfinite(number) and abs(number) <= MAX_CURVE_MAGNITUDE
                      else None)
    return tuple(points)


@dataclass(frozen=True)
class Text:
    """A learner-facing sentence in both languages."""

    en: str
    zh_tw: str

    def in_lang(self, lang: str) -> str:
        return self.zh_tw if lang == "zh-TW" else self.en


@dataclass(frozen=True)
class CheckResult:
    id: str
    status: Status
    score: float
    max_score: float
    hidden: bool
    function: str = ""
    message: Text | None = None
    duration_s: float = 0.0
    traceback: tuple[str, ...] = ()  # the learner's own frames, when their code raised
    # The grader's own traceback when the check itself broke (status ERROR, not the learner's fault): for the
    # instructor, kept in the JSON, never shown to the learner as their error.
    grader_traceback: tuple[str, ...] = ()

    @property
    def grader_fault(self) -> bool:
        return bool(self.grader_traceback)


@dataclass(frozen=True)
class CellFailure:
    """A notebook cell that raised, timed out or killed its kernel, as the learner should see it."""

    index: int
    source: str
    status: Status
    ename: str
    evalue: str
    traceback: tuple[str, ...] = ()
    note: Text | None = None  # what the grader did about it (stopped it, restarted the kernel, ...)


@dataclass(frozen=True)
class Execution:
    """How the learner's notebook ran in its kernel."""

    notebook: str
    cells_run: int = 0
    cells_total: int = 0
    failures: tuple[CellFailure, ...] = ()
    kernel_restarts: int = 0
    problem: Text | None = None  # the notebook could not be run at all
    kernel_start_s: float = 0.0
    run_s: float = 0.0       # running the notebook, round trips included
    learner_s: float = 0.0   # of which the learner's own cells computed
    sandbox: dict = field(default_factory=dict)  # limits and isolation the kernel ran under, e.g. "network": "cut"
    file_notes: tuple[Text, ...] = ()   # unusual but costing nothing: re-read as UTF-16, chosen among several files
    passed_over: tuple[str, ...] = ()   # other notebooks found for this exercise and not graded


@dataclass(frozen=True)
class ExerciseResult:
    id: str
    checks: tuple[CheckResult, ...]
    execution: Execution
    checks_s: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)            # e.g. {"test_accuracy": 0.9913}
    # per-epoch values, e.g. "val_accuracy" (:func:`curve_points`: None where the value was not a usable number)
    curves: dict[str, tuple[float | None, ...]] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.checks), 6)

    @property
    def max_score(self) -> float:
        return round(sum(c.max_score for c in self.checks), 6)

    def count(self, status: Status, *, hidden: bool | None = None) -> int:
        return sum(1 for c in self.checks if c.status == status and (hidden is None or c.hidden == hidden))


@dataclass(frozen=True)
class Environment:
    grader: str
    python: str
    tensorflow: str
    keras: str
    numpy: str
    platform: str
    device: str


@dataclass(frozen=True)
class GradeResult:
    exercises: tuple[ExerciseResult, ...]
    seed: int
    environment: Environment
    submission: str
    lang: str = "en"
    hidden_included: bool = True
    started_at: str = ""
    duration_s: float = 0.0
    schema_version: str = field(default=SCHEMA_VERSION)

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 6)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 6)


# ---------------------------------------------------------------- JSON form

def _text_dict(text: Text | None, lang: str):
    return None if text is None else text.in_lang(lang)


def _messages(text: Text | None):
    return None if text is None else {"en": text.en, "zh-TW": text.zh_tw}


def _check_dict(check: CheckResult, lang: str) -> dict:
    return {
        "id": check.id, "function": check.function, "status": check.status.value,
        "score": check.score, "max_score": check.max_score, "hidden": check.hidden,
        "message": _text_dict(check.message, lang), "messages": _messages(check.message),
        "duration_s": round(check.duration_s, 4), "traceback": list(check.traceback),
        "grader_traceback": list(check.grader_traceback),
    }


def _execution_dict(execution: Execution, lang: str) -> dict:
    data = asdict(execution)
    data["problem"] = _text_dict(execution.problem, lang)
    data["problems"] = _messages(execution.problem)
    data["file_notes"] = [n.in_lang(lang) for n in execution.file_notes]
    data["file_notes_messages"] = [_messages(n) for n in execution.file_notes]
    data["passed_over"] = list(execution.passed_over)
    data["failures"] = [{**asdict(f), "status": f.status.value, "traceback": list(f.traceback),
                         "note": _text_dict(f.note, lang), "notes": _messages(f.note)}
                        for f in execution.failures]
    return data


def to_dict(result: GradeResult) -> dict:
    lang = result.lang
    return {
        "schema_version": result.schema_version,
        "submission": result.submission,
        "score": result.score,
        "max_score": result.max_score,
        "seed": result.seed,
        "lang": lang,
        "hidden_included": result.hidden_included,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "environment": asdict(result.environment),
        "exercises": [
            {"id": e.id, "score": e.score, "max_score": e.max_score,
             "checks": [_check_dict(c, lang) for c in e.checks],
             "execution": _execution_dict(e.execution, lang),
             "metrics": dict(e.metrics), "curves": {k: list(v) for k, v in e.curves.items()},
             "durations": {"kernel_start_s": round(e.execution.kernel_start_s, 3),
                           "notebook_s": round(e.execution.run_s, 3),
                           "learner_cells_s": round(e.execution.learner_s, 3),
                           "checks_s": round(e.checks_s, 3)}}
            for e in result.exercises
        ],
    }


def to_json(result: GradeResult) -> str:
    """The JSON text; readable UTF-8, or ASCII escapes when a learner's text holds a lone surrogate (which no
    UTF-8 file can hold), so the result is always written."""
    data = to_dict(result)
    text = json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False)   # standard JSON: every float finite
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, ensure_ascii=True, indent=2, allow_nan=False)
    return text


def _text_from(messages: dict | None) -> Text | None:
    return None if messages is None else Text(en=messages["en"], zh_tw=messages["zh-TW"])


def _check_from(data: dict) -> CheckResult:
    return CheckResult(id=data["id"], status=Status(data["status"]), score=data["score"],
                       max_score=data["max_score"], hidden=data["hidden"], function=data["function"],
                       message=_text_from(data["messages"]), duration_s=data["duration_s"],
                       traceback=tuple(data.get("traceback", ())),
                       grader_traceback=tuple(data.get("grader_traceback", ())))


def _execution_from(data: dict) -> Execution:
    failures = tuple(CellFailure(**{**{k: v for k, v in f.items() if k != "notes"}, "status": Status(f["status"]),
                                    "traceback": tuple(f["traceback"]), "note": _text_from(f["notes"])})
                     for f in data["failures"])
    fields = {k: v for k, v in data.items()
              if k not in ("failures", "problem", "problems", "file_notes", "file_notes_messages", "passed_over")}
    return Execution(**fields, failures=failures, problem=_text_from(data["problems"]),
                     file_notes=tuple(_text_from(n) for n in data.get("file_notes_messages", ())),
                     passed_over=tuple(data.get("passed_over", ())))


def from_dict(data: dict) -> GradeResult:
    if data.get("schema_version", "").split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ValueError(f"Unsupported result schema {data.get('schema_version')!r}; this grader reads {SCHEMA_VERSION}")
    exercises = tuple(
        ExerciseResult(id=e["id"], checks=tuple(_check_from(c) for c in e["checks"]),
                       execution=_execution_from(e["execution"]), checks_s=e["durations"]["checks_s"],
                       metrics=dict(e.get("metrics", {})),
                       curves={k: curve_points(v) for k, v in e.get("curves", {}).items()})
        for e in data["exercises"])
    return GradeResult(exercises=exercises, seed=data["seed"], environment=Environment(**data["environment"]),
                       submission=data["submission"], lang=data["lang"], hidden_included=data["hidden_included"],
                       started_at=data["started_at"], duration_s=data["duration_s"],
                       schema_version=data["schema_version"])


def from_json(text: str) -> GradeResult:
    return from_dict(json.loads(text))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one, never a part; with the
    permissions any new file gets (0666 less the umask: a temporary file's 0600 kept TAs and web servers out)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask, read from ``/proc/self/status`` (setting it to read it back would race other
    threads); 0o022 where that cannot be read."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
