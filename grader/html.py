"""Standalone HTML (readable offline: no scripts, no links out, pictures as inline SVG drawn by matplotlib).

``render_feedback(result, lang=...)`` is one learner's page: every check with its message, the learner's cells
that failed, metrics and learning curves. ``render_summary(summary, lang=...)`` is the class page: the score
distribution, the gradebook, the item analysis and the run's metadata. Nothing here changes a result.
"""
from __future__ import annotations

import html as stdlib_html
import io
import math
import re
import warnings
from urllib.parse import quote

from grader import exercise as exercises
from grader import gradebook, messages, report
from grader.environment import device_text
from grader.kernel import strip_ansi
from grader.results import ExerciseResult, GradeResult, Status

BAR_COLOR = "#2f6fb5"
STATUS_CLASS = {Status.PASSED: "ok", Status.FAILED: "bad", Status.ERROR: "bad", Status.TIMEOUT: "bad",
                Status.NOT_ATTEMPTED: "todo", Status.SKIPPED: "todo"}
STYLE = """
body{font-family:system-ui,"Noto Sans CJK TC","PingFang TC","Microsoft JhengHei",sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f2f4f7}
.score{font-size:2rem;font-weight:700}.ok{color:#1a7f37}.bad{color:#c62828}.todo{color:#9a6700}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;white-space:pre-wrap}figure{margin:1rem 0}
.meta{color:#555;font-size:.9rem}
"""
# zh-TW tables: no break inside a CJK run (keep-all), cells never narrower than a few characters, short cells on
# one line; the feedback page holds both languages and a CSS-only switch (no script: the page stays standalone).
TERM_STYLE = """
td,th{word-break:keep-all;overflow-wrap:break-word;min-width:3.5em}td.short,th{white-space:nowrap}
td.message{min-width:16em}code{background:#f0f2f5;padding:0 .2em;border-radius:3px;font-size:.92em}
.lang-switch{position:absolute;opacity:0;pointer-events:none}.switch{float:right;cursor:pointer;color:#2f6fb5;
text-decoration:underline}#show-primary:checked~.lang-secondary{display:none}
#show-secondary:checked~.lang-primary{display:none}.adjusted{background:#fff8e1}
table.pair td{font-family:ui-monospace,monospace;white-space:pre-wrap;font-size:.85rem}
"""


def esc(value) -> str:
    return stdlib_html.escape(str(value))


def code_html(text) -> str:
    """Escaped text with inline code (between backticks) as ``<code>``."""
    return re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(text))


def _label(key: str, lang: str, **fields) -> str:
    return gradebook.label(key, lang, **fields)


def _heading(key: str, lang: str) -> str:
    return messages.label(messages.HEADINGS, key, lang)


