"""Bad submissions get a clear report and never crash the grader; the rest of the notebook is still graded."""
import dataclasses
import json
import re
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader import exercise as exercises
from grader import pool
from grader.grading import grade
from grader.results import Status
from grader.session import Session
from samples import notebook_with, write

pytestmark = pytest.mark.usefixtures("warm_kernels")  # each grading finds its kernel launched (conftest.py)

SEED = 7
FORK_THEN_LOOP = """import os, time
for _ in range(3):
    if os.fork() == 0:
        time.sleep(3600)
while True:
    pass"""


def statuses(result):
    return {c.status for e in result.exercises for c in e.checks}


def test_notebook_that_is_not_json_gets_a_clear_error_on_every_check(tmp_path):
    path = tmp_path / "day93.ipynb"
    path.write_text("{ this is not json", encoding="utf-8")
    result = grade(path, seed=SEED)
    exercise = result.exercises[0]
    assert exercise.execution.problem is not None and "not valid JSON" in exercise.execution.problem.en
    assert result.score == 0 and statuses(result) == {Status.ERROR}
    assert all("not valid JSON" in c.message.en for c in exercise.checks)


def test_empty_notebook_is_reported_as_having_no_code(tmp_path):
    path = tmp_path / "day93.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    result = grade(path, seed=SEED)
    assert "no code cells" in result.exercises[0].execution.problem.en
    assert result.score == 0 and len(result.exercises[0].checks) == 11


def test_cell_that_never_ends_is_stopped_and_the_other_functions_still_graded(tmp_path):
    nb = notebook_with("day93", insert={2: "while True:\n    pass"})
    result = grade(write(tmp_path, "loop", "day93", nb), seed=SEED, cell_timeout_s=3)
    execution = result.exercises[0].execution
    assert [f.status for f in execution.failures] == [Status.TIMEOUT]
    assert "did not finish within 3 s" in execution.failures[0].note.en
    assert result.score == result.max_score


def test_cell_that_forks_and_never_ends_is_stopped_and_the_kernel_restarted(tmp_path):
    """A kernel that forked in a cell that timed out is restarted rather than trusted."""
    nb = notebook_with("day93", insert={2: FORK_THEN_LOOP})
    result = grade(write(tmp_path, "forks", "day93", nb), seed=SEED, cell_timeout_s=3)
    execution = result.exercises[0].execution
    assert [f.status for f in execution.failures] == [Status.TIMEOUT]
    # at least the 3 children: under load the count has once come out as 6 (the same children seen twice by the
    # kill loop); what matters to the learner is that they were killed and the kernel restarted
    killed = re.search(r"with the (\d+) processes it had started", execution.failures[0].note.en)
    assert killed and int(killed.group(1)) >= 3, execution.failures[0].note.en
    assert f"{killed.group(1)} 個行程" in execution.failures[0].note.zh_tw
    assert execution.kernel_restarts == 1 and result.score == result.max_score


def test_cell_printing_one_huge_message_is_told_and_grading_goes_on(tmp_path):
    nb = notebook_with("day93", insert={2: "print('x' * 2**26)", 3: "print('after the flood')"})
    result = grade(write(tmp_path, "huge", "day93", nb), seed=SEED)
    execution = result.exercises[0].execution
    assert [f.ename for f in execution.failures] == ["OutputLimit"]
    assert "more than the 1024 KB of output" in execution.failures[0].note.en
    assert "1024 KB" in execution.failures[0].note.zh_tw
    assert result.score == result.max_score


def test_sys_exit_cell_does_not_stop_grading(tmp_path):
    nb = notebook_with("day93", insert={3: "import sys\nsys.exit('bye')"})
    result = grade(write(tmp_path, "exit", "day93", nb), seed=SEED)
    assert [f.ename for f in result.exercises[0].execution.failures] == ["SystemExit"]
    assert result.score == result.max_score


def test_os_exit_cell_kills_the_kernel_which_is_restarted_and_replayed(tmp_path):
    nb = notebook_with("day93", insert={3: "import os\nos._exit(3)"})
    result = grade(write(tmp_path, "os_exit", "day93", nb), seed=SEED)
    execution = result.exercises[0].execution
    assert execution.kernel_restarts == 1
    assert "stopped the kernel" in execution.failures[0].note.en
    assert result.score == result.max_score


def test_function_that_kills_its_kernel_loses_only_its_own_checks(tmp_path):
    nb = notebook_with("day93", functions={"relu": "def relu(x):\n    import os\n    os._exit(1)"})
    result = grade(write(tmp_path, "relu_exit", "day93", nb), seed=SEED)
    checks = {c.id: c for c in result.exercises[0].checks}
    assert checks["relu_random"].status == Status.ERROR and "kernel" in checks["relu_random"].message.en
    assert all(c.status == Status.PASSED for c in checks.values() if c.function != "relu")


