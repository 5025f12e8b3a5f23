"""Scores changed by hand, with a record: the adjustments file, applied after grading, and the late policy's penalty.

The file (CSV, or YAML: a list of mappings) has the columns ``learner``, ``exercise``, ``check`` (a check id such as
``feature_map_slides``; empty or ``*`` for the whole exercise; ``late`` for the late policy's penalty), ``score`` (the
new score) or ``points`` (added, negative to take away), ``reason`` (required) and ``by``. It is applied every time
the class files are written, never baked into a learner's stored ``result.json``, so a rerun keeps it and removing a
line undoes it. Order: the check lines, then the late penalty (a ``late`` line replaces the policy's), then the
whole-exercise lines, each in file order. A line for an exercise not graded in this run is left aside; a line naming
an unknown learner, exercise or check is an error that names the file and line.

Every applied adjustment is recorded with the score before and after (:class:`Applied`): the learner's
``adjustments.json`` (beside ``result.json``), the feedback page and the gradebook's note show it.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from grader import exercise as exercises
from grader import messages
from grader.results import GradeResult, Text

WHOLE = ("", "*")
LATE = "late"
COLUMNS = ("learner", "exercise", "check", "score", "points", "reason", "by")


class AdjustmentError(ValueError):
    """An adjustments file that cannot be applied: names the file and line; ``text`` in both languages (``str``:
    its English)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


def _error(key: str, **fields) -> AdjustmentError:
    return AdjustmentError(messages.text(key, **fields))


def _at(source: str, line: int) -> Text:
    """``adjust.csv, line 2`` / ``adjust.csv 第 2 行``."""
    return messages.text("adjust_where", source=source, line=line)


@dataclass(frozen=True)
class Adjustment:
    learner: str
    exercise: str
    check: str                   # "" for the whole exercise; "late" for the late penalty
    score: float | None          # the new score, or
    points: float | None         # points added (negative: taken away)
    reason: str
    by: str = ""
    line: int = 0                # where it came from (0: made by the grader, e.g. the late policy)
    source: str = ""

    def where(self) -> Text:
        return _at(self.source, self.line) if self.line else messages.text("batch_by_late_policy")

    def change(self, before: float) -> float:
        return max(0.0, round(self.score if self.score is not None else before + (self.points or 0.0), 6))

    def as_dict(self) -> dict:
        return {"learner": self.learner, "exercise": self.exercise, "check": self.check or "*", "score": self.score,
                "points": self.points, "reason": self.reason, "by": self.by, "line": self.line, "source": self.source}


