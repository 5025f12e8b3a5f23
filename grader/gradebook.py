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
from grader.environment import device_text
from grader.adjustments import Adjusted
from grader.deadline import duration_text
from grader.results import GradeResult, Status, Text

FAILED = (Status.FAILED, Status.ERROR, Status.TIMEOUT)
NOT_GRADED = "not graded"


@dataclass(frozen=True)
class Record:
    """One learner of the class: their result, or why there is none."""

    learner: str
    source: str = ""
    result: GradeResult | None = None
    reason: Text | str = ""              # why there is no result (a string: stored by an earlier run; reason_text)
    duration_s: float = 0.0
    worker: str = ""
    adjusted: Adjusted | None = None     # adjustments and the late penalty, applied to ``result``


@dataclass(frozen=True)
class Row:
    learner: str
    scores: dict[str, float]      # exercise id -> score, for the exercises submitted
    total: float
    status: str                   # graded | incomplete | not graded (data: the CSV keeps these words)
    notes: tuple[Text, ...] = ()  # missing days, notebook problems, adjustments and lateness; or why not graded


@dataclass(frozen=True)
class CheckStat:
    exercise: str
    check: str
    hidden: bool
    passed: int
    learners: int                 # who submitted the exercise
    not_attempted: int = 0        # of whom left it as the stub had it

    @property
    def failed(self) -> int:
        return self.learners - self.passed

    @property
    def wrong(self) -> int:
        """Attempted and not passed (incorrect, raised, timed out)."""
        return self.learners - self.passed - self.not_attempted

    @property
    def rate(self) -> float:
        return self.passed / self.learners if self.learners else 0.0


@dataclass(frozen=True)
class Mistake:
    name: str
    learners: int
    example: Text


@dataclass(frozen=True)
class DayStat:
    """One exercise across the class: scores (adjusted) of the learners who submitted it."""

    exercise: str
    learners: int
    mean: float
    median: float
    max_score: float


@dataclass(frozen=True)
class ClassSummary:
    rows: tuple[Row, ...]
    exercises: tuple[str, ...]
    max_scores: dict[str, float]
    checks: tuple[CheckStat, ...]
    mistakes: tuple[Mistake, ...]
    not_graded: tuple[tuple[str, Text], ...]
    run: dict = field(default_factory=dict)
    days: tuple[DayStat, ...] = ()
    roster: object | None = None               # grader.roster.Match, when a roster was given
    pairs: tuple = ()                          # grader.similarity.Pair, the flagged pairs
    adjusted: dict = field(default_factory=dict)   # learner -> Adjusted, for the learners with adjustments

    @property
    def max_total(self) -> float:
        return round(sum(self.max_scores.values()), 6)

    @property
    def totals(self) -> list[float]:
        return [r.total for r in self.rows if r.status != NOT_GRADED]

    def most_failed(self, count: int = 5) -> list[CheckStat]:
        failing = [c for c in self.checks if c.failed]
        return sorted(failing, key=lambda c: (-c.failed, c.rate, c.exercise, c.check))[:count]


def analyse(records: list[Record], *, run: dict | None = None, roster=None, pairs=()) -> ClassSummary:
    """The class; ``roster``: a :class:`grader.roster.Match`; ``pairs``: flagged :class:`grader.similarity.Pair`."""
    results = [r.result for r in records if r.result is not None]
    order = list(exercises.EXERCISES)
    seen = {e.id for result in results for e in result.exercises}
    ids = tuple(sorted(seen, key=lambda e: (order.index(e) if e in order else len(order), e)))
    max_scores = {e.id: e.max_score for result in results for e in result.exercises}
    rows = tuple(_row(r, ids) for r in records)
    return ClassSummary(rows=rows, exercises=ids,
                        max_scores={e: max_scores[e] for e in ids}, checks=_check_stats(results, ids),
                        mistakes=_mistakes(results), run=dict(run or {}),
                        not_graded=tuple((r.learner, reason_text(r.reason)) for r in records if r.result is None),
                        days=_day_stats(rows, ids, max_scores), roster=roster, pairs=tuple(pairs),
                        adjusted={r.learner: r.adjusted for r in records
                                  if r.adjusted is not None and (r.adjusted.applied or r.adjusted.lateness)})


