import re
import string

import pytest

from grader import messages


def fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(messages.CATALOG))
def test_every_message_exists_in_both_languages_with_the_same_fields(key):
    en, zh = messages.CATALOG[key]
    assert en.strip() and zh.strip()
    assert fields(en) == fields(zh)
    assert re.search(r"[\u4e00-\u9fff]", zh), "the zh-TW text should be Chinese"


def test_language_comes_from_the_option_then_env_then_the_course_language(monkeypatch):
    monkeypatch.delenv("GRADER_LANG", raising=False)
    monkeypatch.setenv("LC_ALL", "zh_TW.UTF-8")
    assert messages.resolve_lang(None) == "zh-TW"
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    assert messages.resolve_lang(None) == "zh-TW"   # the locale never decides: the course is in zh-TW
    monkeypatch.setenv("GRADER_LANG", "zh-tw")
    assert messages.resolve_lang(None) == "zh-TW"
    assert messages.resolve_lang("en") == "en"


def test_an_invalid_language_says_where_it_came_from(monkeypatch):
    monkeypatch.setenv("GRADER_LANG", "klingon")
    with pytest.raises(ValueError, match="GRADER_LANG environment variable"):
        messages.resolve_lang(None)


def test_a_field_too_long_is_cut_and_says_how_much_more_there_was():
    """A learner's history of 200,000 keys made a 3.5 MB message in each language (22 MB of result.json)."""
    keys = ", ".join(f"k{i}" for i in range(200_000))
    said = messages.text("history_no_accuracy", keys=keys)
    template_en, template_zh = messages.CATALOG["history_no_accuracy"]
    assert len(said.en) < len(template_en) + messages.MAX_FIELD_CHARS + 100
    assert len(said.zh_tw) < len(template_zh) + messages.MAX_FIELD_CHARS + 100
    assert f"({len(keys) - messages.MAX_FIELD_CHARS} more characters)" in said.en
    assert f"另有 {len(keys) - messages.MAX_FIELD_CHARS} 個字元" in said.zh_tw
    short = messages.text("history_no_accuracy", keys="loss, val_loss")
    assert "loss, val_loss" in short.en and "more characters" not in short.en


def test_the_public_summary_counts_one_hidden_check_in_the_singular():
    # check("build_head") on day98, which has one hidden check of that function, said "1 more checks run"
    one = messages.public_summary(passed=1, total=1, hidden=1)
    assert one.en == "1 of 1 public checks passed; 1 more check runs when your work is graded."
    assert one.zh_tw == "公開檢查通過 1 / 1 項；正式批改時還會再執行 1 項檢查。"
    many = messages.public_summary(passed=0, total=5, hidden=6)
    assert many.en.endswith("; 6 more checks run when your work is graded.")


@pytest.mark.parametrize("left, en, zh_tw", [
    (0, "no cell was left to run.", "已沒有未執行的儲存格。"),   # the cell that stopped it was the last
    (1, "1 cell did not run.", "還有 1 個儲存格沒有執行。"),
    (7, "7 cells did not run.", "還有 7 個儲存格沒有執行。"),
])
def test_a_notebook_stopped_part_way_counts_the_cells_left_in_words(left, en, zh_tw):
    # a kernel lost at the last cell said "0 cells did not run"
    from grader import session

    for failure in (session._stopped(5, left, "time_budget_spent", seconds=60),
                    session._stopped(5, left, "kernel_gave_up", restarts=3),
                    session._stopped(5, left, "kernel_over_disk"),
                    session._stopped(5, left, "replay_time_spent", seconds=60)):
        assert failure.note.en.endswith("; " + en) and failure.note.zh_tw.endswith("；" + zh_tw), failure.note
