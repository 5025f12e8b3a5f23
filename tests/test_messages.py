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
