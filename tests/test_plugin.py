"""The learner's path: `pytest exercises/day93`, run with pytester as a learner would run it."""
import shutil

from grader import exercise as exercises

DAY93 = exercises.get("day93")


def learner_copy(pytester, notebook):
    folder = pytester.path / "exercises" / "day93"
    folder.mkdir(parents=True)
    shutil.copy(DAY93.public_checks, folder)
    shutil.copy(notebook, folder / "day93.ipynb")
    return folder


def test_untouched_stub_fails_every_public_check_as_not_attempted(pytester):
    folder = learner_copy(pytester, DAY93.stub)
    result = pytester.runpytest_subprocess(str(folder), "--grader-lang", "en", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=5)
    result.stdout.fnmatch_lines(["*`feature_map` is not written yet*",
                                 "*0 of 5 public checks passed; 6 more checks run when your work is graded*"])
    result.stdout.no_fnmatch_line("*expect_array*")


def test_solution_passes_and_the_summary_does_not_say_all_passed(pytester):
    folder = learner_copy(pytester, DAY93.solution)
    result = pytester.runpytest_subprocess(str(folder), "--grader-lang", "zh-TW", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*公開檢查通過 5 / 5 項；正式批改時還會再執行 6 項檢查*"])


def test_notebook_option_checks_another_notebook(pytester):
    folder = learner_copy(pytester, DAY93.stub)
    result = pytester.runpytest_subprocess(str(folder), "--grader-notebook", str(DAY93.solution))
    result.assert_outcomes(passed=5)


def test_bad_option_values_are_rejected_with_their_source(pytester, monkeypatch):
    folder = learner_copy(pytester, DAY93.stub)
    monkeypatch.setenv("GRADER_LANG", "xx")
    result = pytester.runpytest_subprocess(str(folder))
    result.stderr.fnmatch_lines(["*Invalid language 'xx' from the GRADER_LANG environment variable*"])
    monkeypatch.delenv("GRADER_LANG")
    result = pytester.runpytest_subprocess(str(folder), "--grader-seed", "abc")
    result.stderr.fnmatch_lines(["*Invalid seed 'abc' from the --grader-seed option*"])


def test_other_tests_are_left_alone_by_the_plugin(pytester):
    pytester.makepyfile("def test_plain():\n    assert 1 == 2, 'plain message'\n")
    result = pytester.runpytest_subprocess()
    result.stdout.fnmatch_lines(["*AssertionError: plain message*"])


def test_a_keras_day_shows_no_tensorflow_log_lines_in_the_learners_output(pytester, monkeypatch):
    for name in ("TF_CPP_MIN_LOG_LEVEL", "CUDA_VISIBLE_DEVICES", "GRADER_LANG"):
        monkeypatch.delenv(name, raising=False)
    folder = pytester.path / "exercises" / "day96"
    folder.mkdir(parents=True)
    (folder / "test_day96.py").write_text(
        "import keras\n\n\ndef test_uses_tensorflow():\n    assert float(keras.ops.sum(keras.ops.ones(3))) == 4\n")
    result = pytester.runpytest_subprocess(str(folder), "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)   # a failing check: pytest shows its captured stderr too
    noise = ("absl::InitializeLog", "cuInit", "cudart_stub", "oneDNN custom operations", "cpu_feature_guard")
    shown = result.outlines + result.errlines
    assert [line for line in shown if any(n in line for n in noise)] == [], "\n".join(shown[-40:])
