"""The learner's kernel on its own: a cell that runs too long is stopped together with what it started."""
import pytest

from grader import sandbox
from kernels import fresh_kernel
from test_session import FORK_THEN_LOOP


@pytest.fixture
def kernel(tmp_path):
    with fresh_kernel(tmp_path) as started:
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
    assert run.outcome == "timeout" and run.processes_killed == 0 and not run.kernel_silent
    assert kernel.responsive(timeout=10)


def test_processes_of_a_cell_that_finishes_are_left_alone(kernel):
    run = kernel.run("import subprocess\nchild = subprocess.Popen(['sleep', '30'])", timeout=10)
    assert run.ok and len(started_by(kernel)) == 1


def test_a_flood_is_cut_in_the_kernel_before_it_is_sent(kernel):
    run = kernel.run(f"print('x' * {kernel.limits.message_bytes + 2**20})", timeout=20)
    assert run.ok and not run.output_refused and run.output_dropped > 0
    after = kernel.run("print('next cell')", timeout=10)
    assert after.ok and after.stdout == "next cell\n" and after.output_dropped == 0


def test_the_flood_guard_counts_once_after_an_await_cell_and_ipython_keeps_no_output_between_cells(kernel):
    """IPython 9 wraps the streams for each cell and puts back what it found, except in a top-level ``await``
    cell, which ipykernel runs without that wrapper: the guard set there stayed below the next cells' and every
    character was counted twice (a 1.5 M-character print cut at 0.6 M). IPython 9 also kept every write of the
    kernel's life (``history_manager.outputs``); now only the current cell's."""
    big = "print('x' * 1_500_000)"
    before = kernel.run(big, timeout=20)
    assert kernel.run("import asyncio\nawait asyncio.sleep(0)\nprint('awaited')", timeout=10).stdout == "awaited\n"
    after = [kernel.run(big, timeout=20) for _ in range(2)]
    seen = (before.ok, before.stdout, before.output_dropped)
    assert [(r.ok, r.stdout, r.output_dropped) for r in after] == [seen] * 2
    assert "output past" not in before.stdout
    assert kernel.run("import sys\nfor i in range(1000):\n    sys.stdout.write('.')", timeout=10).ok
    kept = kernel.run("kept = getattr(get_ipython().history_manager, 'outputs', {})\n"
                      "print(sum(len(outputs) for outputs in kept.values()))", timeout=10)
    assert kept.stdout == "0\n", kept


def test_colab_and_jupyter_habits_run_as_they_run_there(kernel):
    """NOTEBOOK_HABITS: a shell command runs without the pseudo-terminal the sandbox lacks (it raised OSError "out
    of pty devices" and stopped the rest of its cell), ``%pip`` too; ``input()`` gets an empty line; Colab's
    ``%tensorflow_version`` says it has nothing to switch. An unknown magic, which IPython reports on stderr
    only, fails its cell (counted as run before, the rest of the cell silently missing)."""
    shell = kernel.run("!echo from the shell\n!exit 3\ncode = _exit_code\nprint('after', code)", timeout=60)
    assert shell.ok and shell.stdout == "from the shell\nafter 3\n", shell
    pip = kernel.run("%pip --version\nprint('after')", timeout=60)
    assert pip.ok and pip.stdout.startswith("pip ") and pip.stdout.endswith("after\n"), pip
    bang = kernel.run("!pip --version", timeout=60)
    assert bang.ok and bang.stdout.startswith("pip ") and "Warning" not in bang.stdout, bang
    asked = kernel.run("import getpass\nstudent = input('id: ')\nkey = getpass.getpass()\nprint(repr(student + key))",
                       timeout=60)
    assert asked.ok and asked.stdout.endswith("input() 以空白行回答]\n''\n"), asked
    waiting = kernel.run("while input('q to quit: ') != 'q':\n    pass", timeout=60)
    assert (waiting.outcome, waiting.ename) == ("error", "EOFError"), waiting   # not a 60 s timeout
    colab = kernel.run("%tensorflow_version 2.x\nprint('after')", timeout=60)
    assert colab.ok and "nothing to switch" in colab.stdout and colab.stdout.endswith("after\n"), colab
    unknown = kernel.run("%no_such_magic\nprint('never')", timeout=60)
    assert (unknown.outcome, unknown.ename) == ("error", "UsageError") and "never" not in unknown.stdout, unknown
    assert "%no_such_magic" in unknown.evalue


