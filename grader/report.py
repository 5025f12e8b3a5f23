"""Renderers: the canonical result shown as a terminal report or Markdown. Nothing here changes a result.

Learner text (exception messages, printed output, cell sources, names) is data, never markup: the terminal report
prints it as :class:`rich.text.Text` (no markup parsed), Markdown escapes it (:func:`md_inline`, :func:`md_code`),
and every renderer first makes control characters visible (:func:`visible`), so nothing a learner's code says can
draw a heading, a bold score line, a terminal escape sequence or a line that starts where a report line starts.
"""
from __future__ import annotations

import re
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from grader import messages
from grader.environment import device_text
from grader.results import CheckResult, Execution, ExerciseResult, GradeResult, Status, Text, to_json

TRACEBACK_LINES = 12

# C0/C1 control characters (tab and newline kept), DEL, lone surrogates, the non-characters XML refuses, and the
# bidirectional overrides and isolates that reorder what a reader sees.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")
_MD_LEADING = re.compile(r"^(\s*\d*)([-+=.)])")


def visible(text: str) -> str:
    """``text`` with every control or direction-changing character shown as an escape (``\\x1b``, ``\\u202e``);
    a carriage return becomes a newline. Safe for terminals and valid in XML 1.0."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _INVISIBLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                          else f"\\u{ord(m.group()):04x}", text)


def one_line(text: str) -> str:
    """Learner text for a place that holds one line: newlines shown as ``⏎``."""
    return visible(text).replace("\n", " ⏎ ")


def md_inline(text: str) -> str:
    """Learner text as literal Markdown inline content on one line: punctuation backslash-escaped, ``<``, ``>``
    and ``&`` as entities, newlines as ``<br>``; no heading, list, table cell, link, emphasis or HTML can start."""
    escaped = _MD_SPECIAL.sub(r"\\\1", visible(text).strip())
    escaped = escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped).replace("\n", "<br>")


def md_code(text: str, info: str = "") -> list[str]:
    """Learner text as a fenced code block whose fence is longer than any run of backticks inside it; each line
    behind a gutter (``│ ``), so even a reader of the raw Markdown never sees a line of it start like a heading."""
    body = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *(f"│ {line}" for line in body.split("\n")), fence]
STYLES = {Status.PASSED: "green", Status.FAILED: "red", Status.NOT_ATTEMPTED: "yellow", Status.ERROR: "magenta",
          Status.TIMEOUT: "magenta", Status.SKIPPED: "dim"}


def _heading(key: str, lang: str) -> str:
    return messages.label(messages.HEADINGS, key, lang)


def status_label(check: CheckResult, lang: str) -> str:
    """The check's status in words; a check that broke for the grader's own reasons says so, not "your code"."""
    key = "grader_error" if check.status == Status.ERROR and check.grader_traceback else check.status.value
    return messages.label(messages.STATUS_LABELS, key, lang)


_status = status_label


def _points(value: float) -> str:
    return f"{value:g}"


def summary_line(exercise: ExerciseResult, *, hidden_included: bool, lang: str) -> str:
    if not hidden_included:
        from grader.exercise import hidden_check_count
        public = [c for c in exercise.checks if not c.hidden]
        return messages.text("public_summary", passed=exercise.count(Status.PASSED), total=len(public),
                             hidden=hidden_check_count(exercise.id)).in_lang(lang)
    return messages.text("graded_summary", score=exercise.score, max_score=exercise.max_score,
                         passed=exercise.count(Status.PASSED), total=len(exercise.checks)).in_lang(lang)


def hidden_points(exercise_id: str) -> float | None:
    """Points the hidden checks of ``exercise_id`` are worth: from their source, else from a release's
    ``grader/hidden_counts.json`` (``"day93.points"``); None when neither says."""
    import json

    from grader import exercise as exercises
    from grader.grading import planned_from_source

    hidden = exercises.get(exercise_id).hidden_checks
    if hidden is not None:
        return sum(p.points for p in planned_from_source(hidden))
    counts = exercises.PACKAGE_DIR / "hidden_counts.json"
    try:
        value = json.loads(counts.read_text(encoding="utf-8")).get(f"{exercise_id}.points")
    except (OSError, ValueError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def hidden_note(result: GradeResult) -> str | None:
    """When hidden checks were not run: how many there are (and their points), so a public-only total is never
    read as the final score; None when every exercise was graded with its hidden checks."""
    if result.hidden_included:
        return None
    from grader.exercise import hidden_check_count

    counts = {e.id: hidden_check_count(e.id) for e in result.exercises}
    if not sum(counts.values()):
        return None
    points = [hidden_points(e.id) for e in result.exercises]
    if all(p is not None for p in points):
        return messages.text("hidden_not_included", hidden=sum(counts.values()),
                             points=sum(points)).in_lang(result.lang)
    return messages.text("hidden_not_included_count", hidden=sum(counts.values())).in_lang(result.lang)


def cell_failure_lines(execution: Execution, lang: str) -> list[str]:
    """The notes on the notebook file (re-read from UTF-16, chosen among several), then one line per notebook cell
    that failed, with what the grader did about it."""
    lines = [note.in_lang(lang) for note in getattr(execution, "file_notes", ())]
    for failure in execution.failures:
        if failure.ename == "NotImplementedError":  # an unfinished stub: its checks already say so
            continue
        head = cell_failure_head(failure)
        noted = failure.note is not None and failure.ename not in INTERNAL_ENAMES
        lines.append(head.in_lang(lang) + (f" - {failure.note.in_lang(lang)}" if noted else ""))
    return lines


# What the grader (not the learner's code) names a cell it stopped or lost: never shown as an exception name.
INTERNAL_ENAMES = frozenset({"GraderCellTimeout", "TimeLimit", "KernelLost", "OutputLimit", "KernelNotRunning",
                             "DeadKernelError", "KernelExit", "KernelMessage", "MemoryLimit",
                             "DiskLimit"})


def cell_failure_head(failure) -> Text:
    """"Code cell 8 raised ValueError: ..." for the learner's exception; for a cell the grader stopped (time limit,
    lost kernel, output limit) the grader's own note with the cell's number, never its internal name. The number
    counts the non-empty code cells, as Jupyter's [n] does after Restart & Run All."""
    if failure.ename in INTERNAL_ENAMES and failure.note is not None:
        en, zh = messages.CATALOG["cell_stopped"]
        return Text(en=en.format(number=failure.index + 1, note=failure.note.en),
                    zh_tw=zh.format(number=failure.index + 1, note=failure.note.zh_tw))
    return messages.text("cell_failed", number=failure.index + 1, ename=failure.ename, evalue=failure.evalue)


