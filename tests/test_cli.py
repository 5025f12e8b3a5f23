"""`grader grade` end to end, as a user runs it."""
import json
import shutil
import subprocess
import sys

from grader import exercise as exercises

ROOT = exercises.ROOT


def grader(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def test_grading_a_folder_of_days_prints_full_marks_and_writes_the_json(tmp_path):
    # two solution days as one learner's submission (days 97-98 train for minutes: their own tests grade them)
    submission = tmp_path / "learner"
    for day in ("day93", "day95"):
        shutil.copytree(exercises.ROOT / "solutions" / day, submission / day)
    out = tmp_path / "result.json"
    run = grader("grade", str(submission), "--json", str(out), "--seed", "4", "--lang", "en")
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    assert data["score"] == data["max_score"] > 0 and data["seed"] == 4
    assert f"Total: {data['score']:g} / {data['max_score']:g}" in run.stdout
    assert [e["id"] for e in data["exercises"]] == ["day93", "day95"]
    assert {"kernel_start_s", "notebook_s", "learner_cells_s", "checks_s"} == set(data["exercises"][0]["durations"])


def test_grading_the_stub_exits_zero_with_no_traceback():
    run = grader("grade", "exercises/day93", "--lang", "zh-TW")
    assert run.returncode == 0
    assert "總分: 0 / 14" in run.stdout and "尚未作答" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_markdown_and_json_formats_render_the_same_result():
    md = grader("grade", "solutions/day93/day93.ipynb", "--format", "md", "--seed", "1", "--lang", "en")
    assert md.returncode == 0 and md.stdout.startswith("# Total: 14 / 14")
    js = grader("grade", "solutions/day93", "--format", "json", "--seed", "1", "--public-only")
    data = json.loads(js.stdout)
    assert data["max_score"] == 5 and data["hidden_included"] is False
    assert not any(c["hidden"] for c in data["exercises"][0]["checks"])


def test_public_only_summary_says_more_checks_run_when_graded():
    run = grader("grade", "solutions/day93", "--public-only", "--lang", "en")
    assert "5 of 5 public checks passed; 6 more checks run when your work is graded." in run.stdout


def test_a_path_that_cannot_be_graded_exits_2_with_one_line(tmp_path):
    for args in (["grade", str(tmp_path / "nope")], ["grade", str(tmp_path)], ["grade", "solutions", "--lang", "fr"]):
        run = grader(*args)
        assert run.returncode == 2 and run.stdout == ""
        assert len(run.stderr.strip().splitlines()) == 1 and run.stderr.startswith("grader: ")


def test_a_console_that_cannot_encode_chinese_gets_escapes_not_a_crash(tmp_path):
    """A Windows console (cp1252) and a zh-TW report: the report is printed, unencodable characters escaped."""
    import os

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}, "PYTHONIOENCODING": "cp1252"}
    for fmt in ("terminal", "md"):
        run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "exercises/day93", "--lang", "zh-TW",
                              "--public-only", "--format", fmt], capture_output=True, cwd=ROOT, timeout=300, env=env)
        out = run.stdout.decode("cp1252")
        assert run.returncode == 0, run.stderr.decode("cp1252", errors="replace")
        assert "UnicodeEncodeError" not in out + run.stderr.decode("cp1252", errors="replace")
        assert "\\u7e3d\\u5206: 0 / 5" in out  # 總分, escaped


def test_grade_refusals_are_in_the_chosen_language(tmp_path):
    """`grader grade` said "No such file or folder" and "holds no notebook" in English under --lang zh-TW (the
    batch's refusals were translated); each refusal is in the language asked for, English with --lang en."""
    import os
    import subprocess
    import sys

    (tmp_path / "empty").mkdir()
    for path, zh, en in ((tmp_path / "nowhere", "找不到檔案或資料夾", "No such file or folder"),
                         (tmp_path / "empty", "裡沒有任何練習的 notebook", "holds no notebook of an exercise")):
        for lang, said in (("zh-TW", zh), ("en", en)):
            run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(path), "--lang", lang],
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == 2 and said in run.stderr, run.stderr
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(tmp_path), "--exercises", "day99"],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "GRADER_LANG": "en"})
    assert run.returncode == 2 and "Unknown exercise day99" in run.stderr, run.stderr