def _day_stats(rows: tuple[Row, ...], ids: tuple[str, ...], max_scores: dict) -> tuple[DayStat, ...]:
    stats = []
    for exercise_id in ids:
        scores = [r.scores[exercise_id] for r in rows if exercise_id in r.scores]
        stats.append(DayStat(exercise_id, len(scores), round(statistics.mean(scores), 2) if scores else 0.0,
                             statistics.median(scores) if scores else 0.0, max_scores[exercise_id]))
    return tuple(stats)


def adjustment_note(adjusted: Adjusted | None, lang: str = "en", *, full: bool = True) -> list[str]:
    """One phrase per adjustment and per late mark: what changed, from what to what, why and by whom.
    ``full``: also the commit graded when it was on time (the feedback page); the gradebook's note leaves it out."""
    if adjusted is None:
        return []
    notes = []
    for applied in adjusted.applied:
        a = applied.adjustment
        what = f"{a.exercise} " + (a.check if a.check and a.check != "late" else
                                   label("batch_late_penalty" if a.check == "late" else "batch_whole_exercise", lang))
        by = label("batch_by_late_policy", lang) if _by_policy(a) else a.by or "-"
        notes.append(label("batch_adjusted", lang, what=what, before=applied.before, after=applied.after,
                           reason=_adjustment_reason(a, adjusted.lateness.get(a.exercise), lang), by=by))
    for exercise_id, late in adjusted.lateness.items():
        if full or late.get("late") or late.get("problem"):
            notes += [f"{exercise_id}{colon(lang)}{line}" for line in lateness_lines(late, lang)]
    return notes


def _by_policy(adjustment) -> bool:
    """The late policy's own penalty (made by the grader, line 0), not an instructor's line."""
    return adjustment.check == "late" and not adjustment.line


def _adjustment_reason(adjustment, late: dict | None, lang: str) -> str:
    """The instructor's reason as written; the late policy's penalty said again from its deadline record."""
    if not _by_policy(adjustment):
        return adjustment.reason
    if late and late.get("late_s"):
        return label("batch_late_by", lang, late=duration(late["late_s"], lang), policy=late.get("policy", ""))
    return reason_text(adjustment.reason).in_lang(lang)


def adjustment_texts(adjusted: Adjusted | None, *, full: bool = True) -> list[Text]:
    """:func:`adjustment_note` in both languages."""
    return [Text(en, zh) for en, zh in zip(adjustment_note(adjusted, "en", full=full),
                                           adjustment_note(adjusted, "zh-TW", full=full))]


def duration(seconds: float, lang: str = "en") -> str:
    """``1 d 9 h 1 min`` or ``1 天 9 小時 1 分鐘`` (:func:`grader.deadline.duration_text`)."""
    return duration_text(seconds).in_lang(lang)


def lateness_lines(late: dict, lang: str) -> list[str]:
    """The deadline record (:meth:`grader.deadline.Lateness.as_dict`) in words."""
    lines = []
    if late.get("commit"):
        lines.append(label("batch_as_of", lang, due=late["due"], commit=late["commit"][:10],
                           when=late["committed_at"]))
    if late.get("source") == "file times" and late.get("newest_late_s"):
        lines.append(label("batch_late_file", lang, late=duration(late["newest_late_s"], lang), due=late["due"]))
    elif late.get("late_s"):
        lines.append(label("batch_late_graded", lang, late=duration(late["late_s"], lang),
                           policy=late.get("policy", "")))
    if late.get("source") == "git" and late.get("newest_late_s") and late.get("later_commits"):
        lines.append(label("batch_late", lang, late=duration(late["newest_late_s"], lang),
                           later=late["later_commits"]))
    if late.get("problem"):
        lines.append(reason_text(late["problem"]).in_lang(lang))
    return lines