def test_the_kernel_boots_without_a_debugger_and_ignores_the_working_folder_until_the_learners_cells(tmp_path):
    """KERNEL_MAIN: ipykernel is started without importing debugpy (a tenth of a boot's CPU), which a learner's
    cell may still import; sys.argv and sys.path are those of ``python -m ipykernel_launcher``. Files of the
    working folder named like what the kernel imports while it starts are not imported then (a learner's
    ``json.py`` must not stop their kernel), yet the learner's own modules import as in Jupyter."""
    work = tmp_path / "k" / "work"
    work.mkdir(parents=True)
    for name in ("json", "runpy", "zmq", "traitlets", "ipykernel", "IPython", "debugpy"):
        (work / f"{name}.py").write_text("raise SystemExit('imported from the working folder')\n")
    (work / "helpers.py").write_text("ANSWER = 42\n")
    with fresh_kernel(tmp_path / "k", make_work=False) as kernel:
        booted = kernel.run("import sys\nprint(any(m.split('.')[0] in ('debugpy', '_pydevd_bundle') for m in "
                            "sys.modules), sys.argv[0].endswith('ipykernel_launcher.py'), sys.argv[1], '' in sys.path)",
                            timeout=30)
        assert booted.ok and booted.stdout == "False True -f True\n", booted
        mine = kernel.run("import helpers\nprint(helpers.ANSWER)", timeout=30)
        assert mine.ok and mine.stdout == "42\n", mine
        (work / "debugpy.py").unlink()
        debugger = kernel.run("import debugpy\nprint(debugpy.__name__)", timeout=30)
        assert debugger.ok and debugger.stdout == "debugpy\n", debugger


def test_modules_a_learner_writes_into_the_working_folder_are_not_run_by_the_launcher_at_a_restart(tmp_path):
    """The sandbox launcher runs as the grader's user (root on a grading machine) with the working folder as its
    current folder, before any limit applies. Started as ``python -m grader.sandbox``, it imported a learner's
    ``json.py`` or ``ctypes.py`` from there at a restart: the learner's code ran as root. Now it is a script in
    isolated mode (``-I``: neither the current folder nor the script's is on its path)."""
    names = ("json", "ctypes", "dataclasses", "pathlib", "contextlib", "signal", "resource", "time", "grader")
    with fresh_kernel(tmp_path) as kernel:
        for name in names:
            (tmp_path / "work" / f"{name}.py").write_text(
                f"open({str(tmp_path / ('ran-' + name))!r}, 'w').write('ran')\n")
        failed = None
        try:
            kernel.restart()
        except Exception as error:  # noqa: BLE001 - a launcher broken by the learner's module: said just below
            failed = error
        assert sorted(p.name for p in tmp_path.glob("ran-*")) == [], f"run by the launcher ({failed})"
        assert failed is None and kernel.run("print('answers')", timeout=30).stdout == "answers\n"


def test_displayed_figures_and_images_arrive_as_text_without_a_picture_drawn(kernel):
    """PICTURES_OFF: a figure shown by the inline backend and a PIL image each become one display of their text
    only; the figure is not drawn for it (savefig still draws and writes). Bytes already encoded (IPython's
    Image of a PNG) are sent as they are: there is nothing to draw."""
    source = """
import io, numpy as np, matplotlib.pyplot as plt
from IPython.display import Image, display
from PIL import Image as PILImage
fig, ax = plt.subplots()
ax.plot([1, 2, 3])
drawn = []
fig.canvas.mpl_connect("draw_event", lambda event: drawn.append(1))
plt.show()
png = io.BytesIO()
fig.savefig(png, format="png")
display(Image(data=png.getvalue()))
display(PILImage.new("RGB", (4, 4)))
print(len(drawn), png.getvalue()[:4] == b"\\x89PNG")
"""
    run = kernel.run(source, timeout=60)
    outputs = kernel._client.nb.cells[0].outputs
    shown = [o for o in outputs if o["output_type"] == "display_data"]
    assert run.ok and run.stdout == "1 True\n", run   # the one draw is savefig's, not the display's
    assert [sorted(o["data"]) for o in shown] == [["text/plain"], ["image/png", "text/plain"], ["text/plain"]], shown
    assert shown[0]["data"]["text/plain"] == "<Figure size 640x480 with 1 Axes>"
    # a figure that cannot be drawn (broken mathtext) is never drawn: its cell no longer fails on the drawing
    broken = kernel.run("fig, ax = plt.subplots()\nax.set_title(r'$\\frac{1}{$')\nplt.show()\nprint('after')",
                        timeout=60)
    assert broken.ok and broken.stdout == "after\n", broken
    drawn = kernel.run("fig.savefig(io.BytesIO(), format='png')", timeout=60)
    assert drawn.outcome == "error" and drawn.ename == "ValueError", drawn   # the learner's own drawing still fails