@dataclass(frozen=True)
class Applied:
    """One adjustment as applied: the check's (or the exercise's) score before and after."""

    adjustment: Adjustment
    before: float
    after: float

    def as_dict(self) -> dict:
        return {**self.adjustment.as_dict(), "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Adjusted:
    """A learner's scores per exercise: as graded (``original``) and as adjusted (``scores``)."""

    original: dict[str, float]
    scores: dict[str, float]
    applied: tuple[Applied, ...] = ()
    lateness: dict = field(default_factory=dict)   # exercise id -> Lateness.as_dict() (grading as of a deadline)

    @property
    def total(self) -> float:
        return round(sum(self.scores.values()), 6)

    def to_json(self, learner: str) -> str:
        return json.dumps({"learner": learner, "original": self.original, "scores": self.scores, "total": self.total,
                           "adjustments": [a.as_dict() for a in self.applied], "as_of": self.lateness},
                          ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- reading

def _number(value, column: str, where: Text) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _error("adjust_not_number", where=where, column=column, value=repr(value)) from None


def _adjustment(row: dict, line: int, source: str) -> Adjustment:
    where = _at(source, line)
    row = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in row.items() if k is not None}
    score, points = _number(row.get("score"), "score", where), _number(row.get("points"), "points", where)
    if (score is None) == (points is None):
        raise _error("adjust_score_and_points" if score is not None else "adjust_score_or_points", where=where)
    if not row.get("learner") or not row.get("exercise"):
        raise _error("adjust_learner_exercise", where=where)
    if not row.get("reason"):
        raise _error("adjust_reason", where=where)
    check = row.get("check", "")
    check = "" if check in WHOLE else check.removeprefix("test_")
    return Adjustment(row["learner"], row["exercise"], check, score, points, row["reason"], row.get("by", ""),
                      line, source)


def load(path: Path) -> tuple[Adjustment, ...]:
    """Read an adjustments file (``.csv``, or ``.yml`` / ``.yaml``); errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _error("adjust_missing", path=path) from None
    except UnicodeDecodeError as error:
        raise _error("adjust_not_utf8", path=path, why=error.reason) from None
    except OSError as error:
        raise _error("adjust_unreadable", path=path, why=error) from None
    if path.suffix.lower() in (".yml", ".yaml"):
        return _load_yaml(text, path.name)
    reader = csv.DictReader(io.StringIO(text))
    unknown = set(reader.fieldnames or []) - set(COLUMNS)
    if unknown or not {"learner", "exercise", "reason"} <= set(reader.fieldnames or []):
        raise _error("adjust_columns", where=_at(path.name, 1), columns=", ".join(COLUMNS),
                     found=", ".join(reader.fieldnames or []))
    found = []
    for row in reader:
        if any((v or "").strip() for v in row.values() if isinstance(v, str)):
            found.append(_adjustment(row, reader.line_num, path.name))
    return tuple(found)


def _load_yaml(text: str, source: str) -> tuple[Adjustment, ...]:
    import yaml

    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
        items = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise _error("adjust_not_yaml", where=source, why=error) from None
    if items is None:
        return ()
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _error("adjust_not_list", where=_at(source, 1))
    return tuple(_adjustment(item, node.start_mark.line + 1, source) for item, node in zip(items, document.value))


# ---------------------------------------------------------------- checking and applying

def validate(adjustments: tuple[Adjustment, ...], learners: set[str], results: dict[str, GradeResult]) -> None:
    """Raise :class:`AdjustmentError` for a line naming an unknown learner, exercise or check, or whose score
    (points) is above (beyond) what the check or the exercise is worth: ``score 140`` on a 14-point day. A
    bonus that takes a score over its maximum (``points +1`` at full marks) stays allowed."""
    checks: dict[str, set[str]] = {}
    most: dict[tuple[str, str], float] = {}   # (exercise, check or "") -> points it is worth
    for result in results.values():
        for exercise in result.exercises:
            checks.setdefault(exercise.id, set()).update(c.id for c in exercise.checks)
            most[exercise.id, ""] = max(most.get((exercise.id, ""), 0.0), exercise.max_score)
            for c in exercise.checks:
                most[exercise.id, c.id] = max(most.get((exercise.id, c.id), 0.0), c.max_score)
    lowered = {learner.lower() for learner in learners}
    for a in adjustments:
        if a.learner.lower() not in lowered:
            raise _error("adjust_unknown_learner", where=a.where(), learner=repr(a.learner))
        if a.exercise not in exercises.EXERCISES:
            raise _error("adjust_unknown_exercise", where=a.where(), exercise=repr(a.exercise),
                         known=", ".join(exercises.EXERCISES))
        known = checks.get(a.exercise)
        if a.check and a.check != LATE and known is not None and a.check not in known:
            raise _error("adjust_unknown_check", where=a.where(), check=repr(a.check), exercise=a.exercise,
                         known=", ".join(sorted(known)))
        worth = most.get((a.exercise, "" if a.check == LATE else a.check))
        column, value = ("score", a.score) if a.score is not None else ("points", a.points)
        if worth is not None and value is not None and (value > worth if column == "score" else abs(value) > worth):
            raise _error("adjust_above_max", where=a.where(), column=column, value=value, most=worth,
                         what=f"{a.exercise} {a.check}" if a.check and a.check != LATE else a.exercise)


def for_learner(adjustments: tuple[Adjustment, ...], learner: str) -> tuple[Adjustment, ...]:
    return tuple(a for a in adjustments if a.learner.lower() == learner.lower())


def apply(result: GradeResult, lines: tuple[Adjustment, ...], *, learner: str = "",
          late: dict[str, tuple[float, str]] | None = None, lateness: dict | None = None) -> Adjusted:
    """The learner's adjusted scores. ``late``: exercise id -> (fraction 0..1, why): that fraction of the
    exercise's score (after the check lines) is taken as the late policy's penalty, described by ``why``;
    ``lateness``: exercise id -> the deadline record."""
    original, scores, applied = {}, {}, []
    for exercise in result.exercises:
        mine = [a for a in lines if a.exercise == exercise.id]
        check_scores = {c.id: c.score for c in exercise.checks}
        for a in (a for a in mine if a.check and a.check != LATE and a.check in check_scores):
            before = check_scores[a.check]
            check_scores[a.check] = a.change(before)
            applied.append(Applied(a, before, check_scores[a.check]))
        score = round(sum(check_scores.values()), 6)
        overrides = [a for a in mine if a.check == LATE]
        fraction, why = (late or {}).get(exercise.id, (0.0, ""))
        policy = late_penalty(learner, exercise.id, round(score * fraction, 6), why) if fraction else None
        for a in overrides or ([policy] if policy is not None else []):
            before, score = score, a.change(score)
            applied.append(Applied(a, before, score))
        for a in (a for a in mine if not a.check):
            before, score = score, a.change(score)
            applied.append(Applied(a, before, score))
        original[exercise.id], scores[exercise.id] = exercise.score, score
    return Adjusted(original, scores, tuple(applied), dict(lateness or {}))


def late_penalty(learner: str, exercise_id: str, points: float, why: str) -> Adjustment:
    """The late policy's penalty as an adjustment (overridden by a ``late`` line of the file)."""
    return Adjustment(learner, exercise_id, LATE, None, -points, why, "late policy")
