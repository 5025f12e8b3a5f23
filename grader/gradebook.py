"""A class's results as plain data (the gradebook and the item analysis), and its CSV and Markdown forms.

``analyse(records, run=...)`` gives a :class:`ClassSummary`: one row per learner, the pass rate of every check,
the checks most learners fail, and the most common diagnosed mistakes. A mistake is named by the message the
check gave (its catalog key, found by matching the message against :data:`grader.messages.CATALOG`, plus the
learner function it was about), so "flipped_kernel" is counted once per learner whatever the numbers were.
"""
from __future__ import annotations

import csv
import functools
import io
import re
import statistics
import string
from collections import Counter
from dataclasses import dataclass, field

from grader import exercise as exercises
from grader import messages
from grader.results import GradeResult, Status, Text

FAILED = (Status.FAILED, Status.ERROR, Status.TIMEOUT)
NOT_GRADED = "not graded"


@dataclass(frozen=True)
class Record:
    """One learner of the class: their result, or why there is none."""

    learner: str
    source: str = ""
    result: GradeResult | None = None
    reason: str = ""
    duration_s: float = 0.0
    worker: str = ""


@dataclass(frozen=True)
class Row:
    learner: str
    scores: dict[str, float]      # exercise id -> score, for the exercises submitted
    total: float
    status: str                   # graded | incomplete | not graded
    note: str = ""


@dataclass(frozen=True)
class CheckStat:
    exercise: str
    check: str
    hidden: bool
    passed: int
    learners: int                 # who submitted the exercise

    @property
    def failed(self) -> int:
        return self.learners - self.passed

    @property
    def rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class Mistake:
    name: str
    learners: int
    example: Text


@dataclass(frozen=True)
class ClassSummary:
    rows: tuple[Row, ...]
    exercises: tuple[str, ...]
    max_scores: dict[str, float]
    checks: tuple[CheckStat, ...]
    mistakes: tuple[Mistake, ...]
    not_graded: tuple[tuple[str, str], ...]
    run: dict = field(default_factory=dict)

    @property
    def max_total(self) -> float:
        return round(sum(self.max_scores.values()), 6)

    @property
    def totals(self) -> list[float]:
        return [r.total for r in self.rows if r.status != NOT_GRADED]

    def most_failed(self, count: int = 5) -> list[CheckStat]:
        failing = [c for c in self.checks if c.failed]
        return sorted(failing, key=lambda c: (-c.failed, c.rate, c.exercise, c.check))[:count]


def analyse(records: list[Record], *, run: dict | None = None) -> ClassSummary:
    results = [r.result for r in records if r.result is not None]
    order = list(exercises.EXERCISES)
    seen = {e.id for result in results for e in result.exercises}
    ids = tuple(sorted(seen, key=lambda e: (order.index(e) if e in order else len(order), e)))
    max_scores = {e.id: e.max_score for result in results for e in result.exercises}
    return ClassSummary(rows=tuple(_row(r, ids) for r in records), exercises=ids,
                        max_scores={e: max_scores[e] for e in ids}, checks=_check_stats(results, ids),
                        mistakes=_mistakes(results), run=dict(run or {}),
                        not_graded=tuple((r.learner, r.reason) for r in records if r.result is None))


def _row(record: Record, ids: tuple[str, ...]) -> Row:
    if record.result is None:
        return Row(record.learner, {}, 0.0, NOT_GRADED, record.reason)
    scores = {e.id: e.score for e in record.result.exercises}
    missing = [e for e in ids if e not in scores]
    problems = [f"{e.id}: {e.execution.problem.en}" for e in record.result.exercises if e.execution.problem]
    note = "; ".join(([f"missing {', '.join(missing)}"] if missing else []) + problems)
    return Row(record.learner, scores, record.result.score, "incomplete" if missing else "graded", note)


def _check_stats(results: list[GradeResult], ids: tuple[str, ...]) -> tuple[CheckStat, ...]:
    passed: Counter = Counter()
    learners: Counter = Counter()
    hidden: dict[tuple[str, str], bool] = {}
    for result in results:
        for exercise in result.exercises:
            for check in exercise.checks:
                key = (exercise.id, check.id)
                hidden[key] = check.hidden
                learners[key] += 1
                passed[key] += check.status == Status.PASSED
    keys = sorted(hidden, key=lambda k: (ids.index(k[0]), k[1]))
    return tuple(CheckStat(e, c, hidden[(e, c)], passed[(e, c)], learners[(e, c)]) for e, c in keys)


@functools.lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern, int]]:
    """(key, the English template as a regex, how much literal text it has): most specific first."""
    found = []
    for key, (en, _) in messages.CATALOG.items():
        if key.startswith("batch_"):
            continue
        regex, literal = "", 0
        for text, name, _, _ in string.Formatter().parse(en):
            regex += re.escape(text)
            literal += len(text)
            if name is not None:
                regex += ".*?"
        found.append((key, re.compile(regex + r"\Z", re.S), literal))
    return sorted(found, key=lambda p: -p[2])


def mistake_key(message: Text) -> str:
    """The catalog key the message was made from (``flipped_kernel``), else the message with numbers blanked."""
    for key, pattern, _ in _patterns():
        if pattern.match(message.en):
            return key
    return re.sub(r"-?\d+(\.\d+)?", "#", message.en)[:80]


