"""Reading and finding notebooks (issue 12) and batch bookkeeping (issue 11 kind 6): encodings, copy names, the one
discovery rule at every entry point, zips made anywhere and bounded, learner ids that collide, one learner's folder."""
import io
import json
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import nbformat
import pytest

from grader import discovery, gradescope, grading, html
from grader import exercise as exercises
from grader import notebook as notebooks
from grader.notebook import read_submission
from grader.results import CheckResult, Environment, Execution, ExerciseResult, GradeResult, Status, Text
from grader.submissions import ZipLimits, _from_zip, discover, member_name
from samples import notebook_with

DAY93 = exercises.get("day93")
SOLUTION = nbformat.writes(notebook_with("day93"))
STUB = nbformat.writes(notebook_with("day93", stub=True))
COPY_NAMES = ["day93.ipynb", "Copy of day93.ipynb", "day93 (1).ipynb", "day93-Copy1.ipynb", "day93 (copy).ipynb",
              "Day93.ipynb", "day93_final.ipynb", "day93 - Copy.ipynb", "DAY93.IPYNB"]


def grader(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "GRADER_SEED": "11"})


# ---------------------------------------------------------------- encodings

ENCODINGS = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16-le", "utf-16-be": "utf-16-be", "utf-32": "utf-32-le",
             "utf-32-be": "utf-32-be"}


@pytest.mark.parametrize("codec", sorted(ENCODINGS))
def test_a_notebook_saved_with_a_bom_or_as_utf16_or_utf32_is_read_with_a_note(tmp_path, codec):
    plain, other = tmp_path / "plain.ipynb", tmp_path / "day93.ipynb"
    plain.write_text(SOLUTION, encoding="utf-8")
    data = SOLUTION.encode(codec)
    if codec.endswith("-be"):  # Python writes no byte-order mark for an explicit endianness; editors do
        data = {"utf-16-be": b"\xfe\xff", "utf-32-be": b"\x00\x00\xfe\xff"}[codec] + data
    other.write_bytes(data)
    read = read_submission(other)
    assert read.problem is None and read.cells == read_submission(plain).cells
    (note,) = read.notes
    assert ENCODINGS[codec] in note.en and "no points lost" in note.en and "不扣分" in note.zh_tw
    assert read_submission(plain).notes == ()


def test_utf16_without_a_mark_and_big5_from_a_zh_tw_editor_are_read(tmp_path):
    path = tmp_path / "day93.ipynb"
    path.write_bytes(SOLUTION.encode("utf-16-le"))
    assert read_submission(path).cells and "utf-16-le" in read_submission(path).notes[0].en
    chinese = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## 第九十三天：計算特徵圖。卷積神經網路的第一步，先用小例子確認形狀與數值是否正確。"),
        nbformat.v4.new_code_cell("# 計算特徵圖：卷積神經網路的第一步，使用補零與步長\nx = 1  # 輸出的高度與寬度")])
    path.write_bytes(nbformat.writes(chinese).encode("big5"))
    read = read_submission(path)
    assert read.problem is None and "計算特徵圖" in read.cells[0], read.notes
    assert read.notes and "UTF-8" in read.notes[0].en


def test_a_notebook_over_the_size_limit_is_refused_before_it_is_read_with_clear_outputs_advice(tmp_path, monkeypatch):
    path = tmp_path / "day93.ipynb"
    with open(path, "wb") as handle:  # 100 MB, sparse: the disk holds almost nothing
        handle.truncate(100 * 2**20)
    monkeypatch.setattr(notebooks, "decode", lambda data: pytest.fail("a file over the limit was read"))
    problem = read_submission(path).problem
    assert "100 MB, over the 50 MB limit" in problem.en
    assert "clear all outputs" in problem.en and "save, and resubmit" in problem.en
    assert "清除所有輸出" in problem.zh_tw and "重新繳交" in problem.zh_tw


def test_decode_never_raises_and_says_when_bytes_were_replaced():
    text, encoding = notebooks.decode(b"{\xff\xfe\xfd garbage")
    assert text.startswith("{") and encoding
    assert notebooks.decode(b'{"cells": []}') == ('{"cells": []}', "")


