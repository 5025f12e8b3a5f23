"""The instructor's term through `grader batch` (issue 16): a GitHub Classroom download of git repositories graded
as of a deadline, only day93, a roster, adjustments by hand, a late policy, one learner regraded, the Canvas and
Moodle files, and the similarity report; the pages rendered in headless Chromium.

Small on purpose (day93 only, short notebooks, one worker): the first batch grades 7 learners, the regrade 1."""
import csv
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import platform_tools

from grader import adjustments, deadline, html, similarity
from grader.results import from_json
from samples import SAMPLES
from samples_term import AFTER, BEFORE, DUE, HONEST_OWN, OWN_STYLE, PREFIX, build_term, git, notebook_bytes

ARGS = ["--workers", "1", "--seed", "7321", "--lang", "en", "--cell-timeout", "8", "--quiet"]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update", "--window-size=1100,1400"]
BOB_LATE_S = 118860          # AFTER - DUE: 1 d 9 h 1 min


def grader(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def common(term: dict, out: Path, *extra: str, adjusting: Path | None = None) -> list[str]:
    return ["batch", str(term["classroom"]), "--out", str(out), *ARGS, "--exercises", "day93", "--due", DUE,
            "--roster", str(term["roster"]), "--adjustments", str(adjusting or term["adjustments"]), *extra]


def rows(path: Path) -> dict:
    return {r["learner"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}


def record(out: Path, learner: str) -> dict:
    return json.loads((out / "learners" / learner / "adjustments.json").read_text(encoding="utf-8"))


def snapshot(folder: Path, but: str = "") -> dict:
    """Every file's (bytes, mtime) under ``folder``, less those under ``but``."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))
            if p.is_file() and not (but and but in p.parts)}


def repositories(term: dict) -> dict:
    """What a grader must never change in a learner's repository: HEAD, the work tree, the refs."""
    found = {}
    for repo in sorted(Path(term["classroom"]).iterdir()):
        found[repo.name] = (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"),
                            git(repo, "for-each-ref"), sorted(p.name for p in repo.iterdir()))
    return found


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    return build_term(tmp_path_factory.mktemp("term"))


@pytest.fixture(scope="module")
def first(term, tmp_path_factory):
    """The term graded once: day93 only, as of the deadline, with the roster and the adjustments."""
    out = tmp_path_factory.mktemp("out") / "out"
    before = repositories(term)
    run = grader(*common(term, out))
    assert run.returncode == 0, run.stderr
    assert repositories(term) == before, "grading changed a learner's repository"
    return out, run.stderr


@pytest.fixture(scope="module")
def regraded(term, first):
    """Bob regraded alone, now with a late policy: his late commit graded, 10% per started day taken."""
    out, _ = first
    kept = snapshot(out / "learners", but="bob")
    run = grader(*common(term, out, "--learners", "bob", "--late-policy", "10%/day,max=3d"))
    assert run.returncode == 0, run.stderr
    return out, run.stderr, kept


def test_only_the_chosen_days_are_graded_and_counted(first):
    out, stderr = first
    header = next(csv.reader((out / "gradebook.csv").open(encoding="utf-8")))
    assert header == ["learner", "day93", "total", "max_total", "status", "note"]   # the repos hold day94 too
    book = rows(out / "gradebook.csv")
    assert {r["max_total"] for r in book.values()} == {"14"}
    for path in (out / "learners").glob("*/result.json"):
        assert [e.id for e in from_json(path.read_text()).exercises] == ["day93"]
    assert "graded 7, skipped 0 (already graded), failed 0" in stderr


def test_the_last_commit_before_the_deadline_is_graded_and_later_commits_marked_late(term, first):
    out, _ = first
    bob, alice = record(out, "bob")["as_of"]["day93"], record(out, "alice")["as_of"]["day93"]
    assert bob["commit"] == term["commits"]["bob"][0] and bob["late"] and bob["later_commits"] == 1
    assert bob["newest_late_s"] == BOB_LATE_S and bob["committed_at"].startswith("2026-11-30T10:00")
    assert alice["commit"] == term["commits"]["alice"][0] and not alice["late"]
    book = rows(out / "gradebook.csv")
    assert book["bob"]["day93"] == "0"   # his stub, as it was at the deadline
    assert "Late: the newest commit is 1 d 9 h 1 min after the deadline; 1 later commits were not graded" \
        in book["bob"]["note"]
    assert "Late:" not in book["alice"]["note"]
    page = (out / "learners" / "bob" / "feedback.html").read_text()
    assert "<code>conv_single_step</code> is not written yet" in page and "`conv_single_step`" not in page
    assert term["commits"]["bob"][0][:10] in page


def test_adjustments_keep_the_original_score_and_the_reason(first):
    out, _ = first
    carol = record(out, "carol")
    (line,) = carol["adjustments"]
    assert line["check"] == "feature_map_slides" and (line["before"], line["after"]) == (0.0, 1.0)
    assert line["reason"].startswith("regraded by hand") and line["by"] == "TA Lee" and line["line"] == 2
    assert carol["scores"]["day93"] == carol["original"]["day93"] + 1
    raw = from_json((out / "learners" / "carol" / "result.json").read_text())
    assert raw.score == carol["original"]["day93"]   # result.json stays as graded
    book = rows(out / "gradebook.csv")
    assert float(book["carol"]["day93"]) == carol["scores"]["day93"]
    assert "feature_map_slides: 0 -> 1 (regraded by hand: the flip was explained in her notes; by TA Lee)" \
        in book["carol"]["note"]
    assert book["alice"]["day93"] == "13" and "whole exercise: 14 -> 13 (late-night resubmission" \
        in book["alice"]["note"]
    page = (out / "learners" / "carol" / "feedback.html").read_text()
    assert 'id="adjustments"' in page and "the flip was explained in her notes" in page
    assert "人工調整" in page   # the other language is in the page too
    graded, now = carol["original"]["day93"], carol["scores"]["day93"]   # the day's heading, adjusted too
    assert f"：{now:g} / 14（批改所得：{graded:g}）</h2>" in page
    assert f": {now:g} / 14 (as graded: {graded:g})</h2>" in page


def test_the_roster_report(first):
    out, stderr = first
    assert "roster: 1 with no submission (dropped), 1 not on the roster (stranger)" in stderr
    summary = (out / "summary.md").read_text()
    assert "On the roster, no submission: dropped" in summary and "Submitted, not on the roster: stranger" in summary


def test_canvas_and_moodle_files_in_the_columns_they_import(first):
    out, _ = first
    raw = (out / "canvas.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")   # UTF-8 with a BOM, as Canvas's own export
    canvas = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "day93"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "14"]
    by_name = {r[0]: r for r in canvas[2:]}
    assert len(by_name) == 7 and "stranger" not in str(canvas)   # one row per roster learner
    assert by_name["Alice Wang"] == ["Alice Wang", "", "", "s001@school.edu.tw", "", "13"]
    assert by_name["Never Submitted"][-1] == "" and by_name["Bob Lin"][-1] == "0"
    moodle = list(csv.DictReader((out / "moodle.csv").open(encoding="utf-8")))
    assert list(moodle[0]) == ["Email address", "day93"] and len(moodle) == 7
    assert {r["Email address"]: r["day93"] for r in moodle}["s003@school.edu.tw"] == rows(out / "gradebook.csv")[
        "carol"]["day93"]


def test_the_copied_pair_is_found_and_nothing_else(first):
    out, stderr = first
    assert "similar code: day93 copier1+copier2 in" in stderr
    summary = (out / "summary.md").read_text()
    assert "### day93: copier1 and copier2, 100% alike" in summary
    assert "acc = acc + float(np.ravel(bias)[0]) | acc = acc + float(np.ravel(bias)[0])" in summary


def test_no_honest_pair_among_the_planted_samples_is_flagged():
    notebooks = {name: {"day93": notebook_bytes(functions)} for name, functions in SAMPLES["day93"].items()}
    notebooks.update({"reference": {"day93": notebook_bytes()}, "reference_too": {"day93": notebook_bytes()},
                      "stub": {"day93": notebook_bytes(stub=True)}, "honest": {"day93": notebook_bytes(HONEST_OWN)},
                      "own": {"day93": notebook_bytes(OWN_STYLE)}})
    assert similarity.report(notebooks) == []   # two copies of the reference solution: nothing left to compare
    notebooks["copy_of_own"] = {"day93": notebook_bytes(OWN_STYLE)}
    assert [(p.first, p.second) for p in similarity.report(notebooks)] == [("copy_of_own", "own")]


def test_zh_tw_feedback_tables_and_the_language_switch(first):
    out, _ = first
    result = from_json((out / "learners" / "bob" / "result.json").read_text())
    page = html.render_feedback(result, lang="zh-TW", learner="bob")
    assert "word-break:keep-all" in page and 'td class="message"' in page and 'td class="short"' in page
    assert page.index('lang="zh-Hant-TW"') < page.index('<div class="lang-secondary" lang="en">')
    assert '<label class="switch" for="show-secondary">English（英文版）</label>' in page
    assert "<code>conv_single_step</code> 還沒有完成" in page


def _dom(url: str, tmp_path: Path, name: str) -> str:
    exe = platform_tools.chromium()  # on PATH, else Debian's, installed by the test run itself
    dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / name}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    return dom.stdout


