"""Renderers: the canonical result shown as a terminal report or Markdown. Nothing here changes a result."""
from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from grader import messages
from grader.results import CheckResult, Execution, ExerciseResult, GradeResult, Status, to_json

TRACEBACK_LINES = 12
STYLES = {Status.PASSED: "green", Status.FAILED: "red", Status.NOT_ATTEMPTED: "yellow", Status.ERROR: "magenta",
          Status.TIMEOUT: "magenta", Status.SKIPPED: "dim"}


def _heading(key: str, lang: str) -> str:
    return messages.label(messages.HEADINGS, key, lang)


def _status(check: CheckResult, lang: str) -> str:
    return messages.label(messages.STATUS_LABELS, check.status.value, lang)


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


def cell_failure_lines(execution: Execution, lang: str) -> list[str]:
    """One line per notebook cell that failed, with what the grader did about it."""
    lines = []
    for failure in execution.failures:
        if failure.ename == "NotImplementedError":  # an unfinished stub: its checks already say so
            continue
        head = messages.text("cell_failed", number=failure.index + 1, ename=failure.ename, evalue=failure.evalue)
        lines.append(head.in_lang(lang) + (f" - {failure.note.in_lang(lang)}" if failure.note else ""))
    return lines


def _tracebacks(exercise: ExerciseResult) -> list[tuple[str, str]]:
    """(check id, the learner's trimmed traceback) for checks whose call raised in the learner's code."""
    return [(c.id, "\n".join(c.traceback[-TRACEBACK_LINES:])) for c in exercise.checks if c.traceback]


def _exercise_table(exercise: ExerciseResult, lang: str) -> Table:
    table = Table(title=f"{exercise.id}: {_points(exercise.score)} / {_points(exercise.max_score)}",
                  box=box.SIMPLE_HEAVY, title_justify="left", expand=False)
    for key in ("check", "status", "points", "message"):
        table.add_column(_heading(key, lang), overflow="fold")
    for check in exercise.checks:
        kind = _heading("hidden" if check.hidden else "public", lang)
        table.add_row(f"{check.id} ({kind})", RichText(_status(check, lang), style=STYLES[check.status]),
                      f"{_points(check.score)}/{_points(check.max_score)}",
                      "" if check.message is None else check.message.in_lang(lang))
    return table


CURVE_ORDER = ("loss", "accuracy", "val_loss", "val_accuracy")


def curve_rows(exercise: ExerciseResult) -> tuple[list[str], list[list[str]]]:
    """The learning curve as (column names, one row per epoch), the known curves first."""
    names = sorted(exercise.curves, key=lambda n: (CURVE_ORDER.index(n) if n in CURVE_ORDER else 9, n))
    epochs = max((len(v) for v in exercise.curves.values()), default=0)
    rows = [[str(epoch + 1)] + [f"{exercise.curves[n][epoch]:.4f}" if epoch < len(exercise.curves[n]) else ""
                                for n in names] for epoch in range(epochs)]
    return ["epoch", *names], rows


def metric_line(exercise: ExerciseResult) -> str:
    return " · ".join(f"{name} {value:.4f}" for name, value in sorted(exercise.metrics.items()))


def _curve_table(exercise: ExerciseResult) -> Table:
    columns, rows = curve_rows(exercise)
    table = Table(title=f"{exercise.id}: learning curve", box=box.SIMPLE, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(*row)
    return table


def _markdown_measures(exercise: ExerciseResult) -> list[str]:
    out = [f"**{metric_line(exercise)}**", ""] if exercise.metrics else []
    if exercise.curves:
        columns, rows = curve_rows(exercise)
        out += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        out += ["| " + " | ".join(row) + " |" for row in rows] + [""]
        out += _mermaid_curve(exercise)
    return out


def _mermaid_curve(exercise: ExerciseResult) -> list[str]:
    """A line chart GitHub renders in Markdown (job summaries, READMEs): accuracy per epoch."""
    lines = [n for n in ("accuracy", "val_accuracy") if n in exercise.curves]
    if not lines:
        return []
    values = [v for n in lines for v in exercise.curves[n]]
    epochs = max(len(exercise.curves[n]) for n in lines)
    out = ["```mermaid", "xychart-beta", f'    title "{exercise.id}: {" and ".join(lines)} per epoch"',
           f"    x-axis [{', '.join(str(e + 1) for e in range(epochs))}]",
           f'    y-axis "accuracy" {max(0.0, min(values) - 0.01):.3f} --> {min(1.0, max(values) + 0.005):.3f}']
    out += [f"    line [{', '.join(f'{v:.4f}' for v in exercise.curves[n])}]" for n in lines]
    return out + ["```", ""]


def print_terminal(result: GradeResult, *, console: Console | None = None) -> None:
    console = console or Console()
    lang = result.lang
    for exercise in result.exercises:
        if exercise.execution.problem is not None:
            console.print(f"[bold red]{exercise.execution.problem.in_lang(lang)}[/]")
        for line in cell_failure_lines(exercise.execution, lang):
            console.print(f"[magenta]{line}[/]", markup=True, highlight=False)
        console.print(_exercise_table(exercise, lang))
        if exercise.metrics:
            console.print(metric_line(exercise), highlight=False)
        if exercise.curves:
            console.print(_curve_table(exercise))
        for check_id, traceback in _tracebacks(exercise):
            console.print(f"[magenta]{check_id}[/]")
            console.print(traceback, markup=False, highlight=False)
        console.print(summary_line(exercise, hidden_included=result.hidden_included, lang=lang))
    total = f"{_heading('total', lang)}: {_points(result.score)} / {_points(result.max_score)}"
    console.print(f"[bold]{total}[/]  ({_heading('seed', lang)} {result.seed}, {result.environment.device})")


def markdown(result: GradeResult) -> str:
    lang = result.lang
    out = [f"# {_heading('total', lang)}: {_points(result.score)} / {_points(result.max_score)}", ""]
    for exercise in result.exercises:
        out += [f"## {exercise.id}: {_points(exercise.score)} / {_points(exercise.max_score)}", ""]
        if exercise.execution.problem is not None:
            out += [f"> {exercise.execution.problem.in_lang(lang)}", ""]
        out += [f"- {line}" for line in cell_failure_lines(exercise.execution, lang)]
        out += ["", "| " + " | ".join(_heading(k, lang) for k in ("check", "status", "points", "message")) + " |",
                "|---|---|---|---|"]
        for check in exercise.checks:
            message = "" if check.message is None else check.message.in_lang(lang).replace("|", "\\|")
            kind = _heading("hidden" if check.hidden else "public", lang)
            out.append(f"| `{check.id}` ({kind}) | {_status(check, lang)} | "
                       f"{_points(check.score)}/{_points(check.max_score)} | {message} |")
        out += [""] + _markdown_measures(exercise)
        for check_id, traceback in _tracebacks(exercise):
            out += ["", f"<details><summary>{check_id}</summary>", "", "```", traceback, "```", "", "</details>"]
        out += ["", summary_line(exercise, hidden_included=result.hidden_included, lang=lang), ""]
    out.append(f"{_heading('seed', lang)}: {result.seed} · {result.environment.device} · "
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
