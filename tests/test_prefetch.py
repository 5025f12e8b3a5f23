"""Several learner calls in one cell (``KernelLearner.prefetch``, ``Remembered.prefetch``), on a real kernel: each
call answers as it would one at a time, keeps its own time limit, and trouble goes to the call that caused it."""
import time

import numpy as np
import pytest

from grader.answers import remembered
from grader.diagnosis import expect_entries
from grader.learner import Call, KernelEnded, KernelLearner, LearnerRaised, LearnerTimedOut, NotAttempted
from kernels import fresh_kernel

DEFINITIONS = '''
import os, time
import numpy as np
def double(a):
    return a * 2
def scale_in_place(a):
    a *= 3
    return a.sum()
def picky(x):
    if x < 0:
        raise ValueError("negative")
    return float(x) ** 0.5
def stub(x):
    raise NotImplementedError
def naps(seconds):
    time.sleep(seconds)
    return seconds
def interrupts_itself(x):
    if x == 1:
        raise KeyboardInterrupt
    return x
def rewrites_later(x):
    """Call 0 answers 0 at once and has a thread write 99 into its result later, while call 1 sleeps."""
    import json, sys, threading
    if x == 0:
        out = os.path.join(sys._getframe(1).f_locals["folder"], "out")
        def later():
            time.sleep(2.5)
            with open(os.path.join(out, "result.json"), "w") as handle:
                json.dump({"status": "ok", "value": {"kind": "int", "json": 99}, "after": [None]}, handle)
        threading.Thread(target=later, daemon=True).start()
        return 0
    time.sleep(5)
    return x
def mutates_then_ends(a):
    if a.shape == (3,):
        os._exit(3)
    a *= 2
    return a.copy()
def ends(x, how):
    if x == 1:
        if how == "exit":
            exit()
        os._exit(3)
    return x
'''


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    with fresh_kernel(tmp_path_factory.mktemp("prefetch"), setup=DEFINITIONS, timeout=30) as kernel:
        yield kernel


@pytest.fixture
def learner(kernel):
    return KernelLearner(kernel, kernel.workdir, call_timeout_s=20)


def counted_cells(kernel, monkeypatch) -> list[str]:
    sources = []
    run = kernel.run

    def counting(source, **kwargs):
        sources.append(source)
        return run(source, **kwargs)
    monkeypatch.setattr(kernel, "run", counting)
    return sources


def calls_in(cells: list[str]) -> list[str]:
    """The cells that made learner calls (not the helpers' definition)."""
    return [cell for cell in cells if cell.startswith("__grader_call")]


def replaying(kernel, restarts: list):
    """An ``on_kernel_death`` that restarts the kernel and defines the functions again, as a session replays."""
    def restart():
        kernel.restart()
        assert kernel.run(DEFINITIONS, timeout=30).ok
        restarts.append(1)
    return restart


def answer(learner, name, *args, brief=False):
    """What ``run`` gives, as prefetch gives it: a Call, or the problem it raised."""
    try:
        with (learner.expecting_errors() if brief else _nothing()):
            return learner.run(name, *args)
    except (LearnerRaised, NotAttempted) as problem:
        return problem


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def same(a, b) -> bool:
    if isinstance(a, Call) and isinstance(b, Call):
        return (np.array_equal(np.asarray(a.value), np.asarray(b.value))
                and type(a.value) is type(b.value)
                and all(np.array_equal(x, y) for x, y in zip(a.args_after, b.args_after)))
    return type(a) is type(b) and a.text == b.text and a.traceback == b.traceback


def test_a_prefetch_answers_each_call_as_a_call_of_its_own_would(learner, kernel, monkeypatch):
    calls = [(("double", (np.arange(4.0),)), False), (("scale_in_place", (np.ones((2, 2)),)), False),
             (("picky", (4,)), False), (("picky", (-1,)), False), (("picky", (-1,)), True)]
    alone = [answer(learner, name, *args, brief=brief) for (name, args), brief in calls]
    assert isinstance(alone[3], LearnerRaised) and "negative" in alone[3].text.en and alone[3].traceback
    assert alone[1].args_after[0].tolist() == [[3.0, 3.0], [3.0, 3.0]]   # the change in place is seen
    cells = counted_cells(kernel, monkeypatch)
    for name in ("double", "scale_in_place", "picky"):
        mine = [(args, {}, brief) for (n, args), brief in calls if n == name]
        got = learner.prefetch(name, mine) if len(mine) > 1 else [answer(learner, name, *mine[0][0])]
        want = [a for ((n, _), _), a in zip(calls, alone) if n == name]
        assert all(same(g, w) for g, w in zip(got, want)), (name, got, want)
    assert len(calls_in(cells)) == 3   # picky's three calls in one cell
    stubbed = learner.prefetch("stub", [((1,), {}, False), ((2,), {}, False)])
    assert [type(a) for a in stubbed] == [NotAttempted, NotAttempted]
    missing = learner.prefetch("nowhere", [((1,), {}, False), ((2,), {}, False)])
    assert all(isinstance(a, LearnerRaised) and "nowhere" in a.text.en for a in missing)