@pytest.mark.slow
def test_a_utf16_notebook_scores_full_marks_and_the_report_says_it_was_reread(tmp_path):
    path = tmp_path / "day93.ipynb"
    path.write_bytes(SOLUTION.encode("utf-16"))
    run = grader("grade", str(path), "--format", "md", "--json", str(tmp_path / "r.json"), "--lang", "en")
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["score"] == result["max_score"] == 14
    assert "saved as utf-16-le" in result["exercises"][0]["execution"]["file_notes"][0]
    assert "saved as utf-16-le" in run.stdout


# ---------------------------------------------------------------- names and the one rule

@pytest.mark.parametrize("name", COPY_NAMES + ["alice_day93.ipynb"])
def test_every_name_a_copy_gets_is_day93_for_grade_file_and_in_a_folder(tmp_path, name):
    path = tmp_path / "sub" / name
    path.parent.mkdir()
    path.write_text(SOLUTION)
    assert grading.discover(path) == [(DAY93, path)]
    assert grading.discover(path.parent) == [(DAY93, path)]
    assert discovery.notebook_for(path.parent, DAY93) == path


def test_grade_file_accepts_a_notebook_named_by_learner_like_batch_does(tmp_path):
    path = tmp_path / "dave.ipynb"
    path.write_text(SOLUTION)
    assert grading.discover(path) == [(DAY93, path)]
    with pytest.raises(grading.GradingError, match="defines none of its functions"):
        (tmp_path / "notes.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
        grading.discover(tmp_path / "notes.ipynb")


@pytest.mark.parametrize("junk", [".ipynb_checkpoints/day93-checkpoint.ipynb", ".hidden/day93.ipynb", "._day93.ipynb",
                                  "__MACOSX/day93/._day93.ipynb", "~$day93.ipynb", "day93-checkpoint.ipynb"])
def test_checkpoints_hidden_files_macosx_and_lock_files_are_never_graded(tmp_path, junk):
    path = tmp_path / "day93" / junk
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SOLUTION)
    assert discovery.find(tmp_path) == []
    assert grading.discover(tmp_path / "day93") == [(DAY93, tmp_path / "day93" / "day93.ipynb")]  # reported missing


def test_work_beats_an_untouched_stub_and_the_report_names_what_was_passed_over(tmp_path):
    (tmp_path / "day93.ipynb").write_text(STUB)
    (tmp_path / "day93 (1).ipynb").write_text(SOLUTION)
    (tmp_path / "Copy of day93.ipynb").write_text(SOLUTION.replace("YOUR CODE HERE", "x"))
    (choice,) = grading.discover_choices(tmp_path)
    assert choice.chosen.shown == "Copy of day93.ipynb" and choice.untouched == {"day93.ipynb"}
    assert [c.shown for c in choice.passed_over] == ["day93 (1).ipynb", "day93.ipynb"]
    note = discovery.note(choice)
    assert note.en == ("Graded Copy of day93.ipynb; also found and not graded: day93 (1).ipynb, day93.ipynb (an "
                       "untouched copy of the exercise: none of its functions written).")
    assert "批改的是 Copy of day93.ipynb" in note.zh_tw
    assert discovery.notebook_for(tmp_path, DAY93) == tmp_path / "Copy of day93.ipynb"


def test_a_stub_with_only_its_setup_edited_still_loses_to_the_work(tmp_path):
    """The stub's own first cell tells a learner to set GRADER_PACKAGE; one who did that in day93.ipynb and wrote
    the work in a copy had the stub graded (0 points; found by trying the grader as a learner)."""
    stub = json.loads(STUB)
    first = next(c for c in stub["cells"] if c["cell_type"] == "code")
    first["source"] = "GRADER_PACKAGE = 'git+https://example.org/course@v1'\n" + "".join(first["source"])
    (tmp_path / "day93.ipynb").write_text(json.dumps(stub))
    (tmp_path / "Copy of day93.ipynb").write_text(SOLUTION)
    (choice,) = grading.discover_choices(tmp_path)
    assert choice.chosen.shown == "Copy of day93.ipynb" and choice.untouched == {"day93.ipynb"}
    assert discovery.is_untouched_stub("day93", json.dumps(stub).encode())
    asked = [c for c in stub["cells"] if c["cell_type"] == "code" and "NotImplementedError" in "".join(c["source"])]
    asked[0]["source"] = "def relu(x):\n    return np.maximum(x, 0)"   # one function written: work
    assert len(asked) > 1 and not discovery.is_untouched_stub("day93", json.dumps(stub).encode())
    asked[0]["source"] = "".join(json.loads(STUB)["cells"][stub["cells"].index(asked[0])]["source"])
    stub["cells"].append(nbformat.v4.new_code_cell("def relu(x):\n    return np.maximum(x, 0)"))
    assert not discovery.is_untouched_stub("day93", json.dumps(stub).encode())   # written below the stub's cell


