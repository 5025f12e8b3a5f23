"""The course's language: zh-TW by default, full-width punctuation in Chinese text, one term per concept."""
import re

import pytest

from grader import messages

CJK = r"[\u3400-\u9fff]"
HALF_WIDTH_BESIDE_CJK = re.compile(rf"{CJK}[,:;()]|[,:;()]{CJK}")
ALL_TEXTS = {**{f"CATALOG[{k}]": v for k, v in messages.CATALOG.items()},
             **{f"STATUS_LABELS[{k}]": v for k, v in messages.STATUS_LABELS.items()},
             **{f"HEADINGS[{k}]": v for k, v in messages.HEADINGS.items()}}


def half_width_beside_cjk(zh: str) -> list[str]:
    """Half-width , : ; ( ) touching a Chinese character (code in backticks is left out: it is code)."""
    prose = re.sub(r"`[^`]*`", "`…`", zh)
    return HALF_WIDTH_BESIDE_CJK.findall(prose)


def test_the_detector_finds_half_width_punctuation_and_passes_full_width():
    assert half_width_beside_cjk("卷積核,不翻轉(互相關):") == ["核,", "轉(", "關)"]
    assert half_width_beside_cjk("偏差:加一次;") == ["差:", "次;"]
    assert half_width_beside_cjk("卷積核，不翻轉（互相關）：形狀 (3, 3) 與 `f(x, y)`") == []


@pytest.mark.parametrize("key", sorted(ALL_TEXTS))
def test_chinese_text_uses_full_width_punctuation(key):
    zh = ALL_TEXTS[key][1]
    assert half_width_beside_cjk(zh) == [], f"{key}: half-width punctuation beside Chinese text in {zh!r}"


@pytest.mark.parametrize("key", sorted(ALL_TEXTS))
def test_bias_is_always_pian_cha_never_the_standard_score_word(key):
    zh = ALL_TEXTS[key][1]
    assert "偏差值" not in zh, f"{key}: 偏差值 is a standard score; bias is 偏差: {zh!r}"


def test_with_no_choice_and_an_english_locale_the_language_is_zh_tw(monkeypatch):
    monkeypatch.delenv("GRADER_LANG", raising=False)
    for locale in ("C.UTF-8", "en_US.UTF-8", "POSIX"):
        monkeypatch.setenv("LC_ALL", locale)
        monkeypatch.setenv("LANG", locale)
        assert messages.resolve_lang(None) == "zh-TW"
    monkeypatch.setenv("GRADER_LANG", "en")
    assert messages.resolve_lang(None) == "en"
    assert messages.resolve_lang("en") == "en"


# ---------------------------------------------------------------- the reports, rendered in zh-TW

def _allowed_words() -> set[str]:
    """English words that zh-TW text legitimately keeps (the catalog's own zh-TW strings use them: "epoch",
    "bias", "channels-last", ...), plus the learner functions' names."""
    from grader import exercise as exercises

    zh = " ".join(zh for _, zh in ALL_TEXTS.values())
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", " ", zh))}
    names = {"grader", "python", "linux", "darwin", "windows"}   # the program and the platforms are names
    return words | {f for e in exercises.EXERCISES.values() for f in e.functions} | names


def english_words(rendered: str) -> list[str]:
    """Lower-case English words in a zh-TW rendering that the Chinese catalog never uses: untranslated text.
    Markup, code spans, identifiers (with _ . / - or digits), URLs and CSS/SVG internals are left out."""
    text = re.sub(r"<(style|script|svg|pre|code)\b.*?</\1>|<[^>]+>|&\w+;", " ", rendered, flags=re.S)
    text = re.sub(r"`[^`]*`|https?://\S+|\S*[_./\\\\\d]\S*|\S+-\S+", " ", text)
    allowed = _allowed_words()
    words = re.findall(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])", text)
    return sorted({w for w in words if w.lower() not in allowed})