def test_one_oversized_message_is_refused_and_later_output_still_arrives(kernel):
    """With the kernel's own cut undone, ZMQ drops the connection for good on a message over the limit; the
    grader notices and reopens its output channel."""
    undo = ("import sys\ncallbacks = get_ipython().events.callbacks['pre_run_cell']\n"
            "callbacks[:] = [c for c in callbacks if '__grader_guard' not in c.__qualname__]\n"
            "for s in (sys.stdout, sys.stderr):\n    del s.write\n")
    assert kernel.run(undo, timeout=10).ok
    run = kernel.run(f"print('x' * {kernel.limits.message_bytes + 2**20})", timeout=20)
    assert run.ok and run.output_refused and not run.kernel_silent and run.stdout == ""
    after = kernel.run("print('still heard')", timeout=10)
    assert after.ok and not after.output_refused and after.stdout == "still heard\n"


def test_a_kernel_that_broke_its_own_messaging_is_restarted_without_a_probe(kernel, monkeypatch):
    """``builtins.type`` replaced: the kernel can no longer send, its output channel is dropped and the reopened
    one is never greeted. The run says so, and ``needs_restart`` does not wait on a probe that cannot answer."""
    from corpus import PATCH_BUILTINS

    run = kernel.run(PATCH_BUILTINS, timeout=3)
    assert run.outcome == "timeout" and run.kernel_silent and not run.output_refused
    monkeypatch.setattr(kernel, "responsive", lambda timeout=10.0: pytest.fail("a silent kernel was probed"))
    assert kernel.needs_restart(run)


def test_output_under_the_message_limit_is_not_refused(kernel):
    run = kernel.run("print('x' * 2**20)", timeout=10)
    assert run.ok and not run.output_refused and run.output_dropped > 0


SEND = ("k = get_ipython().kernel\n"
        "k.session.send(k.iopub_socket, {kind!r}, {content}, parent=k.get_parent(), ident=b'x')\n")
FORGED = {
    "stream text that is an int": SEND.format(kind="stream", content="{'name': 'stdout', 'text': 123}"),
    "stream with no name": SEND.format(kind="stream", content="{'text': 'hi'}"),
    "display data that is not text": SEND.format(kind="display_data",
                                                 content="{'data': {'text/plain': 5, 7: 'x'}, 'metadata': 3}"),
    "display data that is a list": SEND.format(kind="display_data", content="{'data': [1, 2]}"),
    "transient that is not a mapping": SEND.format(
        kind="display_data", content="{'data': {'text/plain': 'x'}, 'metadata': {}, 'transient': 5}"),
    "error with fields of every type": SEND.format(kind="error",
                                                   content="{'ename': 1, 'evalue': None, 'traceback': 'abc'}"),
    "comm message": SEND.format(kind="comm_msg", content="{'comm_id': 5, 'data': 1}"),
    "status without a state": SEND.format(kind="status", content="{'execution_state': 3}"),
    "execution count that is text": SEND.format(kind="execute_input", content="{'execution_count': 'x', 'code': 1}"),
}


@pytest.mark.parametrize("forgery", FORGED.values(), ids=FORGED.keys())
def test_forged_output_messages_never_crash_the_grader(kernel, forgery):
    run = kernel.run(forgery + "print('mine')", timeout=20)
    assert run.outcome in ("ok", "error") and "mine" in run.stdout
    assert isinstance(run.ename, str) and isinstance(run.evalue, str) and all(isinstance(t, str) for t in run.traceback)
    after = kernel.run("print('next')", timeout=10)
    assert after.ok and after.stdout == "next\n"