def test_function_that_loops_forever_times_out_alone(tmp_path, monkeypatch):
    # day93's call limit cut from 20 s to 4 s and its cell limit from 60 s to 4 s for this grading (the notebook's
    # own cell that calls relu loops too): the same stops, a minute less (each limit waited out; load stretches it)
    monkeypatch.setitem(exercises.EXERCISES, "day93", dataclasses.replace(exercises.get("day93"), call_timeout_s=4.0))
    nb = notebook_with("day93", functions={"relu": "def relu(x):\n    while True:\n        pass"})
    result = grade(write(tmp_path, "relu_loop", "day93", nb), seed=SEED, cell_timeout_s=4)
    checks = {c.id: c for c in result.exercises[0].checks}
    assert checks["relu_on_zebra_map"].status == Status.TIMEOUT
    assert all(c.status == Status.PASSED for c in checks.values() if c.function != "relu")


FORGERY = '''
import json, os, numpy, builtins
for name in ("result.json", "../result.json", "results.json", "grade.json"):
    try:
        with open(name, "w") as handle:
            json.dump({"status": "ok", "score": 14, "max_score": 14}, handle)
    except OSError:
        pass
def check(*args, **kwargs):
    print("All checks passed! 14/14")
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
builtins.NotImplementedError = ValueError
print("score: 14 / 14")
'''


def test_forged_results_and_redefined_helpers_change_nothing(tmp_path):
    nb = notebook_with("day93", stub=True, insert={1: FORGERY, 99: FORGERY})
    result = grade(write(tmp_path, "forger", "day93", nb), seed=SEED)
    assert result.score == 0
    assert statuses(result) <= {Status.NOT_ATTEMPTED, Status.ERROR}


def test_learner_error_shows_the_learners_own_frames_only(tmp_path):
    nb = notebook_with("day93", functions={"relu": "def relu(x):\n    return x.no_such_method()"})
    result = grade(write(tmp_path, "raises", "day93", nb), seed=SEED, lang="en")
    check = {c.id: c for c in result.exercises[0].checks}["relu_random"]
    assert check.status == Status.ERROR
    assert "AttributeError" in check.message.en and "no_such_method" in check.message.en
    assert any("return x.no_such_method()" in line for line in check.traceback)
    text = json.dumps([check.message.en, check.message.zh_tw, *check.traceback])
    assert "grader" not in text and "expect_array" not in text


def test_functions_defined_under_other_names_are_reported_missing(tmp_path):
    nb = notebook_with("day93", functions={"relu": "def my_relu(x):\n    return np.maximum(x, 0)"})
    result = grade(write(tmp_path, "renamed", "day93", nb), seed=SEED)
    check = {c.id: c for c in result.exercises[0].checks}["relu_random"]
    assert check.status == Status.ERROR and "No function named `relu`" in check.message.en


def test_grading_twice_with_the_same_seed_gives_the_same_result(tmp_path):
    path = exercises.get("day93").solution
    first, second = grade(path, seed=3), grade(path, seed=3)
    assert [(c.id, c.status, c.score) for c in first.exercises[0].checks] == \
           [(c.id, c.status, c.score) for c in second.exercises[0].checks]


EXITS = {"exit": "exit()", "quit": "quit()", "ask_exit": "get_ipython().ask_exit()",
         "kill": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
         "crash": "import ctypes\nctypes.string_at(0)"}


@pytest.mark.parametrize("call", EXITS.values(), ids=EXITS.keys())
def test_a_cell_that_ends_the_kernel_is_blamed_and_the_rest_graded(tmp_path, call):
    """IPython's exit() answers "ok" and then ends the kernel: that cell is the failure, it is not replayed, and
    the cells after it (and every function) are graded with a fresh kernel."""
    nb = notebook_with("day93", insert={8: f"LOOKS_NORMAL = 1\n{call}\nprint('never')"})
    result = grade(write(tmp_path, "exits", "day93", nb), seed=SEED)
    execution = result.exercises[0].execution
    assert result.score == result.max_score
    if call == EXITS["kill"] and not execution.failures:
        return  # the kernel is its PID namespace's first process: a signal it sends itself is ignored
    assert [f.index for f in execution.failures] == [8]
    failure = execution.failures[0]
    assert failure.status == Status.ERROR and "LOOKS_NORMAL" in failure.source
    if call not in (EXITS["kill"], EXITS["crash"]):
        assert failure.ename == "KernelExit" and "exit()" in failure.note.en and "exit()" in failure.note.zh_tw
    assert execution.kernel_restarts == 1


def test_a_first_cell_importing_a_missing_package_is_named_once_and_each_check_points_to_it(tmp_path):
    nb = notebook_with("day93")
    imports = [c for c in nb.cells if c.cell_type == "code" and "import numpy as np" in c.source][0]
    imports.source = "import nonexistent_pkg\n" + imports.source
    result = grade(write(tmp_path, "no_package", "day93", nb), seed=SEED)
    exercise = result.exercises[0]
    cells = {f.index for f in exercise.execution.failures if f.ename == "ModuleNotFoundError"}
    assert cells == {1} and "nonexistent_pkg" in exercise.execution.failures[0].evalue
    raised = [c for c in exercise.checks if c.status == Status.ERROR]
    assert raised and result.score < result.max_score
    for check in raised:
        assert "code cell 2 failed (ModuleNotFoundError: No module named 'nonexistent_pkg')" in check.message.en
        assert "第 2 個程式碼儲存格失敗了" in check.message.zh_tw
        assert check.traceback == ()