def test_among_work_the_exact_name_wins_then_the_day_folder_then_the_path(tmp_path):
    for name in ("b/day93 (1).ipynb", "day93/mine.ipynb", "a/day93.ipynb", "z/day93.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(SOLUTION)
    (choice,) = discovery.find(tmp_path)
    assert choice.chosen.shown == "a/day93.ipynb"
    assert [c.shown for c in choice.passed_over] == ["z/day93.ipynb", "b/day93 (1).ipynb", "day93/mine.ipynb"]
    os.utime(tmp_path / "z" / "day93.ipynb", (1, 1))  # modification times never decide
    assert discovery.find(tmp_path)[0].chosen.shown == "a/day93.ipynb"


def test_a_symbolic_link_in_a_submission_is_never_followed(tmp_path):
    target = tmp_path / "elsewhere.ipynb"
    target.write_text(SOLUTION)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "day93.ipynb").symlink_to(target)
    assert discovery.find(tmp_path / "sub") == []


def test_gradescope_and_pytest_find_a_copy_named_notebook(tmp_path):
    submission = tmp_path / "submission" / "hw"
    submission.mkdir(parents=True)
    (submission / "day93 (1).ipynb").write_text(SOLUTION)
    (submission / ".ipynb_checkpoints").mkdir()
    (submission / ".ipynb_checkpoints" / "day93-checkpoint.ipynb").write_text(STUB)
    assert gradescope.find_notebook(tmp_path / "submission", DAY93) == submission / "day93 (1).ipynb"
    assert gradescope.find_notebook(tmp_path / "submission", exercises.get("day94")).name == "day94.ipynb"


@pytest.mark.slow
def test_grader_grade_a_copy_named_file_scores_full_marks_and_names_what_it_passed_over(tmp_path):
    (tmp_path / "day93").mkdir()
    (tmp_path / "day93" / "day93 (1).ipynb").write_text(SOLUTION)
    (tmp_path / "day93" / "day93.ipynb").write_text(STUB)
    run = grader("grade", str(tmp_path / "day93"), "--json", str(tmp_path / "r.json"), "--lang", "en",
                 "--public-only")
    assert run.returncode == 0, run.stderr
    execution = json.loads((tmp_path / "r.json").read_text())["exercises"][0]["execution"]
    assert execution["notebook"].endswith("day93 (1).ipynb") and execution["passed_over"] == ["day93.ipynb"]
    assert "Graded day93 (1).ipynb; also found and not graded: day93.ipynb" in run.stdout
    assert "Total: 5 / 5" in run.stdout or "5 / 5" in run.stdout


# ---------------------------------------------------------------- zips

def _zip(path: Path, members: dict[str, bytes], *, links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, data)
    return path


def test_a_windows_zip_with_a_checkpoint_folder_gives_the_learners_notebook(tmp_path):
    _zip(tmp_path / "carol.zip", {
        "carol\\.ipynb_checkpoints\\day93-checkpoint.ipynb": STUB.encode(),
        "carol\\day93\\.ipynb_checkpoints\\day93-checkpoint.ipynb": STUB.encode(),
        "carol\\day93\\day93.ipynb": SOLUTION.encode()})
    (submission,) = discover(tmp_path)
    (notebook,) = submission.notebooks
    assert notebook.member == "carol\\day93\\day93.ipynb" and notebook.name == "carol/day93/day93.ipynb"
    assert submission.files() == [("day93", SOLUTION.encode())]


@pytest.mark.parametrize("name, expected", [("a\\b\\day93.ipynb", "a/b/day93.ipynb"), ("./x/day93.ipynb", "x/day93.ipynb"),
                                            ("/abs/day93.ipynb", "abs/day93.ipynb"), ("C:\\hw\\day93.ipynb", "hw/day93.ipynb"),
                                            ("../day93.ipynb", None), ("x/../../day93.ipynb", None)])