def test_summary_and_feedback_render_in_headless_chromium(first, tmp_path):
    out, _ = first
    dom = _dom((out / "summary.html").as_uri(), tmp_path, "summary")
    assert '<h3 class="pair-title">day93: copier1 and copier2, 100% alike</h3>' in dom
    assert "<td>    acc = acc + float(np.ravel(bias)[0])</td><td>    acc = acc + float(np.ravel(bias)[0])</td>" in dom
    assert "regraded by hand: the flip was explained in her notes" in dom
    assert "On the roster, no submission: dropped" in dom and "Not attempted" in dom and "Median" in dom
    dom = _dom((out / "learners" / "carol" / "feedback.html").as_uri(), tmp_path, "carol")
    assert 'id="adjustments"' in dom and "feature_map_slides: 0 -&gt; 1" in dom and "TA Lee" in dom
    assert 'for="show-secondary">中文版 (Chinese)</label>' in dom and "人工調整" in dom


def test_regrading_one_learner_leaves_every_other_file_as_it_was(term, regraded):
    out, stderr, kept = regraded
    assert "graded 1, skipped 6 (already graded)" in stderr
    assert snapshot(out / "learners", but="bob") == kept
    bob = record(out, "bob")
    late = bob["as_of"]["day93"]
    assert late["commit"] == term["commits"]["bob"][1] and late["late_s"] == BOB_LATE_S and late["later_commits"] == 0
    (penalty,) = bob["adjustments"]
    assert penalty["check"] == "late" and penalty["by"] == "late policy" and penalty["points"] == pytest.approx(-2.8)
    assert penalty["reason"] == "late by 1 d 9 h 1 min (10%/day,max=3d)"   # 2 started days: 20% of 14
    assert rows(out / "gradebook.csv")["bob"]["day93"] == "11.2"
    assert [r[-1] for r in csv.reader((out / "canvas.csv").read_text(encoding="utf-8-sig").splitlines())
            if r[0] == "Bob Lin"] == ["11.2"]


