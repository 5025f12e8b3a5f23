"""The learner's kernel on its own: a cell that runs too long is stopped together with what it started."""
import pytest

from grader import sandbox
from grader.kernel import Kernel, kernel_env
from test_session import FORK_THEN_LOOP


@pytest.fixture
def kernel(tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={})) as started:
        yield started


def started_by(kernel) -> set[int]:
    return sandbox.descendants(kernel._pids[1])


def test_timed_out_cell_has_its_processes_killed_and_counted(kernel):
    run = kernel.run(FORK_THEN_LOOP, timeout=3)
    assert run.outcome == "timeout" and run.processes_killed == 3
    assert started_by(kernel) == set()
    assert kernel.alive()


def test_timed_out_cell_that_started_nothing_counts_none_and_the_kernel_answers(kernel):
    run = kernel.run("while True:\n    pass", timeout=2)
    assert run.outcome == "timeout" and run.processes_killed == 0
    assert kernel.responsive(timeout=10)


def test_processes_of_a_cell_that_finishes_are_left_alone(kernel):
    run = kernel.run("import subprocess\nchild = subprocess.Popen(['sleep', '30'])", timeout=10)
    assert run.ok and len(started_by(kernel)) == 1


def test_a_flood_is_cut_in_the_kernel_before_it_is_sent(kernel):
    run = kernel.run(f"print('x' * {kernel.limits.message_bytes + 2**20})", timeout=20)
    assert run.ok and not run.output_refused and run.output_dropped > 0
    after = kernel.run("print('next cell')", timeout=10)
    assert after.ok and after.stdout == "next cell\n" and after.output_dropped == 0


def test_one_oversized_message_is_refused_and_later_output_still_arrives(kernel):
    """With the kernel's own cut undone, ZMQ drops the connection for good on a message over the limit; the
    grader notices and reopens its output channel."""
    undo = "import sys\nfor s in (sys.stdout, sys.stderr):\n    del s.write\n"
    assert kernel.run(undo, timeout=10).ok
    run = kernel.run(f"print('x' * {kernel.limits.message_bytes + 2**20})", timeout=20)
    assert run.ok and run.output_refused and run.stdout == ""
    after = kernel.run("print('still heard')", timeout=10)
    assert after.ok and not after.output_refused and after.stdout == "still heard\n"


def test_output_under_the_message_limit_is_not_refused(kernel):
    run = kernel.run("print('x' * 2**20)", timeout=10)
    assert run.ok and not run.output_refused and run.output_dropped > 0