def test_zip_member_names_are_normalised_and_climbing_out_is_refused(name, expected):
    assert member_name(name) == (PurePosixPath(expected) if expected else None)


class _LegacyName(zipfile.ZipInfo):
    """A zip entry whose name is written as raw bytes without the UTF-8 flag, as zh-TW Windows tools write it."""

    def __init__(self, raw: bytes, extra: bytes = b""):
        super().__init__(raw.decode("cp437"))
        self.raw, self.extra = raw, extra

    def _encodeFilenameFlags(self):
        return self.raw, self.flag_bits & ~0x800


def _legacy_zip(path, entries: dict[bytes, bytes], extra: bytes = b"") -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for raw, data in entries.items():
            archive.writestr(_LegacyName(raw, extra), data)


@pytest.mark.parametrize("name", ["day93_林佳珮.ipynb", "許功蓋/day93.ipynb", "作業\\day93.ipynb", "day93_陳小明.ipynb"])
def test_a_big5_zip_name_is_read_as_big5_and_its_notebook_found(tmp_path, name):
    """A zh-TW Windows zip stores Big5 (cp950) names without the UTF-8 flag; zipfile reads them as cp437, and a
    character whose second byte is 0x5C (珮, 許, 功, 蓋) became a folder separator: hank.zip holding
    day93_林佳珮.ipynb had "no notebook". Names are read as Big5, and only a real backslash separates folders."""
    _legacy_zip(tmp_path / "hank.zip", {name.encode("cp950"): SOLUTION.encode()})
    (submission,) = discover(tmp_path)
    (notebook,) = submission.notebooks
    assert notebook.name == name.replace("\\", "/") and submission.files() == [("day93", SOLUTION.encode())]


def test_zip_names_utf8_without_the_flag_and_the_unicode_path_field_are_read(tmp_path):
    import struct
    import zlib

    from grader.archive import entry_name

    _legacy_zip(tmp_path / "a.zip", {"功課/day93.ipynb".encode(): b"{}"})
    raw = "x/day93.ipynb".encode("cp950")
    field = struct.pack("<HHBI", 0x7075, 5 + len("影像/day93.ipynb".encode()), 1, zlib.crc32(raw)) + "影像/day93.ipynb".encode()
    _legacy_zip(tmp_path / "b.zip", {raw: b"{}"}, extra=field)
    stale = struct.pack("<HHBI", 0x7075, 5 + 3, 1, 0) + b"bad"   # its CRC does not match the header's name
    _legacy_zip(tmp_path / "c.zip", {raw: b"{}"}, extra=stale)
    names = [entry_name(zipfile.ZipFile(tmp_path / f"{n}.zip").infolist()[0]) for n in "abc"]
    assert names == ["功課/day93.ipynb", "影像/day93.ipynb", "x/day93.ipynb"]


def test_zip_members_that_climb_out_or_are_links_are_never_read(tmp_path):
    path = _zip(tmp_path / "eve.zip", {"../day93.ipynb": SOLUTION.encode(), "day93/day93.ipynb": b"/etc/passwd"},
                links=("day93/day93.ipynb",))
    submission = _from_zip(path, "eve")
    assert submission.notebooks == () and submission.problem == "no notebook in eve.zip"


def test_a_zip_of_tens_of_thousands_of_members_is_refused_without_reading_any(tmp_path, monkeypatch):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(20_000):
            archive.writestr(f"d/{i}.ipynb", b"")
    monkeypatch.setattr(discovery, "exercise_by_functions", lambda data: pytest.fail("a member was read"))
    submission = _from_zip(path, "many")
    assert submission.problem == ("the zip holds 20000 entries, more than the 5000 a submission may have; refused "
                                  "without unpacking it")


def test_a_zip_bomb_and_a_zip_too_large_unpacked_are_refused(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"day93/day93.ipynb": b"\0" * (20 * 2**20)})
    assert "compressed more than 100 times (a zip bomb?)" in _from_zip(bomb, "b", ZipLimits(ratio=100)).problem
    assert "would unpack to more than" in _from_zip(bomb, "b", ZipLimits(total_bytes=2**20, ratio=10**6)).problem
    assert "a zip bomb?" in _from_zip(bomb, "b").problem  # zeros compress about 1030 times: over the default 1000