def _tracebacks(exercise: ExerciseResult) -> list[tuple[str, str]]:
    """(check id, the learner's trimmed traceback) for checks whose call raised in the learner's code."""
    return [(c.id, "\n".join(c.traceback[-TRACEBACK_LINES:])) for c in exercise.checks if c.traceback]


def _exercise_table(exercise: ExerciseResult, lang: str) -> Table:
    table = Table(title=RichText(f"{exercise.id}: {_points(exercise.score)} / {_points(exercise.max_score)}"),
                  box=box.HEAVY_HEAD, title_justify="left", expand=False)  # ruled: every row line starts "│"
    for key in ("check", "status", "points", "message"):
        table.add_column(_heading(key, lang), overflow="fold")
    for check in exercise.checks:
        kind = _heading("hidden" if check.hidden else "public", lang)
        table.add_row(RichText(f"{visible(check.id)} ({kind})"),
                      RichText(_status(check, lang), style=STYLES[check.status]),
                      f"{_points(check.score)}/{_points(check.max_score)}",
                      RichText("" if check.message is None else visible(check.message.in_lang(lang))))
    return table


CURVE_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")


def curve_rows(exercise: ExerciseResult) -> tuple[list[str], list[list[str]]]:
    """The learning curve as (column names, one row per epoch), the known curves first."""
    names = sorted(exercise.curves, key=lambda n: (CURVE_ORDER.index(n) if n in CURVE_ORDER else 9, n))
    epochs = max((len(v) for v in exercise.curves.values()), default=0)
    rows = [[str(epoch + 1)] + [_curve_cell(exercise.curves[n], epoch) for n in names] for epoch in range(epochs)]
    return ["epoch", *names], rows


def _curve_cell(curve: tuple[float | None, ...], epoch: int) -> str:
    """One epoch's value: blank past the curve's end, "—" where it was not a usable number (NaN, infinity)."""
    if epoch >= len(curve):
        return ""
    return "—" if curve[epoch] is None else f"{curve[epoch]:.4f}"


def metric_line(exercise: ExerciseResult) -> str:
    return " · ".join(f"{name} {value:.4f}" for name, value in sorted(exercise.metrics.items()))