# Reasons stored as English strings by an earlier version (batch.json's "reason" without "reasons"; a deadline
# record's "problem"): recognised by their catalog template, so each still renders in either language. Reasons made
# now are Text from the start (grader.submissions, grader.deadline, grader.engine, grader.job) and never matched.
RECOGNISED = tuple(k for k in messages.CATALOG if k.startswith("batch_reason_")) + ("batch_late_by",)
DURATION_UNITS = {"d": "batch_duration_days", "h": "batch_duration_hours", "min": "batch_duration_minutes"}


def reason_text(reason) -> Text:
    """Why a learner was not graded (or a notebook problem), in both languages: a :class:`Text` as it is; the
    ``{"en", "zh-TW"}`` form of batch.json; a string recognised by its English template (:data:`RECOGNISED`),
    else the string itself in both languages (an instructor's own words, or an unknown reason)."""
    if isinstance(reason, Text):
        return reason
    if isinstance(reason, dict) and {"en", "zh-TW"} <= set(reason):
        return Text(str(reason["en"]), str(reason["zh-TW"]))
    reason = str(reason or "") or messages.CATALOG["batch_reason_not_graded"][0]
    for key, pattern in _reason_patterns():
        found = pattern.match(reason)
        if found:
            fields = found.groupdict()
            if "late" in fields:
                fields["late"] = Text(fields["late"], _units(fields["late"], "zh-TW"))
            return messages.text(key, **fields)
    return Text(reason, reason)


def _units(english: str, lang: str) -> str:
    """``1 d 9 h`` in ``lang``'s units."""
    return re.sub(r"\b(\d+) (d|h|min)\b", lambda m: label(DURATION_UNITS[m[2]], lang, count=m[1]), english)


@functools.lru_cache(maxsize=1)
def _reason_patterns() -> list[tuple[str, re.Pattern]]:
    """(key, its English template as a regex with a named group per field): the most literal text first."""
    found = []
    for key in RECOGNISED:
        regex, literal, seen = "", 0, set()
        for text, name, _, _ in string.Formatter().parse(messages.CATALOG[key][0]):
            regex += re.escape(text)
            literal += len(text)
            if name:
                regex += f"(?P={name})" if name in seen else f"(?P<{name}>.*?)"
                seen.add(name)
        found.append((literal, key, re.compile(regex + r"\Z", re.S)))
    return [(key, pattern) for _, key, pattern in sorted(found, key=lambda f: -f[0])]


def _row(record: Record, ids: tuple[str, ...]) -> Row:
    if record.result is None:
        return Row(record.learner, {}, 0.0, NOT_GRADED, (reason_text(record.reason),))
    scores = {e.id: e.score for e in record.result.exercises}
    total = record.result.score
    if record.adjusted is not None:
        scores, total = dict(record.adjusted.scores), record.adjusted.total
    missing = [e for e in ids if e not in scores]
    problems = [messages.text("batch_note_problem", exercise=e.id, problem=e.execution.problem)
                for e in record.result.exercises if e.execution.problem]
    notes = ([messages.text("batch_note_missing", days=", ".join(missing))] if missing else []) + problems \
        + adjustment_texts(record.adjusted, full=False)
    return Row(record.learner, scores, total, "incomplete" if missing else "graded", tuple(notes))


def note_text(row: Row, lang: str) -> str:
    """The row's note in ``lang``: its phrases joined by "; " (in Chinese by "；", less each phrase's "。")."""
    if lang == "zh-TW":
        return "；".join(note.zh_tw.rstrip("。") for note in row.notes)
    return "; ".join(note.en for note in row.notes)