def page(title: str, body: list[str], *, lang: str) -> str:
    code = "zh-Hant-TW" if lang == "zh-TW" else "en"
    return (f'<!DOCTYPE html>\n<html lang="{code}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{esc(title)}</title>\n'
            f"<style>{STYLE}{TERM_STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def table(header: list[str], rows: list[list[str]], *, raw: bool = False, classes: tuple[str, ...] = ()) -> str:
    """``classes``: a CSS class per column (``short``: kept on one line; ``message``: a wide column)."""
    cell = (lambda v: str(v)) if raw else esc
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    attr = [f' class="{c}"' if c else "" for c in classes] + [""] * max(0, len(header) - len(classes))
    lines = "".join("<tr>" + "".join(f"<td{attr[i] if i < len(attr) else ''}>{cell(v)}</td>"
                                     for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


# ---------------------------------------------------------------- pictures

def svg(figure) -> str:
    """A matplotlib figure as inline SVG markup (deterministic: fixed ids, no date)."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "cnn-grader", "svg.fonttype": "none"}), warnings.catch_warnings():
        # svg.fonttype "none": the browser draws the text (zh-TW too); matplotlib's own font only measures it
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def histogram_svg(summary: gradebook.ClassSummary, *, lang: str = "en") -> str:
    from matplotlib.figure import Figure

    bins = gradebook.histogram_bins(summary)
    figure = Figure(figsize=(6.4, 3.0))
    axes = figure.add_subplot()
    axes.bar([lo for lo, _, _ in bins], [n for _, _, n in bins], width=bins[0][1] - bins[0][0], align="edge",
             color=BAR_COLOR, edgecolor="white")
    axes.set_xlim(0, summary.max_total or 1)
    axes.set_xlabel(_label("batch_histogram_total", lang, max_total=summary.max_total))
    axes.set_ylabel(_label("batch_learners", lang))
    axes.yaxis.get_major_locator().set_params(integer=True)
    return svg(figure)


def curve_svg(curves: dict[str, tuple[float | None, ...]], lang: str = "en") -> str:
    """Learning curves per epoch: accuracy-like keys on the left, losses on the right; axes in ``lang``. A None
    value (:func:`grader.results.curve_points`) leaves a gap in its line."""
    from matplotlib.figure import Figure

    groups = [[k for k in sorted(curves) if "loss" not in k], [k for k in sorted(curves) if "loss" in k]]
    groups = [g for g in groups if g]
    figure = Figure(figsize=(3.4 * len(groups), 2.8))
    for index, keys in enumerate(groups, 1):
        axes = figure.add_subplot(1, len(groups), index)
        for key in keys:
            axes.plot(range(1, len(curves[key]) + 1), [math.nan if v is None else v for v in curves[key]],
                      marker="o", label=key)
        axes.set_xlabel(_label("batch_epoch", lang))
        axes.legend(fontsize=8)
    with warnings.catch_warnings():   # as in svg(): the browser draws zh-TW text, matplotlib only measures it
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure.tight_layout()
    return svg(figure)


# ---------------------------------------------------------------- one learner

def _checks_table(exercise: ExerciseResult, lang: str) -> str:
    rows = []
    for check in exercise.checks:
        kind = _heading("hidden" if check.hidden else "public", lang)
        status = report.status_label(check, lang)  # "grader error (not yours)" when the check itself broke
        message = "" if check.message is None else check.message.in_lang(lang)
        trace = "" if not check.traceback else \
            f"<details><pre>{esc(strip_ansi(chr(10).join(check.traceback[-report.TRACEBACK_LINES:])))}</pre></details>"
        rows.append([f"<code>{esc(check.id)}</code>{esc(gradebook.parenthesized(kind, lang))}",
                     f'<span class="{STATUS_CLASS[check.status]}">{esc(status)}</span>',
                     f"{check.score:g} / {check.max_score:g}", code_html(message) + trace])
    header = [_heading(k, lang) for k in ("check", "status", "points", "message")]
    return table(header, rows, raw=True, classes=("short", "short", "short", "message"))


def _failing_cells(exercise: ExerciseResult, lang: str) -> list[str]:
    failures = [f for f in exercise.execution.failures if f.ename != "NotImplementedError"]
    if not failures:
        return []
    out = [f"<h3>{esc(_heading('failing_cells', lang))}</h3>"]
    for failure in failures:
        head = report.cell_failure_head(failure)
        note = f"<p>{esc(failure.note.in_lang(lang))}</p>" if failure.note and failure.ename not in \
            report.INTERNAL_ENAMES else ""
        trace = strip_ansi("\n".join(failure.traceback[-report.TRACEBACK_LINES:]))
        out += [f'<p class="bad">{esc(head.in_lang(lang))}</p>', note, f"<pre>{esc(failure.source)}</pre>",
                f"<pre>{esc(trace)}</pre>" if trace else ""]
    return out


def _exercise_section(exercise: ExerciseResult, result: GradeResult, lang: str, adjusted=None) -> list[str]:
    title = exercises.EXERCISES[exercise.id].title.in_lang(lang) if exercise.id in exercises.EXERCISES else ""
    out = [f'<section id="{esc(exercise.id)}">',
           f"<h2>{esc(exercise.id)} {esc(title)}{gradebook.colon(lang)}{esc(_exercise_score(exercise, adjusted, lang))}"
           "</h2>"]
    if exercise.execution.problem is not None:
        out.append(f'<p class="bad">{esc(exercise.execution.problem.in_lang(lang))}</p>')
    out += [f'<p class="note">{esc(note.in_lang(lang))}</p>' for note in exercise.execution.file_notes]
    out += _failing_cells(exercise, lang)
    out.append(_checks_table(exercise, lang))
    out.append(f"<p>{esc(report.summary_line(exercise, hidden_included=result.hidden_included, lang=lang))}</p>")
    if exercise.metrics:
        out += [f"<h3>{esc(_label('batch_metrics', lang))}</h3>",
                table([_label("batch_metrics", lang), ""], [[k, f"{v:.4g}"] for k, v in exercise.metrics.items()])]
    if exercise.curves:
        out += [f"<h3>{esc(_label('batch_curves', lang))}</h3>",
                f'<figure class="curves">{curve_svg(exercise.curves, lang)}</figure>']
    return out + ["</section>"]


def _exercise_score(exercise: ExerciseResult, adjusted, lang: str) -> str:
    """"9 / 14", or with an adjustment (``adjusted``, see :func:`render_feedback`) "10 / 14 (as graded: 9)"."""
    score = adjusted.scores.get(exercise.id, exercise.score) if adjusted is not None else exercise.score
    if score == exercise.score:
        return f"{score:g} / {exercise.max_score:g}"
    return _label("batch_exercise_adjusted", lang, adjusted=score, max_score=exercise.max_score, score=exercise.score)


def render_feedback(result: GradeResult, *, lang: str, learner: str = "", adjusted=None,
                    missing: dict[str, float] | None = None) -> str:
    """One learner's feedback page in ``lang``, with the other language one click away (both are in the page).

    ``adjusted``: a :class:`grader.adjustments.Adjusted` (adjustments by hand, the late penalty, the commit graded
    as of the deadline), shown with the score as graded and the reasons. ``missing``: the class's exercises this
    learner did not submit, with their points (batch): counted in the total's maximum and named.
    """
    other = "en" if lang == "zh-TW" else "zh-TW"
    title = _label("batch_feedback_title", lang, learner=learner or result.submission)
    body = ['<input type="radio" name="lang" id="show-primary" class="lang-switch" checked>',
            '<input type="radio" name="lang" id="show-secondary" class="lang-switch">']
    for which, language, switch in (("primary", lang, "secondary"), ("secondary", other, "primary")):
        code = "zh-Hant-TW" if language == "zh-TW" else "en"
        body += [f'<div class="lang-{which}" lang="{code}">',
                 f'<label class="switch" for="show-{switch}">{esc(_label("batch_other_language", language))}</label>',
                 *_feedback_body(result, language, learner, adjusted, "" if which == "primary" else "-" + language,
                                 missing or {}),
                 "</div>"]
    return page(title, body, lang=lang)


def _feedback_body(result: GradeResult, lang: str, learner: str, adjusted, suffix: str,
                   missing: dict[str, float]) -> list[str]:
    title = _label("batch_feedback_title", lang, learner=learner or result.submission)
    total = adjusted.total if adjusted is not None else result.score
    body = [f"<h1>{esc(title)}</h1>",
            f'<p class="score" id="total-score{suffix}">{esc(_label("batch_total", lang))}{gradebook.colon(lang)}'
            f"{total:g} / {result.max_score + sum(missing.values()):g}</p>"]
    if missing:
        said = _label("batch_missing_exercises", lang, days=", ".join(missing), points=sum(missing.values()))
        body.append(f'<p class="bad" id="missing{suffix}">{esc(said)}</p>')
    body += _adjustments_block(result, adjusted, lang, suffix)
    for exercise in result.exercises:
        body += _exercise_section(exercise, result, lang, adjusted)
    env = result.environment
    body.append(f'<p class="meta">{esc(_heading("seed", lang))} {result.seed} · {esc(device_text(env.device).in_lang(lang))} · '
                f"grader {esc(env.grader)} · {esc(result.started_at)}</p>")
    return body


def _adjustments_block(result: GradeResult, adjusted, lang: str, suffix: str) -> list[str]:
    notes = gradebook.adjustment_note(adjusted, lang)
    if not notes:
        return []
    return [f'<section class="adjusted" id="adjustments{suffix}"><h2>{esc(_label("batch_adjustments", lang))}</h2>',
            f'<p>{esc(_label("batch_original_score", lang, score=result.score, adjusted=adjusted.total))}</p>',
            "<ul>" + "".join(f"<li>{code_html(n)}</li>" for n in notes) + "</ul></section>"]


# ---------------------------------------------------------------- the class

def _gradebook_rows(summary: gradebook.ClassSummary, lang: str) -> list[list[str]]:
    rows = []
    for row in summary.rows:
        name = esc(row.learner)
        if row.status != gradebook.NOT_GRADED:
            name = f'<a href="learners/{quote(row.learner)}/feedback.html">{name}</a>'
        scores = [f"{row.scores[e]:g}" if e in row.scores else "-" for e in summary.exercises]
        rows.append([name, *scores, f"<b>{row.total:g}</b>", esc(gradebook.status_label(row.status, lang)),
                     esc(gradebook.note_text(row, lang))])
    return rows


def _roster_block(summary: gradebook.ClassSummary, lang: str) -> list[str]:
    lines = gradebook.roster_lines(summary, lang)
    if not lines:
        return []
    return [f"<h2>{esc(_label('batch_roster', lang))}</h2>",
            '<ul id="roster">' + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"]


def _adjustment_table(summary: gradebook.ClassSummary, lang: str) -> list[str]:
    rows = gradebook.adjustment_rows(summary, lang)
    if not rows:
        return []
    return [f"<h2>{esc(_label('batch_adjustments', lang))}</h2>",
            table([_label("batch_learner", lang), _label("batch_reason", lang)],
                  [[esc(learner), code_html(note)] for learner, note in rows], raw=True)]


def _similarity_block(summary: gradebook.ClassSummary, lang: str) -> list[str]:
    out = [f'<h2 id="similarity">{esc(_label("batch_similarity", lang))}</h2>',
           f'<p class="meta">{esc(_label("batch_similarity_note", lang))}</p>']
    for pair in summary.pairs:
        rows = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in pair.lines)
        out += [f'<h3 class="pair-title">{esc(gradebook.similarity_title(pair, lang))}</h3>',
                f'<table class="pair"><thead><tr><th>{esc(pair.first)}</th><th>{esc(pair.second)}</th></tr></thead>'
                f"<tbody>{rows}</tbody></table>"]
    if not summary.pairs:
        out.append(f"<p>{esc(_label('batch_similarity_none', lang))}</p>")
    return out


def render_summary(summary: gradebook.ClassSummary, *, lang: str) -> str:
    h = lambda key: esc(_label(key, lang))  # noqa: E731
    title = _label("batch_summary_title", lang)
    check_header = gradebook.check_header(lang)
    worst = summary.most_failed()
    body = [f"<h1>{esc(title)}</h1>", f'<p id="class-line">{esc(gradebook.class_line(summary, lang))}</p>',
            f"<h2>{h('batch_day_stats')}</h2>", table(gradebook.day_header(lang), gradebook.day_rows(summary)),
            *_roster_block(summary, lang),
            f"<h2>{h('batch_distribution')}</h2>",
            f'<figure id="score-histogram">{histogram_svg(summary, lang=lang)}</figure>',
            f"<h2>{h('batch_gradebook')}</h2>",
            table([_label("batch_learner", lang), *summary.exercises, _label("batch_total", lang),
                   _label("batch_status", lang), _label("batch_reason", lang)],
                  _gradebook_rows(summary, lang), raw=True),
            f"<h2>{h('batch_item_analysis')}</h2>", f"<h3>{h('batch_most_failed')}</h3>",
            table(check_header, gradebook.check_rows(worst, lang)) if worst else
            f"<p>{h('batch_none_failed')}</p>",
            f"<h3>{h('batch_mistakes')}</h3>",
            table([_label(k, lang) for k in ("batch_mistake", "batch_learners", "batch_example")],
                  [[m.name, m.learners, m.example.in_lang(lang)] for m in summary.mistakes])
            if summary.mistakes else f"<p>{h('batch_none_diagnosed')}</p>",
            f"<h3>{h('batch_pass_rates')}</h3>", table(check_header, gradebook.check_rows(summary.checks, lang))]
    body += _adjustment_table(summary, lang) + _similarity_block(summary, lang)
    if summary.not_graded:
        body += [f"<h2>{h('batch_not_graded')}</h2>",
                 table([_label("batch_learner", lang), _label("batch_reason", lang)],
                       [[learner, reason.in_lang(lang)] for learner, reason in summary.not_graded])]
    body += [f"<h2>{h('batch_run')}</h2>",
             table(["", ""], [[gradebook.run_label(k, lang), gradebook.run_value(v, lang, k)]
                               for k, v in summary.run.items()])]
    return page(title, body, lang=lang)