def _curve_table(exercise: ExerciseResult) -> Table:
    columns, rows = curve_rows(exercise)
    table = Table(title=RichText(f"{exercise.id}: learning curve"), box=box.SIMPLE, title_justify="left")
    for column in columns:
        table.add_column(RichText(one_line(column)), justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _markdown_measures(exercise: ExerciseResult) -> list[str]:
    out = [f"**{metric_line(exercise)}**", ""] if exercise.metrics else []
    if exercise.curves:
        columns, rows = curve_rows(exercise)
        out += ["| " + " | ".join(md_inline(c) for c in columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(row) + " |" for row in rows] + [""]
        out += _mermaid_curve(exercise)
    return out


def _mermaid_curve(exercise: ExerciseResult) -> list[str]:
    """A line chart GitHub renders in Markdown (job summaries, READMEs): accuracy per epoch, of the curves whose
    every value is a number (a chart line cannot leave a gap; the table above shows the others)."""
    lines = [n for n in ("accuracy", "val_accuracy")
             if exercise.curves.get(n) and None not in exercise.curves[n]]
    if not lines:
        return []
    values = [v for n in lines for v in exercise.curves[n]]
    epochs = max(len(exercise.curves[n]) for n in lines)
    out = ["```mermaid", "xychart-beta", f'    title "{exercise.id}: {" and ".join(lines)} per epoch"',
           f"    x-axis [{', '.join(str(e + 1) for e in range(epochs))}]",
           f'    y-axis "accuracy" {max(0.0, min(values) - 0.01):.3f} --> {min(1.0, max(values) + 0.005):.3f}']
    out += [f"    line [{', '.join(f'{v:.4f}' for v in exercise.curves[n])}]" for n in lines]
    return out + ["```", ""]


GUTTER = "  │ "


def _quoted(console: Console, text: str, style: str = "") -> RichText:
    """Learner text on lines of its own: visible, never parsed as markup, wrapped here and every line behind a
    gutter, so no line of it (wrapped ones too) starts where a report line such as the total starts."""
    width = max(20, console.width - len(GUTTER) - 1)
    lines = RichText(visible(text), style=style).wrap(console, width)
    return RichText("\n").join(RichText.assemble((GUTTER, "dim"), line) for line in lines)


def print_terminal(result: GradeResult, *, console: Console | None = None) -> None:
    """The terminal report. Learner text goes in as :class:`rich.text.Text`, so it is never parsed as markup."""
    console = console or Console()
    lang = result.lang
    for exercise in result.exercises:
        if exercise.execution.problem is not None:
            console.print(_quoted(console, exercise.execution.problem.in_lang(lang), "bold red"), soft_wrap=True)
        for line in cell_failure_lines(exercise.execution, lang):
            console.print(_quoted(console, one_line(line), "magenta"), highlight=False, soft_wrap=True)
        console.print(_exercise_table(exercise, lang))
        if exercise.metrics:
            console.print(RichText(one_line(metric_line(exercise))), highlight=False)
        if exercise.curves:
            console.print(_curve_table(exercise))
        for check_id, traceback in _tracebacks(exercise):
            console.print(RichText(one_line(check_id), style="magenta"))
            console.print(_quoted(console, traceback), highlight=False, soft_wrap=True)
        console.print(RichText(summary_line(exercise, hidden_included=result.hidden_included, lang=lang)))
    note = hidden_note(result)
    if note:
        console.print(RichText(note, style="yellow"))
    total = f"{_heading('total', lang)}: {_points(result.score)} / {_points(result.max_score)}"
    console.print(RichText.assemble((total, "bold"), f"  ({_heading('seed', lang)} {result.seed}, "
                                    f"{one_line(device_text(result.environment.device).in_lang(lang))})"),
                        highlight=False)


def markdown(result: GradeResult) -> str:
    """The Markdown report (GitHub's job summary). Learner text is escaped inline or fenced; the headings, the
    table rows and the score lines are the grader's own."""
    lang = result.lang
    out = [f"# {_heading('total', lang)}: {_points(result.score)} / {_points(result.max_score)}", ""]
    note = hidden_note(result)
    if note:
        out += [f"> {note}", ""]
    for exercise in result.exercises:
        out += [f"## {exercise.id}: {_points(exercise.score)} / {_points(exercise.max_score)}", ""]
        if exercise.execution.problem is not None:
            out += [f"> {md_inline(exercise.execution.problem.in_lang(lang))}", ""]
        out += [f"- {md_inline(line)}" for line in cell_failure_lines(exercise.execution, lang)]
        out += ["", "| " + " | ".join(_heading(k, lang) for k in ("check", "status", "points", "message")) + " |",
                "|---|---|---|---|"]
        for check in exercise.checks:
            message = "" if check.message is None else md_inline(check.message.in_lang(lang))
            kind = _heading("hidden" if check.hidden else "public", lang)
            out.append(f"| `{check.id}` ({kind}) | {_status(check, lang)} | "
                       f"{_points(check.score)}/{_points(check.max_score)} | {message} |")
        out += [""] + _markdown_measures(exercise)
        for check_id, traceback in _tracebacks(exercise):
            out += ["", f"<details><summary>{check_id}</summary>", "", *md_code(traceback), "",
                    "</details>"]
        out += ["", summary_line(exercise, hidden_included=result.hidden_included, lang=lang), ""]
    out.append(f"{_heading('seed', lang)}: {result.seed} · {device_text(result.environment.device).in_lang(lang)} · "
               f"grader {result.environment.grader}")
    return "\n".join(out) + "\n"


RENDERERS = {"json": to_json, "md": markdown}


# ---- platforms: renderers in their own modules, imported when used (they import this one)
def _platform(module: str, function: str):
    def render(result: GradeResult) -> str:
        import importlib

        return getattr(importlib.import_module(f"grader.{module}"), function)(result)
    return render


def _html(result: GradeResult) -> str:
    from grader.html import render_feedback

    return render_feedback(result, lang=result.lang)


RENDERERS.update(junit=_platform("junit", "render"), classroom=_platform("classroom", "render"),
                 gradescope=_platform("gradescope", "render"))
if (Path(__file__).parent / "html.py").is_file():
    RENDERERS["html"] = _html