def test_an_adjustments_line_overrides_the_late_penalty(term, regraded, tmp_path):
    out, _, _ = regraded
    excused = tmp_path / "adjustments.csv"
    excused.write_text(Path(term["adjustments"]).read_text() + "bob,day93,late,,0,excused: was ill,Prof. Chang\n")
    run = grader(*common(term, out, "--late-policy", "10%/day,max=3d", adjusting=excused))
    assert run.returncode == 0, run.stderr
    assert "graded 0, skipped 7" in run.stderr
    assert rows(out / "gradebook.csv")["bob"]["day93"] == "14"
    (line,) = record(out, "bob")["adjustments"]
    assert line["reason"] == "excused: was ill" and line["line"] == 4 and line["before"] == line["after"] == 14.0


def test_an_adjustment_naming_an_unknown_learner_or_check_says_which_line(term, regraded, tmp_path):
    out, _, _ = regraded
    for bad, said in (("nobody,day93,*,,1,typo,TA\n", "unknown learner 'nobody'"),
                      ("carol,day93,no_such_check,3,,typo,TA\n", "unknown check 'no_such_check' of day93"),
                      ("carol,day99,*,3,,typo,TA\n", "unknown exercise 'day99'"),
                      ("carol,day93,*,140,,typo,TA\n", "score 140 is beyond the 14 points day93 is worth"),
                      ("carol,day93,feature_map_slides,,25,typo,TA\n", "points 25 is beyond the ")):
        wrong = tmp_path / "wrong.csv"
        wrong.write_text(Path(term["adjustments"]).read_text() + bad)
        run = grader(*common(term, out, "--late-policy", "10%/day,max=3d", adjusting=wrong))
        assert run.returncode == 2 and "wrong.csv, line 4: " + said in run.stderr, run.stderr


