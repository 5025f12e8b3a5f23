"""The course's language: zh-TW by default, full-width punctuation in Chinese text, one term per concept."""
import json
import re
import shutil
import subprocess
import sys

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
    zh = re.sub(r"\{[^}]*\}|--\S+|\S*/\S*", " ", zh)   # fields, options (--late-policy) and paths are not prose
    words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", zh)}
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
    summary = gradebook.analyse([graded, missing], run={"seed": 5, "cell_timeout_s": None, "timeout_s": None})
    if renderer == "summary.md":   # limits not given: "the default", never Python's None
        rendered = gradebook.to_markdown(summary, lang="zh-TW")
        assert "- 儲存格時間上限（秒）：預設值" in rendered and "- 每份作業時間上限（秒）：預設值" in rendered
    elif renderer == "summary.html":
        rendered = html.render_summary(summary, lang="zh-TW").split('<div class="lang-secondary"')[0]
    else:
        rendered = html.histogram_svg(summary, lang="zh-TW")
        rendered = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", rendered))   # the chart's own words
        assert rendered.strip()
    assert english_words(rendered) == [] and "None" not in rendered, rendered[-3000:]


def test_the_batch_final_line_in_zh_tw_has_no_english_sentence(tmp_path):
    from grader import batch, roster

    match = roster.Match(missing=("王小明",), unknown=("hw-ghost",))
    report = batch.BatchReport(out=tmp_path, graded=("a", "b"), skipped=("c",), failed=(), wall_s=12.3, roster=match)
    line = report.line("zh-TW")
    assert "已批改 2 份" in line and "略過 1 份" in line and english_words(line) == [], line
    assert report.line("en").startswith("graded 2, skipped 1 (already graded), failed 0")


# ---------------------------------------------------------------- a real `grader batch`, in zh-TW and in English

# --timeout (wall time, counted from a warm grader's start of the job, after its imports): the never-ending learner
# is stopped here (his cell sleeps: its own limit, 600 s of CPU time, never comes). alice's job (two gradings, day93
# and day95) takes about 10 s on an idle 2-core machine; it once passed 30 s in CI under load (while the grader's
# own import of Keras was still counted in it, as it no longer is: tests/test_worker.py).
JOB_LIMIT_S = 60   # aaron's never-ending job waits it out (asleep: the other tests have the cores meanwhile)
RERUN_LIMIT_S = 8     # the rerun in English grades no honest learner: only the never-ending one, stopped again
NAMES = {"alice", "bob", "aaron", "peggy", "stranger", "dropped"}   # the learners' ids are names, not English


def untranslated(text: str) -> list[str]:
    """English words (less the learners' names) and half-width punctuation beside Chinese text (less code)."""
    prose = re.sub(r"<(pre|code)\b.*?</\1>|`[^`]*`", " ", text, flags=re.S)
    return [w for w in english_words(text) if w.lower() not in NAMES] + half_width_beside_cjk(prose)


def _build_language_class(root):
    """A small class as of a deadline: ``alice`` honest and on time (day93 and day95), ``bob`` late (day93),
    ``aaron`` a cell that never ends (the job is stopped at its time limit), ``peggy`` no notebook, ``stranger``
    not on the roster, ``dropped`` on the roster with no submission. Returns (class folder, roster)."""
    import nbformat

    from samples import SAMPLES, notebook_with
    from samples_batch import NEVER_ENDS
    from samples_term import AFTER, BEFORE, PREFIX, git

    folder = root / "class"

    def repository(learner, notebooks, when):
        repo = folder / f"{PREFIX}{learner}"
        for exercise_id, nb in notebooks.items():
            (repo / exercise_id).mkdir(parents=True)
            nbformat.write(nb, repo / exercise_id / f"{exercise_id}.ipynb")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "work", when=when)

    repository("alice", {"day93": notebook_with("day93"), "day95": notebook_with("day95")}, BEFORE)
    repository("bob", {"day93": notebook_with("day93")}, AFTER)
    repository("aaron", {"day93": notebook_with("day93", insert={1: NEVER_ENDS})}, BEFORE)
    repository("stranger", {"day93": notebook_with("day93", functions=SAMPLES["day93"]["off_by_one"])}, BEFORE)
    (folder / f"{PREFIX}peggy").mkdir()
    (folder / f"{PREFIX}peggy" / "README.md").write_text("# my homework\n")
    roster = root / "roster.csv"
    roster.write_text("identifier,github_username,github_id,name\n" + "".join(
        f"s00{i}@school.edu.tw,{name},100{i},{name.title()}\n"
        for i, name in enumerate(("alice", "bob", "aaron", "peggy", "dropped"), 1)), encoding="utf-8")
    return folder, roster