def test_a_missing_function_whose_cell_failed_points_to_that_cell(tmp_path):
    nb = notebook_with("day93", functions={"relu": "import nonexistent_pkg\ndef relu(x):\n    return np.maximum(x, 0)"})
    result = grade(write(tmp_path, "relu_cell", "day93", nb), seed=SEED)
    check = {c.id: c for c in result.exercises[0].checks}["relu_random"]
    assert check.status == Status.ERROR and "No function named `relu`" in check.message.en
    assert "code cell 18, which defines it, failed (ModuleNotFoundError" in check.message.en


DEEP_THEN_CRASH = """import os
path = os.environ["HOME"]
for _ in range(1200):
    path = os.path.join(path, "d")
    os.mkdir(path)
os.symlink("/etc", os.path.join(path, "etc"))
os._exit(1)"""


def test_a_deep_tree_and_a_crash_are_survived_and_nothing_is_left_behind(tmp_path):
    nb = notebook_with("day93", insert={3: DEEP_THEN_CRASH})
    path = write(tmp_path, "deep", "day93", nb)
    with Session(exercises.get("day93"), path, seed=SEED) as session:
        folder = session._tmp
        assert session.execution.kernel_restarts == 1
        assert session.learner.call("relu", np.array([-1.0, 2.0])).tolist() == [0, 2]
    assert not folder.exists() and Path("/etc/passwd").exists()


def test_anything_raised_while_running_the_notebook_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(self, submission):
        self._kernel.run("pass", timeout=10)
        raise RuntimeError("unexpected")

    monkeypatch.setattr(Session, "_run_all", broken)
    pool.discard()  # no kernel launched ahead (warm_kernels): this session makes its own folder, watched here
    made = []
    real = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **kw: made.append(real(**kw)) or made[-1])
    with Session(exercises.get("day93"), exercises.get("day93").solution, seed=SEED) as session:
        assert "could not finish running" in session.execution.problem.en and session.learner is None
    assert made and not Path(made[0]).exists()


def test_a_function_returning_an_int_past_64_bits_is_just_wrong(tmp_path):
    nb = notebook_with("day93", functions={"conv_single_step": "def conv_single_step(window, kernel, bias=0.0):\n"
                                                               "    return 2**64"})
    result = grade(write(tmp_path, "big_int", "day93", nb), seed=SEED)
    checks = [c for c in result.exercises[0].checks if c.function == "conv_single_step"]
    assert checks and {c.status for c in checks} == {Status.FAILED}
    assert all("yours is 1.84467e+19" in c.message.en for c in checks)


FORGED_OUTPUT = """k = get_ipython().kernel
k.session.send(k.iopub_socket, 'stream', {'name': 'stdout', 'text': 123}, parent=k.get_parent())
k.session.send(k.iopub_socket, 'display_data', {'data': {'text/plain': 5}, 'metadata': {}}, parent=k.get_parent())
k.session.send(k.iopub_socket, 'error', {'ename': 1, 'evalue': 2, 'traceback': 3}, parent=k.get_parent())"""


def test_forged_output_messages_cost_nothing_and_leave_nothing_behind(tmp_path):
    nb = notebook_with("day93", insert={2: FORGED_OUTPUT})
    path = write(tmp_path, "forged", "day93", nb)
    with Session(exercises.get("day93"), path, seed=SEED) as session:
        folder = session._tmp
        assert [f.ename for f in session.execution.failures] == ["1"]  # the forged error, read as text
        assert session.learner.call("relu", np.array([-1.0])).tolist() == [0.0]
    assert not folder.exists()


def test_a_cell_stopped_by_a_colab_only_import_says_how_to_keep_it_running():
    """``from google.colab import drive`` in a cell with other code: a note in both languages says to give it a
    cell of its own or a try (found by trying the grader as a Colab learner). Another missing module: no note."""
    from types import SimpleNamespace

    from grader.kernel import CellRun
    from grader.session import _failure

    limits = SimpleNamespace(memory_bytes=2**30)
    colab = _failure(1, "from google.colab import drive\ndrive.mount('/content/drive')\nimport numpy as np",
                     CellRun("error", ename="ModuleNotFoundError", evalue="No module named 'google.colab'"), 60, limits)
    assert "drive.mount(...)" in colab.note.en and "except ImportError" in colab.note.zh_tw
    other = _failure(1, "import tensorflow_addons", CellRun("error", ename="ModuleNotFoundError",
                                                            evalue="No module named 'tensorflow_addons'"), 60, limits)
    assert other.note is None