def mistake_name(message: Text, function: str = "") -> str:
    """A mistake as counted across learners: ``flipped_kernel (feature_map)``."""
    key = mistake_key(message)
    return f"{key} ({function})" if function else key


def _mistakes(results: list[GradeResult], count: int = 10) -> tuple[Mistake, ...]:
    learners: Counter = Counter()
    examples: dict[str, Text] = {}
    for result in results:
        names = set()
        for exercise in result.exercises:
            for check in exercise.checks:
                if check.status in FAILED and check.message is not None:
                    name = mistake_name(check.message, check.function)
                    names.add(name)
                    examples.setdefault(name, check.message)
        learners.update(names)
    ranked = sorted(learners.items(), key=lambda kv: (-kv[1], kv[0]))[:count]
    return tuple(Mistake(name, n, examples[name]) for name, n in ranked)


# ---------------------------------------------------------------- renderers

def _points(value: float) -> str:
    return f"{value:g}"


def to_csv(summary: ClassSummary) -> str:
    """One row per learner: id, a score per exercise (blank when not submitted), total, max, status, note."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", *summary.exercises, "total", "max_total", "status", "note"])
    for row in summary.rows:
        scores = [_points(row.scores[e]) if e in row.scores else "" for e in summary.exercises]
        writer.writerow([row.learner, *scores, _points(row.total), _points(summary.max_total), row.status, row.note])
    return buffer.getvalue()


def label(key: str, lang: str, **fields) -> str:
    return messages.text(key, **fields).in_lang(lang) if fields else messages.label(messages.CATALOG, key, lang)


def status_label(status: str, lang: str) -> str:
    return label(f"batch_status_{status.replace(' ', '_')}", lang)


def class_line(summary: ClassSummary, lang: str) -> str:
    totals = summary.totals or [0.0]
    count = Counter(r.status for r in summary.rows)
    return label("batch_class_line", lang, learners=len(summary.rows), graded=count["graded"],
                 incomplete=count["incomplete"], failed=count[NOT_GRADED], mean=round(statistics.mean(totals), 2),
                 median=statistics.median(totals), max_score=summary.max_total)


def histogram_bins(summary: ClassSummary, bins: int = 10) -> list[tuple[float, float, int]]:
    """(low, high, learners) over 0..max total; the last bin includes full marks."""
    top = summary.max_total or 1.0
    width = top / bins
    counts = [0] * bins
    for total in summary.totals:
        counts[min(int(total / width), bins - 1)] += 1
    return [(round(i * width, 2), round((i + 1) * width, 2), n) for i, n in enumerate(counts)]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    cell = lambda v: str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(cell(v) for v in row) + " |" for row in rows), ""]


def check_rows(checks, lang: str) -> list[list[str]]:
    kind = {True: messages.label(messages.HEADINGS, "hidden", lang), False: messages.label(messages.HEADINGS,
                                                                                           "public", lang)}
    return [[c.exercise, f"{c.check} ({kind[c.hidden]})", str(c.passed), str(c.learners), f"{c.rate:.0%}"]
            for c in checks]


def to_markdown(summary: ClassSummary, *, lang: str) -> str:
    h = lambda key: label(key, lang)  # noqa: E731
    check_header = [h("batch_exercise"), messages.label(messages.HEADINGS, "check", lang), h("batch_passed"),
                    h("batch_learners"), h("batch_rate")]
    out = [f"# {h('batch_summary_title')}", "", class_line(summary, lang), "",
           f"## {h('batch_distribution')}", "", f"![{h('batch_distribution')}](score_histogram.svg)", ""]
    out += _table([h("batch_range"), h("batch_learners"), ""],
                  [[f"{lo:g}-{hi:g}", str(n), "#" * n] for lo, hi, n in histogram_bins(summary)])
    out += [f"## {h('batch_gradebook')}", ""]
    out += _table([h("batch_learner"), *summary.exercises, h("batch_total"), h("batch_status"), h("batch_reason")],
                  [[r.learner, *(_points(r.scores[e]) if e in r.scores else "-" for e in summary.exercises),
                    _points(r.total), status_label(r.status, lang), r.note] for r in summary.rows])
    out += [f"## {h('batch_item_analysis')}", "", f"### {h('batch_most_failed')}", ""]
    worst = summary.most_failed()
    out += _table(check_header, check_rows(worst, lang)) if worst else [h("batch_none_failed"), ""]
    out += [f"### {h('batch_mistakes')}", ""]
    out += _table([h("batch_mistake"), h("batch_learners"), h("batch_example")],
                  [[m.name, str(m.learners), m.example.in_lang(lang)] for m in summary.mistakes]) \
        if summary.mistakes else [h("batch_none_diagnosed"), ""]
    out += [f"### {h('batch_pass_rates')}", ""] + _table(check_header, check_rows(summary.checks, lang))
    if summary.not_graded:
        out += [f"## {h('batch_not_graded')}", ""]
        out += _table([h("batch_learner"), h("batch_reason")], [list(pair) for pair in summary.not_graded])
    out += [f"## {h('batch_run')}", ""] + [f"- {k}: {run_value(v)}" for k, v in summary.run.items()]
    return "\n".join(out) + "\n"


def run_value(value) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)
