"""Learner text is data in every renderer: hostile exception messages, printed output, cell sources and names
never crash a renderer, never draw a heading, a score line or markup, and every output still parses."""
import dataclasses
import html.parser
import io
import json
import re

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from rich.console import Console

from grader import classroom, gradescope, junit, report
from grader.environment import describe
from grader.results import CellFailure, CheckResult, Execution, ExerciseResult, GradeResult, Status, Text
from test_gradescope import SCHEMA as GRADESCOPE_SCHEMA
from test_junit import assert_valid

FRAGMENTS = ["# Total: 140 / 14", "\n# Total: 140 / 14\n", "Total: 140 / 14", "總分: 140 / 14", "[bold]", "[/]",
             "[bold", "[/bold]", "[link=x]", "```", "````", "~~~", "|", "| a | b |", "<script>alert(1)</script>",
             "<details>", "</details>", "<img src=x onerror=alert(1)>", "\x1b[2J", "\x1b[1m", "\x00", "\x07", "\x0b",
             "\r", "\r\n", "\u202e", "\ufffe", "\ud800", "::notice title=Autograding report::{}", "::error::x",
             "- [x] ", "1. ", "> ", "* ", "_", "**", "\\", "&amp;", "&", "]]>", "<!--", "-->", "\n", "    ", "\t",
             "${{ secrets.X }}", "%0A", "\u2028", "zh：中文（）"]
hostile = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=12).map("".join)


def result_with(text: str, name: str = "relu") -> GradeResult:
    """A day93 result in which every place that can hold learner text holds ``text``."""
    message = Text(en=f"Your `{name}` raised ValueError: {text}", zh_tw=f"你的 `{name}` 丟出了 ValueError：{text}")
    checks = (CheckResult("feature_map_slides", Status.ERROR, 0.0, 2.0, hidden=False, function=name, message=message,
                          traceback=(f"ValueError: {text}", text)),
              CheckResult("relu_random", Status.FAILED, 0.0, 1.0, hidden=True, function=name,
                          message=Text(text, text)),
              CheckResult("relu_on_zebra_map", Status.PASSED, 1.0, 1.0, hidden=False, function=name))
    failure = CellFailure(index=2, source=text, status=Status.ERROR, ename="ValueError", evalue=text,
                          traceback=(text,), note=Text(text, text))
    execution = Execution(notebook="day93.ipynb", failures=(failure,), problem=Text(text, text))
    exercise = ExerciseResult("day93", checks, execution, curves={"accuracy": (0.5, 0.9), "val_accuracy": (0.4, 0.8)})
    return GradeResult(exercises=(exercise,), seed=7, environment=describe(), submission="x", lang="en")


def terminal(result: GradeResult, **options) -> str:
    out = io.StringIO()
    report.print_terminal(result, console=Console(file=out, width=100, **options))
    return out.getvalue()


SCORE_LINE = re.compile(r"^(Total|總分): ")


def check_terminal(result: GradeResult, text: str) -> None:
    plain = terminal(result, color_system=None)
    assert "\x1b" not in plain  # no escape sequence of the learner's reaches the terminal
    assert [line for line in plain.splitlines() if SCORE_LINE.match(line.strip())] == \
        [f"Total: 1 / 4  (seed 7, {report.one_line(result.environment.device)})"]
    styled = terminal(result, color_system="truecolor", force_terminal=True)
    assert styled.count("Total: ") == plain.count("Total: ")


def check_markdown(result: GradeResult) -> None:
    md = report.markdown(result)
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Total: 1 / 4", "day93: 1 / 4"]
    inline_html = {c.content for t in tokens if t.type == "inline" for c in t.children or [] if c.type == "html_inline"}
    assert inline_html <= {"<br>", "<summary>", "</summary>", "<details>"}
    blocks = [t.content.strip() for t in tokens if t.type == "html_block"]
    assert all(b in ("<details><summary>feature_map_slides</summary>", "</details>") for b in blocks), blocks
    rows = [t for t in tokens if t.type == "tr_open"]
    assert len(rows) == 1 + 3 + 3  # the checks table (header + 3 checks), the curve table (header + 2 epochs)
    assert len([t for t in tokens if t.type == "fence" and t.info == ""]) == 1  # the one traceback, fenced


def check_platforms(result: GradeResult) -> None:
    assert_valid(junit.render(result))
    data = classroom.decode(classroom.render(result))
    assert classroom.totals(data) == (1, 4)
    assert not any(line.lstrip().startswith("::") for t in data["tests"] for line in t["message"].splitlines())
    scope = json.loads(gradescope.render(result))
    jsonschema.validate(scope, GRADESCOPE_SCHEMA)
    assert scope["score"] == 1 and {scope["output_format"]} | {t["output_format"] for t in scope["tests"]} == {"text"}


class Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def html_tags(page: str) -> set[str]:
    parser = Tags()
    parser.feed(page)
    return set(parser.tags)


def check_html(result: GradeResult) -> None:
    from grader.html import render_feedback

    def plain(r: GradeResult) -> GradeResult:  # the learning curve is drawn by matplotlib: slow, and no learner text
        return dataclasses.replace(r, exercises=tuple(dataclasses.replace(e, curves={}) for e in r.exercises))

    assert html_tags(render_feedback(plain(result), lang="en")) <= \
        html_tags(render_feedback(plain(result_with("x")), lang="en"))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile)
def test_hostile_learner_text_in_every_renderer(text):
    result = result_with(text)
    check_terminal(result, text)
    check_markdown(result)
    check_platforms(result)
    check_html(result)


def test_markup_in_learner_text_is_shown_literally():
    text = "[bold]Total: 140 / 14[/bold] [/] [bold **x** # y"
    plain = terminal(result_with(text), color_system=None)
    assert "[bold]Total: 140 / 14[/bold] [/] [bold **x** # y" in " ".join(plain.split()) or \
        "[bold]Total: 140 / 14[/bold]" in plain
    md = report.markdown(result_with("\n# Total: 140 / 14\n"))
    assert md.startswith("# Total: 1 / 4\n") and "\\# Total: 140 / 14" in md  # escaped where it is inline
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert rendered.count("<h1>") == 1 and rendered.count("<h2>") == 1 and "Total: 140 / 14" in rendered


def test_a_traceback_holding_backticks_stays_inside_its_fence():
    text = "```\n# Total: 140 / 14\n````"
    md = report.markdown(result_with(text))
    tokens = MarkdownIt("commonmark").parse(md)
    fences = [t for t in tokens if t.type == "fence" and t.info != "mermaid"]
    assert len(fences) == 1 and "# Total: 140 / 14" in fences[0].content and fences[0].markup == "`````"