def _check_stats(results: list[GradeResult], ids: tuple[str, ...]) -> tuple[CheckStat, ...]:
    passed: Counter = Counter()
    learners: Counter = Counter()
    untouched: Counter = Counter()
    hidden: dict[tuple[str, str], bool] = {}
    for result in results:
        for exercise in result.exercises:
            for check in exercise.checks:
                key = (exercise.id, check.id)
                hidden[key] = check.hidden
                learners[key] += 1
                passed[key] += check.status == Status.PASSED
                untouched[key] += check.status == Status.NOT_ATTEMPTED
    keys = sorted(hidden, key=lambda k: (ids.index(k[0]), k[1]))
    return tuple(CheckStat(e, c, hidden[(e, c)], passed[(e, c)], learners[(e, c)], untouched[(e, c)])
                 for e, c in keys)


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


def to_csv(summary: ClassSummary, lang: str = "en") -> str:
    """One row per learner: id, a score per exercise (blank when not submitted), total, max, status (a word of
    the data: graded, incomplete, not graded) and the note in ``lang``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", *summary.exercises, "total", "max_total", "status", "note"])
    for row in summary.rows:
        scores = [_points(row.scores[e]) if e in row.scores else "" for e in summary.exercises]
        writer.writerow([row.learner, *scores, _points(row.total), _points(summary.max_total), row.status,
                         note_text(row, lang)])
    return buffer.getvalue()


def colon(lang: str) -> str:
    """Punctuation between phrases: full-width in Chinese text."""
    return "：" if lang == "zh-TW" else ": "


def semicolon(lang: str) -> str:
    return "；" if lang == "zh-TW" else "; "


def parenthesized(text: str, lang: str) -> str:
    """`` (text)`` or ``（text）``, to follow a word."""
    return f"（{text}）" if lang == "zh-TW" else f" ({text})"


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
    share = lambda n, c: f"{n / c.learners:.0%}" if c.learners else "-"  # noqa: E731
    return [[c.exercise, c.check + parenthesized(kind[c.hidden], lang), str(c.passed), str(c.learners), f"{c.rate:.0%}",
             share(c.not_attempted, c), share(c.wrong, c)] for c in checks]


def check_header(lang: str) -> list[str]:
    return [label("batch_exercise", lang), messages.label(messages.HEADINGS, "check", lang),
            label("batch_passed", lang),
            label("batch_learners", lang), label("batch_rate", lang), label("batch_not_attempted", lang),
            label("batch_wrong", lang)]


def day_rows(summary: ClassSummary) -> list[list[str]]:
    return [[d.exercise, str(d.learners), f"{d.mean:g}", f"{d.median:g}", f"{d.max_score:g}"] for d in summary.days]


def day_header(lang: str) -> list[str]:
    return [label(k, lang) for k in ("batch_exercise", "batch_learners", "batch_mean", "batch_median", "batch_max")]


def roster_lines(summary: ClassSummary, lang: str) -> list[str]:
    match = summary.roster
    if match is None:
        return []
    if not match.missing and not match.unknown:
        return [label("batch_roster_ok", lang)]
    return ([label("batch_roster_missing", lang, learners=", ".join(match.missing))] if match.missing else []) + \
        ([label("batch_roster_unknown", lang, learners=", ".join(match.unknown))] if match.unknown else [])


def adjustment_rows(summary: ClassSummary, lang: str) -> list[list[str]]:
    return [[learner, note] for learner, adjusted in sorted(summary.adjusted.items())
            for note in adjustment_note(adjusted, lang)]


def to_markdown(summary: ClassSummary, *, lang: str) -> str:
    h = lambda key: label(key, lang)  # noqa: E731
    checks_head = check_header(lang)
    out = [f"# {h('batch_summary_title')}", "", class_line(summary, lang), ""]
    out += [f"## {h('batch_day_stats')}", ""] + _table(day_header(lang), day_rows(summary))
    if summary.roster is not None:
        out += [f"## {h('batch_roster')}", ""] + [f"- {line}" for line in roster_lines(summary, lang)] + [""]
    out += [f"## {h('batch_distribution')}", "", f"![{h('batch_distribution')}](score_histogram.svg)", ""]
    out += _table([h("batch_range"), h("batch_learners"), ""],
                  [[f"{lo:g}-{hi:g}", str(n), "#" * n] for lo, hi, n in histogram_bins(summary)])
    out += [f"## {h('batch_gradebook')}", ""]
    out += _table([h("batch_learner"), *summary.exercises, h("batch_total"), h("batch_status"), h("batch_reason")],
                  [[r.learner, *(_points(r.scores[e]) if e in r.scores else "-" for e in summary.exercises),
                    _points(r.total), status_label(r.status, lang), note_text(r, lang)] for r in summary.rows])
    out += [f"## {h('batch_item_analysis')}", "", f"### {h('batch_most_failed')}", ""]
    worst = summary.most_failed()
    out += _table(checks_head, check_rows(worst, lang)) if worst else [h("batch_none_failed"), ""]
    out += [f"### {h('batch_mistakes')}", ""]
    out += _table([h("batch_mistake"), h("batch_learners"), h("batch_example")],
                  [[m.name, str(m.learners), m.example.in_lang(lang)] for m in summary.mistakes]) \
        if summary.mistakes else [h("batch_none_diagnosed"), ""]
    out += [f"### {h('batch_pass_rates')}", ""] + _table(checks_head, check_rows(summary.checks, lang))
    if summary.adjusted:
        out += [f"## {h('batch_adjustments')}", ""]
        out += _table([h("batch_learner"), h("batch_reason")], adjustment_rows(summary, lang))
    out += [f"## {h('batch_similarity')}", "", h("batch_similarity_note"), ""]
    for pair in summary.pairs:
        out += [f"### {similarity_title(pair, lang)}", ""]
        out += _table([pair.first, pair.second], [[a.strip(), b.strip()] for a, b in pair.lines])
    if not summary.pairs:
        out += [h("batch_similarity_none"), ""]
    if summary.not_graded:
        out += [f"## {h('batch_not_graded')}", ""]
        out += _table([h("batch_learner"), h("batch_reason")],
                      [[learner, reason.in_lang(lang)] for learner, reason in summary.not_graded])
    out += [f"## {h('batch_run')}", ""] + [f"- {run_label(k, lang)}{colon(lang)}{run_value(v, lang, k)}"
                                          for k, v in summary.run.items()]
    return "\n".join(out) + "\n"


def similarity_title(pair, lang: str) -> str:
    return label("batch_similarity_pair", lang, exercise=pair.exercise, first=pair.first, second=pair.second,
                 share=pair.similarity)


def run_label(key: str, lang: str) -> str:
    """A run.json key as the class summary shows it (messages.RUN_LABELS; an unknown key as it is)."""
    return messages.label(messages.RUN_LABELS, key, lang) if key in messages.RUN_LABELS else key


RUN_WORDS = {("device", "auto"): "batch_device_auto", ("scheduler", "local"): "batch_scheduler_local",
             ("scheduler", "none"): "batch_scheduler_none"}


def run_value(value, lang: str = "en", key: str = "") -> str:
    """A run.json value (of ``key``) as the class summary shows it in ``lang``; None (a limit not given) is
    "the default"."""
    if value is None:
        return label("batch_default", lang)
    if isinstance(value, bool):
        return label("batch_yes" if value else "batch_no", lang)
    if isinstance(value, dict):
        return ("、" if lang == "zh-TW" else ", ").join(f"{run_label(k, lang)} {v}" for k, v in value.items())
    if isinstance(value, (list, tuple)):   # e.g. the devices: "CPU: 2 cores" -> "CPU：2 核心"
        return ", ".join(device_text(str(v)).in_lang(lang) for v in value) or "-"
    if isinstance(value, str) and (key, value) in RUN_WORDS:
        return label(RUN_WORDS[(key, value)], lang)
    return str(value)