def test_each_call_of_a_prefetch_keeps_its_own_time_limit_and_none_starts_after_two_seconds(kernel):
    learner = KernelLearner(kernel, kernel.workdir, call_timeout_s=2.5)
    began = time.monotonic()
    answers = learner.prefetch("naps", [((1.5,), {}, False)] * 3)   # 3 s for two, each call within 2.5 s
    assert [a.value for a in answers[:2]] == [1.5, 1.5] and answers[2] is None   # the third would start at 3 s
    assert time.monotonic() - began > 3
    began = time.monotonic()
    answers = learner.prefetch("naps", [((0.1,), {}, False), ((60,), {}, False), ((0.2,), {}, False)])
    waited = time.monotonic() - began
    assert answers[0].value == 0.1 and answers[2] is None
    assert isinstance(answers[1], LearnerTimedOut) and "2.5" in answers[1].text.en
    assert waited < 12, f"a call stopped at its 2.5 s limit took {waited:.1f} s"
    assert learner.call("naps", 0.2) == 0.2   # the kernel answers again


def test_a_replaced_helper_that_keeps_calling_is_stopped_at_the_prefetchs_own_limit(tmp_path):
    """All arguments are in the kernel from the start, so a thread could work ahead on later calls while each call
    stays within its limit: the cell may last two seconds and one call's limit (and two seconds), not more; then
    the kernel is restarted (the thread goes with it) and this learner's calls are made one at a time."""
    restarts = []
    with fresh_kernel(tmp_path, setup=DEFINITIONS, timeout=30) as kernel:
        learner = KernelLearner(kernel, kernel.workdir, call_timeout_s=2.5, on_kernel_death=replaying(kernel, restarts))
        learner.call("naps", 0)   # the helpers are defined; now the learner's code replaces one
        assert kernel.run("def __grader_calls(calls, name, weights=True, soft=None):\n"
                          "    for folder, brief in calls:\n        __grader_call(folder, name, brief, weights, True)",
                          timeout=10).ok
        began = time.monotonic()
        answers = learner.prefetch("naps", [((1.5 + i / 100,), {}, False) for i in range(6)])
        waited = time.monotonic() - began
        made = [a for a in answers if a is not None]
        assert 2 <= len(made) <= 5 and all(isinstance(a, Call) for a in made), answers   # none a timeout
        assert answers[len(made):] == [None] * (6 - len(made))
        assert waited < 12, f"the prefetch took {waited:.1f} s"
        assert restarts == [1]
        assert learner.prefetch("naps", [((0.1,), {}, False), ((0.2,), {}, False)]) == [None, None]
        assert learner.call("naps", 0.1) == 0.1


def test_a_result_is_read_when_first_seen_so_a_thread_cannot_finish_a_call_past_its_limit(learner):
    """A call's result is read at the first look that finds it: a thread of the learner's that rewrites it while
    later calls of the cell run (to finish its work past the call's limit) changes nothing."""
    answers = learner.prefetch("rewrites_later", [((0,), {}, False), ((1,), {}, False)])
    assert [a.value for a in answers] == [0, 1]


def test_the_calls_budget_stops_a_prefetch_as_it_stops_calls(kernel):
    """The call running when the budget is spent (seen within a second: the grader looks every second) is stopped
    and told so; the calls after it are left to ``run``, which says the same."""
    learner = KernelLearner(kernel, kernel.workdir, call_timeout_s=20, calls_budget_s=1.5)
    answers = learner.prefetch("naps", [((0.6 + i / 100,), {}, False) for i in range(6)])
    made = next(i for i, a in enumerate(answers) if not isinstance(a, Call))
    assert made in (2, 3) and [a.value for a in answers[:made]] == [0.6 + i / 100 for i in range(made)]
    assert isinstance(answers[made], LearnerTimedOut) and "budget" in answers[made].text.en
    assert answers[made + 1:] == [None] * (5 - made)
    assert 1.5 <= learner.calls_spent_s < 3.5
    with pytest.raises(LearnerTimedOut, match="budget"):
        learner.call("naps", 0)


def test_a_call_that_raises_keyboardinterrupt_itself_is_left_to_run(learner):
    answers = learner.prefetch("interrupts_itself", [((0,), {}, False), ((1,), {}, False), ((2,), {}, False)])
    assert answers[0].value == 0 and answers[1:] == [None, None]
    with pytest.raises(LearnerRaised, match="KeyboardInterrupt"):
        learner.call("interrupts_itself", 1)   # what run says, as before
    assert learner.call("interrupts_itself", 2) == 2