def test_adjustments_read_from_yaml_with_line_numbers(tmp_path):
    path = tmp_path / "adjust.yaml"
    path.write_text("- {learner: carol, exercise: day93, check: '*', points: 1, reason: neat work, by: TA}\n"
                    "- learner: bob\n  exercise: day93\n  check: relu_random\n  score: 0\n  reason: copied relu\n")
    first, second = adjustments.load(path)
    assert (first.check, first.points, first.line) == ("", 1.0, 1) and (second.score, second.line) == (0.0, 2)
    path.write_text("- {learner: carol, exercise: day93, points: 1, score: 2, reason: both}\n")
    with pytest.raises(adjustments.AdjustmentError, match=r"adjust.yaml, line 1: give either a score"):
        adjustments.load(path)


@pytest.mark.parametrize("given", ["2026-12-01", "2026-12-01T23:59", " 2026-12-01 "])
def test_a_due_without_a_zone_suggests_one_that_is_accepted(given):
    with pytest.raises(deadline.DeadlineError) as refused:
        deadline.parse_due(given)
    example = str(refused.value).rsplit("e.g. ", 1)[1]
    assert deadline.parse_due(example).utcoffset().total_seconds() == 8 * 3600, example


def test_late_policy_syntax():
    policy = deadline.parse_policy("10%/day,max=3d")
    assert policy.fraction(1) == pytest.approx(0.1) and policy.fraction(BOB_LATE_S) == pytest.approx(0.2)
    assert policy.fraction(10 * 86400) == pytest.approx(0.3) and policy.limit_s == 3 * 86400
    assert deadline.parse_policy("2%/hour,max=48h").fraction(3 * 3600 + 1) == pytest.approx(0.08)
    for bad in ("10 percent", "10%/week", "10%/day,max=3"):
        with pytest.raises(deadline.DeadlineError, match="Invalid --late-policy"):
            deadline.parse_policy(bad)
    with pytest.raises(deadline.DeadlineError, match="no time zone"):
        deadline.parse_due("2026-12-01T23:59")


def test_a_hostile_repository_is_read_without_running_hooks_or_following_links(tmp_path):
    repo = tmp_path / f"{PREFIX}mallory"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "day93").mkdir()
    (repo / "day93" / "day93.ipynb").write_bytes(notebook_bytes())
    (repo / "secret.ipynb").symlink_to("/etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x", when="2026-11-30T10:00:00+08:00")
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {tmp_path / 'pwned'}\n")
    hook.chmod(0o755)
    (repo / ".git" / "config").write_text((repo / ".git" / "config").read_text()
                                          + f"[core]\n\tfsmonitor = touch {tmp_path / 'pwned2'}\n")
    staged = tmp_path / "staged"
    late = deadline.stage_repository(repo, staged, deadline.parse_due(DUE), None)
    assert late.commit and not late.late
    assert sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*") if p.is_file()) == ["day93/day93.ipynb"]
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()


def test_file_times_mark_zips_late_and_learner_files_are_read(tmp_path):
    import zipfile

    from grader.batch import learner_list

    archive = tmp_path / "erin.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(zipfile.ZipInfo("erin/day93/day93.ipynb", date_time=(2026, 12, 2, 1, 59, 0)), notebook_bytes())
    late = deadline.by_file_time(archive, deadline.parse_due(DUE))   # the zipping machine's clock, in the due's zone
    assert late.source == "file times" and late.late and late.newest_late_s == 2 * 3600
    names = tmp_path / "regrade.txt"
    names.write_text("learner03  # asked on Monday\nlearner07\n\n")
    assert learner_list(["@" + str(names), "learner01", "learner03"]) == ("learner03", "learner07", "learner01")