def sample_result():
    """A day93 result with every kind of line a learner sees: checks of each status, a cell that raised, a cell
    that timed out, the environment's device line."""
    from grader import environment
    from grader.results import (CellFailure, CheckResult, Environment, Execution, ExerciseResult, GradeResult,
                                Status)

    checks = (CheckResult("feature_map_slides", Status.PASSED, 2, 2, False, "feature_map"),
              CheckResult("relu_keeps_input", Status.FAILED, 0, 1, True, "relu",
                          messages.text("relu_abs", what="relu(x)")),
              CheckResult("conv_single_step_slides", Status.NOT_ATTEMPTED, 0, 1, False, "conv_single_step",
                          messages.text("not_attempted", function="conv_single_step")))
    failures = (CellFailure(index=4, source="fmap = feature_map(IMAGE, K)\n", status=Status.ERROR, ename="ValueError",
                            evalue="(3, 4) != (3, 3)"),
                CellFailure(index=7, source="while True:\n    pass\n", status=Status.TIMEOUT,
                            ename="GraderCellTimeout", evalue="", note=messages.text("cell_timeout", seconds=60)))
    execution = Execution(notebook="day93.ipynb", cells_run=9, cells_total=9, failures=failures)
    env = Environment(grader="0.1.0", python="3.11.7", tensorflow="2.21.0", keras="3.12.0", numpy="2.1.0",
                      platform="Linux x86_64", device=environment.device())
    return GradeResult(exercises=(ExerciseResult("day93", checks, execution),), seed=5, environment=env,
                       submission="王小明", lang="zh-TW", hidden_included=True)


def test_the_english_detector_finds_an_untranslated_line_and_passes_chinese():
    assert english_words("第 3 個程式碼儲存格丟出 ValueError：missing day94") == ["missing"]
    assert english_words("CPU: 2 cores") == ["cores"]
    assert english_words("`feature_map` 的形狀應該是 (3, 3)；每個 epoch 一個值。") == []


@pytest.mark.parametrize("renderer", ["terminal", "markdown", "html"])
def test_each_report_rendered_in_zh_tw_has_no_english_sentence(renderer):
    import io

    from rich.console import Console

    from grader import html, report

    result = sample_result()
    if renderer == "terminal":
        console = Console(file=io.StringIO(), width=200, record=True)
        report.print_terminal(result, console=console)
        rendered = console.export_text()
    elif renderer == "markdown":
        rendered = report.markdown(result)
    else:
        page = html.render_feedback(result, lang="zh-TW", learner="王小明")
        rendered = page.split('<div class="lang-secondary"')[0]   # the page's English half is the other language
        assert 'lang="zh-Hant-TW"' in rendered
    assert english_words(rendered) == [], rendered[-3000:]
    assert "GraderCellTimeout" not in rendered   # an internal name, not the learner's exception


# ---------------------------------------------------------------- the notebooks' Chinese prose

def notebook_prose(exercise_id: str) -> list[str]:
    """Chinese prose of a solution notebook: markdown outside code, and code comments (`# ...`)."""
    import nbformat

    from grader import exercise as exercises

    nb = nbformat.read(exercises.get(exercise_id).solution, as_version=4)
    prose = []
    for cell in nb.cells:
        source = re.sub(r"```.*?```", " ", cell.source, flags=re.S) if cell.cell_type == "markdown" else \
            "\n".join(line.split("# ", 1)[1] for line in cell.source.splitlines() if "# " in line)
        prose += [line for line in source.splitlines() if re.search(CJK, line)]
    return prose


@pytest.mark.parametrize("exercise_id", ["day93", "day94", "day95", "day96", "day97", "day98"])
def test_notebook_chinese_prose_uses_full_width_punctuation_and_bias_is_pian_cha(exercise_id):
    lines = notebook_prose(exercise_id)
    assert lines
    assert [line for line in lines if half_width_beside_cjk(line)] == []
    assert [line for line in lines if "偏差值" in line] == []


@pytest.mark.parametrize("renderer", ["summary.md", "summary.html", "histogram"])
def test_the_class_reports_rendered_in_zh_tw_have_no_english_sentence(renderer):
    from grader import gradebook, html

    graded = gradebook.Record(learner="王小明", result=sample_result())
    missing = gradebook.Record(learner="李小華", reason="沒有找到 notebook")
    summary = gradebook.analyse([graded, missing], run={"seed": 5})
    if renderer == "summary.md":
        rendered = gradebook.to_markdown(summary, lang="zh-TW")
    elif renderer == "summary.html":
        rendered = html.render_summary(summary, lang="zh-TW").split('<div class="lang-secondary"')[0]
    else:
        rendered = html.histogram_svg(summary, lang="zh-TW")
        rendered = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", rendered))   # the chart's own words
        assert rendered.strip()
    assert english_words(rendered) == [], rendered[-3000:]


def test_the_batch_final_line_in_zh_tw_has_no_english_sentence(tmp_path):
    from grader import batch, roster

    match = roster.Match(missing=("王小明",), unknown=("hw-ghost",))
    report = batch.BatchReport(out=tmp_path, graded=("a", "b"), skipped=("c",), failed=(), wall_s=12.3, roster=match)
    line = report.line("zh-TW")
    assert "已批改 2 份" in line and "略過 1 份" in line and english_words(line) == [], line
    assert report.line("en").startswith("graded 2, skipped 1 (already graded), failed 0")