def test_a_forged_error_message_is_read_as_text(kernel):
    run = kernel.run(FORGED["error with fields of every type"], timeout=20)
    assert run.outcome == "error" and run.ename == "1" and run.evalue == "None" and run.traceback == ()


@pytest.mark.parametrize("source", ["exit()", "quit()", "get_ipython().ask_exit()"])
def test_a_cell_asking_ipython_to_exit_is_told_apart_and_needs_a_restart(kernel, source):
    run = kernel.run(f"x = 1\n{source}", timeout=20)
    assert run.outcome == "exited" and run.ename == "KernelExit"
    assert kernel.needs_restart(run)
    kernel.restart()
    assert kernel.run("print('back')", timeout=20).stdout == "back\n"


def test_exit_keeping_the_kernel_is_an_ordinary_cell(kernel):
    run = kernel.run("exit(keep_kernel=True)", timeout=20)
    assert run.ok and kernel.responsive(timeout=10)


RAW = {"not JSON": "b'{nope'", "nested 100000 deep": "b'[' * 100000 + b']' * 100000",
       "an int too long to read": "b'{\"name\": \"stdout\", \"text\": ' + b'9' * 5000 + b'}'"}


@pytest.mark.parametrize("content", RAW.values(), ids=RAW.keys())
def test_messages_that_cannot_even_be_decoded_become_an_outcome(kernel, content):
    run = kernel.run(SEND.format(kind="stream", content=content), timeout=20)
    assert run.outcome in ("ok", "garbled")
    assert run.outcome == "ok" or (run.ename == "KernelMessage" and run.evalue)
    if kernel.needs_restart(run):
        kernel.restart()
    assert kernel.run("print('next')", timeout=10).stdout == "next\n"


@pytest.fixture
def small_kernel(tmp_path):
    """A kernel whose memory limit is 1 GiB (its own arrays and objects take about 70 MB)."""
    from grader.kernel import Kernel, kernel_env
    from grader.sandbox import Limits

    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={}),
                limits=Limits(memory_bytes=2**30)) as started:
        assert started.run("import numpy", timeout=60).ok
        yield started


def test_a_cell_that_fills_the_memory_limit_stops_the_kernel_the_same_way_killed_or_timed_out(small_kernel):
    """At its memory limit a kernel is either killed by it at once, or (Linux reclaiming the kernel's file pages
    over and over instead) spends its time limit: both are one outcome, the kernel stopped by the memory limit
    (MemoryLimit), so a re-grade cannot tell them apart. Here, first the slow way: 950 MB of arrays (past
    sandbox.EXHAUSTED of the limit, not at it), then a cell that presses on the limit (it reads a 200 MB file:
    the page cache fills what is left) and runs past its time limit; then the quick way, 2 GB at once. The kernel
    is dead both times and restarted. A timeout without the memory is a timeout, and so is one holding the
    memory without pressing on the limit."""
    applied = small_kernel._cgroup.applied if small_kernel._cgroup is not None else {}
    assert {"memory.limit_in_bytes", "memory.max"} & set(applied), "needs a memory cgroup: root makes one here"
    assert small_kernel.run("import time\ntime.sleep(5)", timeout=1).outcome == "timeout"
    assert not small_kernel._cgroup.memory_exhausted()
    assert small_kernel.run("hoard = numpy.ones(900 * 2**20 // 8)", timeout=60).ok
    assert small_kernel._cgroup.memory_exhausted()
    assert small_kernel.run("time.sleep(5)", timeout=1).outcome == "timeout"   # the memory held, no pressure
    pressing = ("with open('cache.bin', 'wb') as f:\n    f.write(bytes(200 * 2**20))\n"
                "for _ in range(3):\n    open('cache.bin', 'rb').read(2**20)\ntime.sleep(5)")
    for before, source in (("", pressing), ("pass", "numpy.ones(2 * 2**30 // 8)")):
        assert small_kernel.run(before or "pass", timeout=60).ok and small_kernel.alive()
        run = small_kernel.run(source, timeout=1 if source is pressing else 60)
        assert (run.outcome, run.ename) == ("died", "MemoryLimit"), (source, run)
        assert "memory limit (1024 MB)" in run.evalue
        assert small_kernel.needs_restart(run)
        small_kernel.restart()
        assert small_kernel.run("import numpy, time", timeout=60).ok