def test_a_zip_inside_a_zip_is_not_opened(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("day93/day93.ipynb", SOLUTION)
    path = _zip(tmp_path / "nested.zip", {"hw.zip": inner.getvalue()})
    assert _from_zip(path, "n").problem == "no notebook in nested.zip"


# ---------------------------------------------------------------- learner ids and layouts

def test_two_folders_whose_ids_collide_are_both_graded_under_distinct_ids(tmp_path):
    for name, source in (("hw-learner 7", SOLUTION), ("hw-learner_7", STUB), ("hw-amy", SOLUTION)):
        (tmp_path / name / "day93").mkdir(parents=True)
        (tmp_path / name / "day93" / "day93.ipynb").write_text(source)
    found = {s.learner: s for s in discover(tmp_path)}
    assert len(found) == 3 and found["learner_7"].source.endswith("hw-learner_7")
    (other,) = [k for k in found if k.startswith("learner_7-")]
    assert found[other].source.endswith("hw-learner 7") and found[other].files()[0][1] == SOLUTION.encode()
    assert discover(tmp_path)[0].learner == "amy"


def test_the_same_learner_in_two_layouts_is_still_one_learner(tmp_path):
    (tmp_path / "olivia_day93.ipynb").write_text(SOLUTION)
    (tmp_path / "olivia_day95.ipynb").write_text(nbformat.writes(notebook_with("day95")))
    (submission,) = discover(tmp_path)
    assert submission.learner == "olivia" and submission.exercises == ("day93", "day95")


@pytest.mark.parametrize("layout", ["day93/day93.ipynb", "exercises/day93/day93.ipynb", "day93 (1).ipynb"])
def test_batch_pointed_at_one_learners_folder_grades_it_as_one_learner(tmp_path, layout):
    alice = tmp_path / "cnn-hw-alice"
    for name in (layout, layout.replace("93", "95")):
        (alice / name).parent.mkdir(parents=True, exist_ok=True)
        (alice / name).write_text(SOLUTION if "93" in name else nbformat.writes(notebook_with("day95")))
    (alice / ".github").mkdir()
    (submission,) = discover(alice)
    assert submission.learner == "cnn-hw-alice" and submission.exercises == ("day93", "day95")


def test_a_class_folder_with_learners_named_in_day_folders_is_still_a_class(tmp_path):
    (tmp_path / "day95").mkdir()
    (tmp_path / "day95" / "trent.ipynb").write_text(SOLUTION)
    (tmp_path / "day95" / "uma.ipynb").write_text(SOLUTION)
    assert [s.learner for s in discover(tmp_path)] == ["trent", "uma"]


# ---------------------------------------------------------------- the feedback page and the class

def _result(score: float, max_score: float, message: str = "x") -> GradeResult:
    check = CheckResult(id="feature_map", status=Status.FAILED, score=score, max_score=max_score, hidden=False,
                        function="feature_map", message=Text(en=message, zh_tw=message))
    exercise = ExerciseResult(id="day93", checks=(check,), execution=Execution(notebook="day93.ipynb"))
    environment = Environment(grader="0", python="3", tensorflow="", keras="", numpy="", platform="", device="CPU")
    return GradeResult(exercises=(exercise,), seed=1, environment=environment, submission="s", lang="en")


def test_the_feedback_page_counts_and_names_the_days_not_submitted(tmp_path):
    result = _result(0.0, 14.0)
    page = html.render_feedback(result, lang="en", learner="alice", missing={"day94": 20.0, "day95": 17.0})
    assert 'id="total-score">Total score: 0 / 51</p>' in page
    assert "Not submitted: day94, day95 (0 of 37 points)" in page
    assert "未繳交：day94, day95" in page
    assert "Not submitted" not in html.render_feedback(result, lang="en", learner="alice")


def _fake_batch(monkeypatch, results: dict[str, GradeResult]):
    """``grader batch``'s grading replaced by ready results (learner -> result): the bookkeeping alone is tested."""
    from grader import batch
    from grader.job import Outcome
    from grader.results import to_json

    def grade(gradable, *, out, settings, digests, run, advance, **_):
        for s in gradable:
            batch._record(out, s, digests[s.learner], settings, Outcome(s.learner, True, to_json(results[s.learner])),
                          run)
        return {"workers": ["fake"], "scheduler": "fake"}

    monkeypatch.setattr(batch, "_grade_on_dask", grade)
    return batch


def _two_day_result(message: str = "x") -> GradeResult:
    import dataclasses

    one = _result(2.0, 14.0, message)
    day95 = dataclasses.replace(one.exercises[0], id="day95", checks=(dataclasses.replace(
        one.exercises[0].checks[0], id="pool", max_score=37.0, score=0.0),))
    return dataclasses.replace(one, exercises=(one.exercises[0], day95))


def _klass(tmp_path: Path, learners: dict[str, tuple[str, ...]]) -> Path:
    for learner, days in learners.items():
        for day in days:
            (tmp_path / "class" / f"hw-{learner}" / day).mkdir(parents=True)
            (tmp_path / "class" / f"hw-{learner}" / day / f"{day}.ipynb").write_text(SOLUTION)
    return tmp_path / "class"


def test_a_batch_feedback_page_shows_the_days_the_gradebook_says_are_missing(tmp_path, monkeypatch):
    import csv

    batch = _fake_batch(monkeypatch, {"amy": _two_day_result(), "bob": _result(2.0, 14.0)})
    out = tmp_path / "out"
    batch.run_batch(_klass(tmp_path, {"amy": ("day93", "day95"), "bob": ("day93",)}), out=out, progress=False,
                    lang="en")
    rows = {r["learner"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["bob"]["status"] == "incomplete" and rows["bob"]["note"] == "missing day95"
    page = (out / "learners" / "bob" / "feedback.html").read_text()
    assert 'id="total-score">Total score: 2 / 51</p>' in page and "Not submitted: day95 (0 of 37 points)" in page
    assert "Not submitted" not in (out / "learners" / "amy" / "feedback.html").read_text()


def test_one_learners_result_a_renderer_cannot_draw_does_not_stop_the_class(tmp_path, monkeypatch):
    import csv

    from grader import gradebook

    batch = _fake_batch(monkeypatch, {"amy": _result(14.0, 14.0), "bob": _result(0.0, 14.0, "bad \ud800 text"),
                                      "cid": _result(3.0, 14.0, "cannot draw")})
    to_markdown = gradebook.to_markdown

    def fragile(summary, **kwargs):  # a renderer that cannot draw something in cid's result
        if any(r.learner == "cid" for r in summary.rows if r.status != gradebook.NOT_GRADED):
            raise ValueError("cannot draw this value")
        return to_markdown(summary, **kwargs)

    monkeypatch.setattr(gradebook, "to_markdown", fragile)
    out = tmp_path / "out"
    report = batch.run_batch(_klass(tmp_path, {"amy": ("day93",), "bob": ("day93",), "cid": ("day93",)}), out=out,
                             progress=False, lang="en")
    rows = {r["learner"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["amy"]["total"] == "14" and rows["amy"]["status"] == "graded"
    assert rows["bob"]["status"] == "graded" and rows["bob"]["total"] == "0"  # its unwritable text replaced
    assert "bad \ufffd text" in (out / "learners" / "bob" / "feedback.html").read_text()
    assert "replaced by U+FFFD" in json.loads((out / "learners" / "bob" / "batch.json").read_text())["page_error"]
    assert rows["cid"]["status"] == "not graded"
    assert "result could not be drawn (ValueError: cannot draw this value)" in rows["cid"]["note"]
    assert (out / "summary.md").is_file() and (out / "summary.html").is_file()
    assert {learner for learner, _ in report.failed} == {"cid"} and set(report.graded) == {"amy", "bob"}
    assert "could not be drawn" in json.loads((out / "learners" / "cid" / "batch.json").read_text())["page_error"]


def test_a_corrupt_zip_entry_never_stops_discovery_and_is_graded_as_unreadable(tmp_path):
    path = _zip(tmp_path / "dan.zip", {"day93/day93.ipynb": SOLUTION.encode()})
    data = bytearray(path.read_bytes())
    start = data.index(b"day93/day93.ipynb") + len("day93/day93.ipynb")
    data[start + 10:start + 60] = b"\xff" * 50  # inside the deflated data: a CRC or inflate error when read
    path.write_bytes(bytes(data))
    (submission,) = discover(tmp_path)
    assert submission.exercises == ("day93",) and submission.files() == [("day93", b"")]
    assert submission.digest()


@pytest.mark.parametrize("clutter", ["env", "aaa_data", "data_images"])
def test_a_learners_work_is_found_whatever_else_the_folder_holds(tmp_path, monkeypatch, clutter):
    """A committed virtual environment (env/, 20,000 files and more, sorted before exercises/) used up the walk's
    cap before exercises/day93 was reached: "holds no notebook". Installed packages are never entered, and each
    level's exercise folders are walked first, so a data folder of any size does not hide the work either."""
    from grader import discovery
    from grader.grading import discover_choices

    monkeypatch.setattr(discovery, "MAX_ENTRIES", 50)
    monkeypatch.setattr(discovery, "MAX_LISTED", 200)
    (tmp_path / clutter / "deep").mkdir(parents=True)
    for i in range(60):   # files that are not notebooks count toward MAX_LISTED only (a folder of 20,000 PNGs)
        (tmp_path / clutter / f"f{i:03}.{'png' if clutter == 'data_images' else 'ipynb'}").write_text("x")
    (tmp_path / "exercises" / "day93").mkdir(parents=True)
    (tmp_path / "exercises" / "day93" / "day93.ipynb").write_text(SOLUTION)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "day94.ipynb").write_text(SOLUTION.replace("day93", "day94"))
    choices = {c.exercise: c.chosen.shown for c in discover_choices(tmp_path)}
    assert choices["day93"] == "exercises/day93/day93.ipynb"
    if clutter == "data_images":   # 60 PNGs, 2 folders and notebooks: under the caps, so notebooks/ is seen too
        assert choices.get("day94") == "notebooks/day94.ipynb", choices


def test_canvas_download_names_give_one_learner_each(tmp_path):
    """Canvas's "Download Submissions" names each file <name>[_LATE]_<user id>_<submission id>_<file>: a learner's
    two days (one resubmitted: day94-1, one late) made a learner per file."""
    for name, text in (("chenalice_12345_67890_day93.ipynb", SOLUTION), ("chenalice_LATE_12345_67891_day94-1.ipynb",
                       nbformat.writes(nbformat.read(exercises.get("day94").stub, as_version=4))),
                       ("wangbob_12346_67892_day93.ipynb", STUB)):
        (tmp_path / name).write_text(text)
    found = {s.learner: sorted(n.exercise for n in s.notebooks) for s in discover(tmp_path)}
    assert found == {"chenalice": ["day93", "day94"], "wangbob": ["day93"]}
    # two Canvas users of one name stay two learners, told apart by their user ids (they were merged into one)
    (tmp_path / "chenalice_99999_67893_day93.ipynb").write_text(STUB)
    found = {s.learner: sorted(n.exercise for n in s.notebooks) for s in discover(tmp_path)}
    assert found == {"chenalice_12345": ["day93", "day94"], "chenalice_99999": ["day93"], "wangbob": ["day93"]}


def test_a_day_asked_for_and_missing_is_reported_where_it_belongs(tmp_path):
    """`grader grade . --exercises day93` (Classroom's step) on a repository whose day93 notebook was deleted:
    graded as missing at exercises/day93/day93.ipynb, where the template keeps it (it said ./day93/day93.ipynb)."""
    (tmp_path / "exercises" / "day94").mkdir(parents=True)
    (choice,) = grading.discover_choices(tmp_path, ("day93",))
    assert Path(choice.chosen.location) == tmp_path / "exercises" / "day93" / "day93.ipynb"
    (bare,) = grading.discover_choices(tmp_path / "exercises" / "day94", ("day93",))
    assert Path(bare.chosen.location).parent.name == "day93"


def test_a_day_with_no_notebook_is_not_attempted_and_says_which_folder_was_looked_in(tmp_path):
    # every check of it read "your code raised" (status error) with "No notebook found at day93.ipynb"
    (tmp_path / "exercises" / "day94").mkdir(parents=True)
    (day,) = grading.grade(tmp_path, seed=1, lang="en", only=("day93",)).exercises
    assert day.checks and {c.status for c in day.checks} == {Status.NOT_ATTEMPTED} and day.score == 0
    assert day.max_score == 14   # the day's whole maximum still counts
    assert {c.message.en for c in day.checks} == {"No notebook found at day93/day93.ipynb."}
    assert day.execution.problem.zh_tw == "在 day93/day93.ipynb 找不到 notebook。"