def test_a_zips_own_utc_timestamps_come_before_its_clock_times(tmp_path):
    """A zip made in Taiwan at 23:00 on the due date stores 23:00 with no zone: read in the due's zone it is on
    time (read as UTC it was 7 h 1 min late and lost 10 %). The Info-ZIP extended timestamp (Unix, UTC) and the
    NTFS field (FILETIME, UTC) that zip tools add, when present, are used instead; a malformed field is skipped."""
    import struct
    import zipfile
    from datetime import datetime, timezone

    due = deadline.parse_due(DUE)
    utc = datetime(2026, 12, 1, 16, 30, tzinfo=timezone.utc)           # 00:30 +08:00: 31 min late
    filetime = int((utc - datetime(1601, 1, 1, tzinfo=timezone.utc)).total_seconds() * 10**7)
    extras = {"clock": b"", "unix": struct.pack("<HHBi", 0x5455, 5, 1, int(utc.timestamp())),
              "ntfs": struct.pack("<HHIHHQQQ", 0x000A, 32, 0, 1, 24, filetime, filetime, filetime),
              "broken": struct.pack("<HHB", 0x5455, 1, 1) + struct.pack("<HHI", 0x000A, 4, 0)}   # no time in either
    late_s = {}
    for kind, extra in extras.items():
        archive = tmp_path / f"{kind}.zip"
        with zipfile.ZipFile(archive, "w") as z:
            info = zipfile.ZipInfo("day93/day93.ipynb", date_time=(2026, 12, 1, 23, 0, 0))
            info.extra = extra
            z.writestr(info, notebook_bytes())
        late_s[kind] = deadline.by_file_time(archive, due).late_s
    assert late_s == {"clock": 0.0, "unix": 31 * 60, "ntfs": 31 * 60, "broken": 0.0}


def test_a_late_commit_makes_late_only_the_exercises_whose_notebooks_it_changed(tmp_path):
    """eve finished day93 and day94 on time, then after the deadline fixed a README typo and redid day94: with
    --late-policy, day94 (changed 1 d 9 h 1 min late) loses 20 %, day93 (the same notebook as at the deadline)
    nothing; before, the one late commit made the whole repository late and took 10-20 % of every day."""
    import contextlib
    from types import SimpleNamespace

    from grader import batch
    from grader.batch import Term
    from samples_term import commit

    repo = tmp_path / "class" / "cnn-hw-eve"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, notebook_bytes(), BEFORE, "both days")
    (repo / "README.md").write_text("typo fixed\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "readme", when=AFTER)
    (repo / "day94" / "day94.ipynb").write_bytes((repo / "day94" / "day94.ipynb").read_bytes() + b"\n")
    git(repo, "commit", "-q", "-am", "day94 again", when=AFTER)
    policy = deadline.parse_policy("10%/day,max=3d")
    plan = batch._Plan(Term(due=DUE, late_policy="10%/day,max=3d"), due=deadline.parse_due(DUE), policy=policy)
    with contextlib.ExitStack() as stack:
        (submission,), lateness = batch._discover(tmp_path / "class", tmp_path / "out", plan, stack)
    by_day = lateness[submission.learner]
    assert {d: (r.late_s, r.newest_late_s) for d, r in by_day.items()} == {
        "": (BOB_LATE_S, BOB_LATE_S), "day93": (0.0, 0.0), "day94": (BOB_LATE_S, BOB_LATE_S)}
    assert not by_day["day93"].late and by_day["day94"].late
    result = SimpleNamespace(exercises=[SimpleNamespace(id=d, score=10.0, checks=[SimpleNamespace(id="c", score=10.0)])
                                        for d in ("day93", "day94")])
    plan = replace(plan, lateness={submission.learner: by_day})
    adjusted = batch._adjust(batch.gradebook.Record(submission.learner, result=result), plan).adjusted
    assert adjusted.scores == {"day93": 10.0, "day94": 8.0}
    assert adjusted.lateness["day93"]["late"] is False and adjusted.lateness["day94"]["late_s"] == BOB_LATE_S
    # day93 moved (git mv) after the deadline, unchanged: still the work handed in on time
    (repo / "exercises").mkdir()
    git(repo, "mv", "day93", "exercises/day93")
    git(repo, "commit", "-q", "-m", "tidy", when=AFTER)
    with contextlib.ExitStack() as stack:
        (submission,), lateness = batch._discover(tmp_path / "class", tmp_path / "out", plan, stack)
    assert (lateness[submission.learner]["day93"].late_s, lateness[submission.learner]["day93"].late) == (0.0, False)