def _grader_batch(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", *map(str, args)], capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """The class graded by the CLI once, in zh-TW (progress bar on), then the same command again with ``--lang en``
    (and a shorter ``--timeout``, which does not change a grade) on a copy of that output: lang -> (its output
    folder, everything it printed). The second run grades only the learners who could not be graded (aaron's job is
    stopped again, peggy is refused again) and writes every file in English from the stored results."""
    from samples_term import DUE

    root = tmp_path_factory.mktemp("language-batch")
    folder, roster = _build_language_class(root)
    done = {}
    for lang in ("zh-TW", "en"):
        out = root / f"out-{lang}"
        if lang == "en":
            shutil.copytree(root / "out-zh-TW", out)
        run = _grader_batch(folder, "--out", out, "--lang", lang, "--workers", "2", "--seed", "7321",
                            "--cell-timeout", "600", "--timeout", JOB_LIMIT_S if lang == "zh-TW" else RERUN_LIMIT_S,
                            "--due", DUE,
                            "--late-policy", "10%/day,max=3d", "--roster", roster)
        assert run.returncode == 1, run.stdout + run.stderr   # 1: some learners could not be graded
        done[lang] = out, run.stdout + run.stderr
    return done


def _people_files(out) -> dict[str, str]:
    """What the batch wrote for people to read: the summaries, the histogram's words, the gradebook's notes and
    every feedback page (its first language; the other one is behind the page's switch)."""
    import csv

    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    files = {"summary.md": (out / "summary.md").read_text(encoding="utf-8"),
             "summary.html": (out / "summary.html").read_text(encoding="utf-8"),
             "score_histogram.svg": " ".join(re.findall(r"<text[^>]*>([^<]*)</text>",
                                                        (out / "score_histogram.svg").read_text(encoding="utf-8"))),
             "gradebook.csv notes": "\n".join(r["note"] for r in rows)}
    for page in sorted(out.glob("learners/*/feedback.html")):
        files[f"{page.parent.name}/feedback.html"] = page.read_text(encoding="utf-8").split(
            '<div class="lang-secondary"')[0]
    return files


def test_a_real_batch_in_zh_tw_prints_and_writes_no_english_sentence(batches):
    out, printed = batches["zh-TW"]
    assert untranslated(printed) == [], printed[-3000:]
    assert f"超過時間上限 {JOB_LIMIT_S} 秒，已被停止" in printed
    assert "cnn-hw-peggy 裡沒有任何 notebook" in printed and "不在名單上（stranger）" in printed
    assert "失敗" in printed and "預計剩餘" in printed and "批改中" in printed   # the progress bar
    files = _people_files(out)
    assert {"alice/feedback.html", "bob/feedback.html", "stranger/feedback.html"} <= set(files)
    for name, text in files.items():
        assert untranslated(text) == [], f"{name}: {text[-3000:]}"
    notes = files["gradebook.csv notes"]
    assert "缺交 day95" in notes and "遲交 1 天 9 小時 1 分鐘（10%/day,max=3d）" in notes
    assert f"超過時間上限 {JOB_LIMIT_S} 秒" in notes and "調整者：遲交規則" in notes
    assert "- 排程器：本機" in files["summary.md"] and "亂數種子" in files["summary.html"]
    state = json.loads((out / "learners" / "aaron" / "batch.json").read_text(encoding="utf-8"))
    assert state["reasons"] == {"en": f"timed out after {JOB_LIMIT_S} s and was stopped",
                                "zh-TW": f"超過時間上限 {JOB_LIMIT_S} 秒，已被停止"}


def test_the_same_batch_in_english_says_it_in_english(batches):
    out, printed = batches["en"]
    assert f"aaron: timed out after {RERUN_LIMIT_S} s and was stopped" in printed
    assert "peggy: no notebook in cnn-hw-peggy" in printed and "not on the roster (stranger)" in printed
    assert "ETA" in printed and "grading" in printed
    files = _people_files(out)
    notes = files["gradebook.csv notes"]
    assert "missing day95" in notes and "late by 1 d 9 h 1 min (10%/day,max=3d); by late policy" in notes
    assert "- scheduler: local" in files["summary.md"] and "Not graded" in files["summary.html"]
    assert not re.search(CJK, printed + notes + files["summary.md"])
    zh_out, _ = batches["zh-TW"]   # the very same grades in either language
    assert (out / "moodle.csv").read_text() == (zh_out / "moodle.csv").read_text()


def test_a_rerun_in_the_other_language_regrades_no_one_graded_and_rewrites_every_page(batches):
    out, printed = batches["en"]
    assert "graded 0, skipped 3 (already graded), failed 2" in printed, printed[-3000:]
    zh_out, _ = batches["zh-TW"]
    for learner in ("alice", "bob", "stranger"):   # the stored results, untouched; the pages, in English now
        assert (out / "learners" / learner / "result.json").read_bytes() == \
            (zh_out / "learners" / learner / "result.json").read_bytes()
        page = (out / "learners" / learner / "feedback.html").read_text(encoding="utf-8")
        assert '<html lang="en">' in page and '<html lang="en">' not in \
            (zh_out / "learners" / learner / "feedback.html").read_text(encoding="utf-8")


def test_a_reason_stored_as_a_string_by_an_earlier_run_still_renders_in_either_language():
    from grader import gradebook
    from grader.results import Text

    old = gradebook.reason_text("timed out after 8 s and was stopped")
    assert old == Text("timed out after 8 s and was stopped", "超過時間上限 8 秒，已被停止")
    late = gradebook.reason_text("no commit before the deadline (the first is 1 d 9 h 1 min late)")
    assert late.zh_tw == "截止時間之前沒有任何提交（最早的一個晚了 1 天 9 小時 1 分鐘）"
    assert gradebook.reason_text("") == messages.text("batch_reason_not_graded")
    assert gradebook.reason_text("an instructor's own words") == Text("an instructor's own words",
                                                                     "an instructor's own words")
    stored = {"en": "x", "zh-TW": "乙"}
    assert gradebook.reason_text(stored) == Text("x", "乙")
    row = gradebook.analyse([gradebook.Record("amy", reason="no notebook in hw-amy")]).rows[0]
    assert gradebook.note_text(row, "zh-TW") == "hw-amy 裡沒有任何 notebook"
    assert gradebook.note_text(row, "en") == "no notebook in hw-amy"


# ---------------------------------------------------------------- options that stop `grader batch` before it grades

FILE_WORDS = {"identifier", "name", "student", "email"}   # roster columns, expected and found: the files' own words


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """``grader batch`` stopped by each malformed option file, in zh-TW and in English: (case, lang) -> (exit
    status, what it printed). Each fails before any grading."""
    from samples import notebook_with
    import nbformat

    from samples_term import DUE

    root = tmp_path_factory.mktemp("refusals")
    folder = root / "class"
    folder.mkdir()
    nbformat.write(notebook_with("day93"), folder / "alice_day93.ipynb")
    (root / "roster.csv").write_text("student,email\nA1,a@school.edu.tw\n", encoding="utf-8")
    (root / "neither.csv").write_text("learner,exercise,check,score,points,reason,by\n"
                                      "alice,day93,*,,,forgot the flip,TA Lee\n", encoding="utf-8")
    (root / "unknown.csv").write_text("learner,exercise,check,score,points,reason,by\n"
                                      "ghost7,day93,*,1,,kind words,TA Lee\n", encoding="utf-8")
    cases = {"roster": ["--roster", root / "roster.csv"], "roster_missing": ["--roster", root / "none.csv"],
             "due": ["--due", "2026-12-01T23:59"], "policy": ["--due", DUE, "--late-policy", "10%"],
             "adjustments": ["--adjustments", root / "neither.csv"],
             "adjustments_learner": ["--adjustments", root / "unknown.csv"],
             "workers": ["--workers", "0"]}
    done = {}
    for lang in ("zh-TW", "en"):
        for case, args in cases.items():
            run = _grader_batch(folder, "--out", root / f"out-{case}-{lang}", "--lang", lang, "--quiet", *args)
            done[case, lang] = run.returncode, run.stdout + run.stderr
    return done


@pytest.mark.parametrize("case", ["roster", "roster_missing", "due", "policy", "adjustments", "adjustments_learner",
                                  "workers"])
def test_a_batch_stopped_by_a_malformed_option_says_why_in_zh_tw_and_in_english(refusals, case):
    english = {"roster": "is not a GitHub Classroom roster: it needs the columns",
               "roster_missing": "Cannot read the roster", "due": "has no time zone; add one",
               "policy": "Invalid --late-policy '10%'; write e.g.",
               "adjustments": "neither.csv, line 2: give either a score (the new score) or points (added)",
               "adjustments_learner": "unknown.csv, line 2: unknown learner 'ghost7'",
               "workers": "Invalid number of workers 0"}[case]
    chinese = {"roster": "不是 GitHub Classroom 的名單", "roster_missing": "檔案不存在", "due": "沒有時區",
               "policy": "無效的 --late-policy", "adjustments": "neither.csv 第 2 行：請給 score",
               "adjustments_learner": "unknown.csv 第 2 行：沒有 'ghost7' 這位學員", "workers": "無效的工作程序數 0"}[case]
    status, printed = refusals[case, "zh-TW"]
    assert status == 2 and chinese in printed, printed
    assert [w for w in untranslated(printed) if w.lower() not in FILE_WORDS] == [], printed
    assert "Traceback" not in printed
    status, printed = refusals[case, "en"]
    assert status == 2 and english in printed and not re.search(CJK, printed), printed


def test_an_interrupted_batch_says_so_in_its_language(monkeypatch, capsys, tmp_path):
    from grader import batch, cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupted)
    for lang, said in (("zh-TW", "grader: 已中斷；已寫出的檔案都是完整的。"), ("en", "grader: interrupted; every file")):
        args = cli._parser().parse_args(["batch", str(tmp_path), "--out", str(tmp_path / "out"), "--lang", lang])
        assert cli._batch(args) == 130
        printed = capsys.readouterr().err
        assert printed.startswith(said), printed
        assert (untranslated(printed) == []) == (lang == "zh-TW"), printed


def test_submissions_and_deadlines_say_why_in_both_languages_and_the_digest_keeps_the_english(tmp_path):
    from datetime import timedelta

    from grader import deadline, gradebook
    from grader.submissions import discover
    from samples_term import AFTER, DUE, git

    folder = tmp_path / "class"
    (folder / "hw-amy").mkdir(parents=True)
    (folder / "hw-amy" / "README.md").write_text("# notes\n")
    (folder / "hw-eve.zip").write_bytes(b"not a zip at all")
    amy, eve = discover(folder)
    assert amy.reason == messages.text("batch_reason_no_notebook", source="hw-amy")
    assert amy.problem == "no notebook in hw-amy"    # the digest's own words, as before
    assert eve.reason.zh_tw.startswith("無法開啟這個 zip：") and eve.problem == eve.reason.en
    repo = tmp_path / "late"
    repo.mkdir()
    (repo / "day93.ipynb").write_text("{}")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "work", when=AFTER)
    sha, late = deadline.choose_commit(repo, deadline.parse_due(DUE), None)
    first_late = deadline.duration_text(timedelta(days=1, hours=9, minutes=1).total_seconds())
    assert sha == "" and late.problem == messages.text("batch_reason_no_commit_before", late=first_late)
    assert late.problem.zh_tw == "截止時間之前沒有任何提交（最早的一個晚了 1 天 9 小時 1 分鐘）"
    stored = json.loads(json.dumps(late.as_dict()))   # as adjustments.json keeps it
    assert gradebook.lateness_lines(stored, "zh-TW")[-1] == late.problem.zh_tw
    assert gradebook.lateness_lines(stored, "en")[-1] == \
        "no commit before the deadline (the first is 1 d 9 h 1 min late)"