@pytest.mark.parametrize("how", ["exit", "os._exit"])
def test_a_call_that_ends_the_kernel_is_blamed_once_asked_for_and_the_kernel_recovered(tmp_path, how):
    restarts = []
    with fresh_kernel(tmp_path, setup=DEFINITIONS, timeout=30) as kernel:
        learner = KernelLearner(kernel, kernel.workdir, on_kernel_death=replaying(kernel, restarts))
        answers = learner.prefetch("ends", [((0, how), {}, False), ((1, how), {}, False), ((2, how), {}, False)])
        assert answers[0].value == 0 and answers[2] is None
        assert isinstance(answers[1], KernelEnded) and "kernel stopped while running `ends`" in answers[1].text.en
        assert len(restarts) == 1
        assert learner.call("ends", 2, how) == 2   # no check asked for the call that ended it: not blamed yet
        asked = remembered(learner)
        asked.prefetch("ends", [((0, how), {}, False), ((1, how), {}, False), ((3, how), {}, False)])
        assert len(restarts) == 2 and asked.call("ends", 0, how) == 0
        with pytest.raises(KernelEnded):
            asked.call("ends", 1, how)   # asked for: now it is as if this call had ended the kernel
        with pytest.raises(LearnerRaised, match="kernel stopped"):
            asked.call("ends", 3, how)   # and the function is not called again, as after a call made alone
        assert len(restarts) == 2


def test_a_check_that_stops_early_is_not_charged_with_a_later_call_ending_the_kernel(tmp_path):
    """Entry 0 changes its input (the check stops there, as it always did); entry 1, which the check never asked
    for alone, ends the kernel in the prefetch: the check still names the change, and the function still answers."""
    from grader.checks import CheckFailed

    with fresh_kernel(tmp_path, setup=DEFINITIONS, timeout=30) as kernel:
        restarts = []
        learner = KernelLearner(kernel, kernel.workdir, on_kernel_death=replaying(kernel, restarts))
        entries = [{"args": [np.ones(2)], "kwargs": {}, "want": np.full(2, 2.0), "kind": "array", "variants": []},
                   {"args": [np.ones(3)], "kwargs": {}, "want": np.full(3, 2.0), "kind": "array", "variants": []}]
        with pytest.raises(CheckFailed) as failed:
            expect_entries(learner, "mutates_then_ends", entries, arg_names=("a",))
        assert failed.value.key == "input_mutated" and restarts == [1]
        assert learner.call("mutates_then_ends", np.ones(4)).tolist() == [2.0] * 4


def test_a_removed_helper_leaves_every_call_to_run(learner, kernel):
    learner.call("double", 1)   # the helpers are defined
    assert kernel.run("del __grader_calls", timeout=10).ok
    assert learner.prefetch("double", [((1,), {}, False), ((2,), {}, False)]) == [None, None]
    assert learner.call("double", 3) == 6   # defined again
    assert [a.value for a in learner.prefetch("double", [((1,), {}, False), ((2,), {}, False)])] == [2, 4]


def test_remembered_answers_come_from_one_cell_and_a_timeout_is_handed_over_once(kernel, monkeypatch):
    learner = remembered(KernelLearner(kernel, kernel.workdir, call_timeout_s=2.5))
    cells = counted_cells(kernel, monkeypatch)
    learner.prefetch("naps", [((0.01,), {}, False), ((0.02,), {}, False), ((60,), {}, False)])
    assert len(calls_in(cells)) == 1
    assert learner.call("naps", 0.01) == 0.01 and learner.call("naps", 0.02) == 0.02
    began = time.monotonic()
    with pytest.raises(LearnerTimedOut):
        learner.call("naps", 60)   # the prefetch's timeout, handed over without waiting again
    assert time.monotonic() - began < 1 and len(calls_in(cells)) == 1
    with pytest.raises(LearnerTimedOut):
        learner.call("naps", 60)   # a timeout is not remembered: this call runs (and times out) again
    assert len(calls_in(cells)) == 2


def test_a_table_of_entries_is_asked_in_one_cell_and_judged_as_before(kernel, monkeypatch):
    from grader.checks import CheckFailed

    entries = [{"args": [np.array([[1.0, -2.0], [3.0, -4.0]])], "kwargs": {}, "want": np.array([[2.0, -4.0],
               [6.0, -8.0]]), "kind": "array", "variants": []},
               {"args": [np.arange(3.0)], "kwargs": {}, "want": np.arange(3.0) * 2, "kind": "array", "variants": []},
               {"args": [np.ones(2)], "kwargs": {}, "want": np.full(2, 2.0), "kind": "array", "variants": []}]
    learner = KernelLearner(kernel, kernel.workdir, call_timeout_s=20)
    cells = counted_cells(kernel, monkeypatch)
    expect_entries(learner, "double", entries)
    assert len(calls_in(cells)) == 1
    wrong = [dict(entries[0]), {**entries[1], "want": np.arange(3.0)}]
    with pytest.raises(CheckFailed):
        expect_entries(KernelLearner(kernel, kernel.workdir, call_timeout_s=20), "double", wrong)
