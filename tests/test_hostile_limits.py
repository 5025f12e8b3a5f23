"""Limits that hold against a hostile kernel as kinds (issue 11, red-team findings F1-F8 and SIGTERM):
the run's seed never reaches the kernel, JSON depth is counted in linear time, one result's files share one
budget and are loaded once, zip directories are counted before they are parsed, the checks' calls share one
time budget, forged output metadata and error floods are counted, huge numbers are wrong answers, and a
`grader grade` stopped by SIGTERM leaves nothing behind."""
import glob
import json
import signal
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader import diagnosis, exercise as exercises
from grader import learner as learner_module
from grader.archive import ArchiveRefused, open_zip
from grader.checks import CheckFailed
from grader.grading import grade
from grader.kernel import ERRORS_KEPT
from grader.learner import (KernelLearner, LearnerRaised, LearnerTimedOut, UnsafeModel, inspect_keras_archive,
                            json_depth, load_bounded_json)
from grader.results import Status
from grader.session import Session, kernel_seed
from grader.submissions import _from_zip
from corpus import ARM_AND_CRASH, DATES_IN_PARENT_HEADER, SHELL_FLOOD, SLEEPS_WHEN_REPLAYED
from kernels import fresh_kernel
from samples import notebook_with, write

REPO = Path(__file__).resolve().parents[1]

DEFINITIONS = r'''
import json, time
import numpy as np

def _once(change):
    """json.dump replaced for the grader's next result only (the call cell imports json afresh)."""
    real = json.dump
    def forged(obj, handle, **kw):
        json.dump = real
        return real(change(obj), handle, **kw)
    json.dump = forged

def unclosed_string():
    real = json.dump
    def forged(obj, handle, **kw):
        json.dump = real
        handle.write('"' + '\\"' * 1_000_000)   # 2 MB, no closing quote
    json.dump = forged
    return 1

def named_many_times():
    def change(obj):
        obj["value"] = {"kind": "list", "items": [obj["value"]] * 40}
        return obj
    _once(change)
    return np.zeros(1000)

def two_arrays(n):
    return [np.zeros(n), np.ones(n)]

def sleeper(seconds):
    time.sleep(seconds)
    return seconds

def quick():
    return 1
'''


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    with fresh_kernel(tmp_path_factory.mktemp("hostile"), setup=DEFINITIONS) as kernel:
        yield kernel


def _learner(kernel, **kwargs) -> KernelLearner:
    return KernelLearner(kernel, kernel.workdir, call_timeout_s=20, **kwargs)


# ---------------------------------------------------------------- F1: JSON depth in linear time

def test_json_depth_is_exact_on_strings_escapes_and_unclosed_strings():
    assert json_depth(b'[1, {"a": "]]\\"[[", "b": [[2]]}]') == 4
    assert json_depth(b'["\\\\", [[["\\""]]]]') == 4      # an escaped backslash closes nothing
    assert json_depth(b'[["' + b'\\"' * 1_000_000) == 2       # the red team's payload, after two brackets
    assert json_depth(b'"' + b'\\"' * 2_000_000) == 0
    assert json_depth(b'"[[[' + b'[' * 100) == 0              # all inside an unclosed string
    with pytest.raises(ValueError):
        load_bounded_json(b'"' + b'\\"' * 2_000_000)          # refused as JSON, not nested


def test_a_result_that_is_an_unclosed_string_of_escaped_quotes_is_unreadable(kernel):
    with pytest.raises(LearnerRaised) as raised:
        _learner(kernel).call("unclosed_string")
    assert "cannot read (Unterminated string" in raised.value.text.en


# ---------------------------------------------------------------- F5: one budget per result, each file once

def test_one_file_named_forty_times_is_refused_not_loaded_forty_times(kernel):
    with pytest.raises(LearnerRaised) as raised:
        _learner(kernel).call("named_many_times")
    assert "named more than once" in raised.value.text.en


def test_the_files_of_one_result_share_one_byte_budget(kernel, monkeypatch):
    learner = _learner(kernel)
    assert [a.sum() for a in learner.call("two_arrays", 1000)] == [0.0, 1000.0]
    monkeypatch.setattr(learner_module, "MAX_RESULT_BYTES", 12_000)   # each file fits (8 kB), both do not
    with pytest.raises(LearnerRaised) as raised:
        learner.call("two_arrays", 1000)
    assert "more than" in raised.value.text.en and "together" in raised.value.text.en


# ---------------------------------------------------------------- F4: the calls' time budget

def test_once_the_calls_budget_is_spent_every_call_fails_at_once_as_a_timeout(kernel, monkeypatch):
    learner = _learner(kernel, calls_budget_s=5)
    with pytest.raises(LearnerTimedOut) as cut:
        learner.call("sleeper", 60)          # its own limit is 20 s: the 5 s budget ends it first
    assert "time budget" in cut.value.text.en and "5 s" in cut.value.text.en
    ran = []
    monkeypatch.setattr(kernel, "run", lambda *a, **k: ran.append(a) or pytest.fail("the kernel was asked"))
    with pytest.raises(LearnerTimedOut) as spent:
        learner.call("quick")
    assert "was not run" in spent.value.text.en and spent.value.status == Status.TIMEOUT and not ran


# ---------------------------------------------------------------- F8: zip directories counted before parsing

def _bare_directory(entries: int) -> bytes:
    one = struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) + b"x"
    return one * entries


def _zip_declaring(entries: int, *, actual: int, zip64: bool = False) -> bytes:
    directory = _bare_directory(actual)
    if not zip64:
        return directory + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(entries, 0xFFFF), min(entries, 0xFFFF),
                                       len(directory), 0, 0)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, len(directory), 0)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(directory), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return directory + record + locator + end


@pytest.fixture
def no_zipfile(monkeypatch):
    """zipfile.ZipFile may not be built: the archive must be refused from its end record alone."""
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: pytest.fail("ZipFile parsed the directory"))


@pytest.mark.parametrize("entries, actual, zip64", [(300_000, 300_000, False), (10**6, 10, True),
                                                     (1, 200_000, False)], ids=["count", "zip64", "lying_count"])
def test_a_keras_file_whose_directory_is_too_large_is_refused_before_it_is_parsed(tmp_path, no_zipfile,
                                                                                   entries, actual, zip64):
    path = tmp_path / "model.keras"
    path.write_bytes(_zip_declaring(entries, actual=actual, zip64=zip64))
    with pytest.raises(UnsafeModel) as refused:
        inspect_keras_archive(path)
    assert "files in the archive" in str(refused.value) or "central directory" in str(refused.value)


def test_a_submission_zip_declaring_a_million_entries_is_refused_before_it_is_parsed(tmp_path, no_zipfile):
    path = tmp_path / "eve.zip"
    path.write_bytes(_zip_declaring(10**6, actual=10, zip64=True))
    submission = _from_zip(path, "eve")
    assert submission.problem == ("the zip holds 1000000 entries, more than the 5000 a submission may have; "
                                  "refused without unpacking it")


def test_the_bounded_opener_still_opens_ordinary_zips(tmp_path):
    path = tmp_path / "ok.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(3):
            archive.writestr(f"{i}.txt", "x")
    with open_zip(path, max_members=3) as archive:
        assert [i.filename for i in archive.infolist()] == ["0.txt", "1.txt", "2.txt"]
    with pytest.raises(ArchiveRefused):
        open_zip(path, max_members=2)


# ---------------------------------------------------------------- F2: forged output metadata and error floods

METADATA_FLOOD = """
k = get_ipython().kernel
big = "x" * 2**24
for i in range(3):
    k.session.send(k.iopub_socket, "display_data", {"data": {}, "metadata": {"m": big}},
                   parent=k.get_parent("shell"), ident=b"display_data")
    k.session.send(k.iopub_socket, "display_data", {"data": {"text/plain": "a"}, "metadata": {},
                   "transient": {"display_id": "d%d" % i}}, parent=k.get_parent("shell"), ident=b"display_data")
    k.session.send(k.iopub_socket, "update_display_data", {"data": {"text/plain": big}, "metadata": {},
                   "transient": {"display_id": "d%d" % i}}, parent=k.get_parent("shell"), ident=b"display_data")
for i in range(50):
    k.session.send(k.iopub_socket, "error", {"ename": "Forged%d" % i, "evalue": "e" * 2000, "traceback": ["t" * 4000] * 40},
                   parent=k.get_parent("shell"), ident=b"error")
"""


def test_forged_metadata_updates_and_errors_are_counted_and_dropped(kernel):
    run = kernel.run(METADATA_FLOOD, timeout=60)
    outputs = kernel._client.nb.cells[0].outputs
    kept = len(json.dumps(outputs))
    assert run.output_dropped >= 6 * 2**24          # three metadata messages, three display updates
    assert kept < 2 * 2**20                         # none of the 16 MiB parts was kept
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert [e["ename"] for e in errors] == [f"Forged{i}" for i in range(ERRORS_KEPT)]
    assert kernel.run("1 + 1", timeout=30).ok


# ---------------------------------------------------------------- F7: huge numbers are wrong answers

ENTRY = {"args": (), "kwargs": {}, "want": 2.5, "kind": "float", "variants": ()}


@pytest.mark.parametrize("got", [10**4000, -(2**1024), 2**1024 + 1], ids=["1e4000", "-2^1024", "2^1024+1"])
def test_an_int_beyond_the_float_range_is_a_wrong_value_not_a_grader_failure(got):
    assert diagnosis.matches(got, 2.5, "float") is False
    assert diagnosis.matches(2.5, got, "float") is False
    with pytest.raises(CheckFailed) as failed:
        diagnosis._as_kind(got, {**ENTRY, "kind": "int", "want": 3}, "f()")
    assert failed.value.key == "wrong_value" and "digits" in failed.value.text.en


def test_a_function_returning_ten_to_the_4000_fails_its_checks_without_blaming_the_grader(tmp_path):
    nb = notebook_with("day93", functions={"conv_single_step": "def conv_single_step(window, kernel, bias=0.0):\n"
                                                               "    return 10 ** 4000"})
    result = grade(write(tmp_path, "huge", "day93", nb), seed=5)
    checks = [c for c in result.exercises[0].checks if c.function == "conv_single_step"]
    assert checks and {c.status for c in checks} == {Status.FAILED}
    assert not any(getattr(c, "grader_traceback", None) for c in checks)


# ---------------------------------------------------------------- F3: the kernel never learns the run's seed

LEAK = '''
def leak():
    import glob, os
    seen = [repr(dict(os.environ))]
    for path in glob.glob("/proc/[0-9]*/cmdline") + glob.glob("/proc/[0-9]*/environ"):
        try:
            seen.append(open(path, "rb").read().decode("latin-1"))
        except OSError:
            pass
    for folder, _, files in os.walk(os.getcwd()):
        for name in files:
            try:
                seen.append(name + open(os.path.join(folder, name), "rb").read(2**20).decode("latin-1"))
            except OSError:
                pass
    import random, numpy
    return {"everything": "\\n".join(seen), "env_seed": os.environ.get("GRADER_SEED", ""),
            "hash_seed": os.environ.get("PYTHONHASHSEED", ""), "random": random.random(),
            "numpy": float(numpy.random.random())}
'''
RUN_SEED = 2**63 + 123_456_789_012


def test_the_kernel_gets_a_derived_seed_and_nothing_it_can_read_holds_the_run_seed(tmp_path):
    nb = notebook_with("day93", insert={99: LEAK})
    path = write(tmp_path, "leak", "day93", nb)
    with Session(exercises.get("day93"), path, seed=RUN_SEED) as session:
        seen = session.learner.call("leak")
    derived = kernel_seed(RUN_SEED)
    assert 0 <= derived <= 2**32 - 1 and derived != RUN_SEED % 2**32
    assert seen["env_seed"] == seen["hash_seed"] == str(derived)
    for shown in (str(RUN_SEED), str(RUN_SEED % 2**31), str(RUN_SEED % 2**32), hex(RUN_SEED)[2:]):
        assert shown not in seen["everything"]
    assert kernel_seed(RUN_SEED) == kernel_seed(RUN_SEED) != kernel_seed(RUN_SEED + 1)


def test_a_drawn_run_seed_is_64_bits_and_the_same_seed_grades_the_same(tmp_path):
    broken = tmp_path / "broken" / "day93.ipynb"
    broken.parent.mkdir()
    broken.write_text("{ not json", encoding="utf-8")
    seeds = [grade(broken).seed for _ in range(5)]   # refused before any kernel starts: only the seed is drawn
    assert all(0 <= s < 2**64 for s in seeds) and max(seeds) >= 2**32
    path = exercises.get("day93").solution
    first, second = grade(path, seed=RUN_SEED), grade(path, seed=RUN_SEED)
    assert first.seed == second.seed == RUN_SEED
    assert [(c.id, c.status, c.score, c.message) for c in first.exercises[0].checks] == \
           [(c.id, c.status, c.score, c.message) for c in second.exercises[0].checks]
    assert first.score == first.max_score


# ---------------------------------------------------------------- SIGTERM: nothing left behind

SLEEPING_CELL = "import pathlib, time\npathlib.Path('started').write_text('yes')\ntime.sleep(600)"


def _leftovers(pid: int) -> tuple[list[str], list[str]]:
    folders = [f for f in glob.glob("/tmp/grader-*")
               if glob.glob(f"{f}/.kernel-{pid}-*") or glob.glob(f"{f}/.sandbox-{pid}-*")]
    groups = glob.glob(f"/sys/fs/cgroup/*/grader-{pid}-*") + glob.glob(f"/sys/fs/cgroup/*/*/grader-{pid}-*")
    return folders, groups


def test_sigterm_stops_grading_and_leaves_no_folder_or_cgroup(tmp_path):
    nb = notebook_with("day93", insert={1: SLEEPING_CELL})
    path = write(tmp_path, "sleeper", "day93", nb)
    process = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(path.parent), "--lang", "en",
                                "--json", str(tmp_path / "out.json"), "--cell-timeout", "600"], cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not any(Path(f, "work", "started").exists() for f in _leftovers(process.pid)[0]):
            assert process.poll() is None and time.monotonic() < deadline, "the sleeping cell never started"
            time.sleep(0.5)
        folders, _ = _leftovers(process.pid)
        assert folders
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=180)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 128 + signal.SIGTERM
    assert _leftovers(process.pid) == ([], [])
    assert not any(Path(f).exists() for f in folders)


def test_a_cell_that_floods_the_shell_channel_with_replies_to_other_requests_still_stops_at_its_limit(tmp_path):
    """nbclient looked at the time only when no message came: a kernel sending such replies without pause held its
    cell open past every limit (a 3 s cell still running after 150 s). Replies to other requests count against the
    once-a-second look now; the flood ignores the interrupt and drowns the probe that follows, so the kernel is
    restarted (an interrupt that stops the flood leaves a kernel that answers: kept, as after any timeout)."""
    with fresh_kernel(tmp_path) as flooded:
        began = time.monotonic()
        run = flooded.run(SHELL_FLOOD, timeout=3)
        assert run.outcome == "timeout"
        # the limit, the interrupt (ignored), then the waits for its last output: 18 s on an idle machine
        assert time.monotonic() - began < 30, f"stopped after {time.monotonic() - began:.0f} s, its limit 3 s"
        assert flooded.needs_restart(run)
        assert time.monotonic() - began < 60, "the probe after it was not stopped at its limit either"
        flooded.restart()
        assert flooded.run("1 + 1", timeout=10).ok


def test_a_message_whose_parent_header_is_a_megabyte_of_dates_is_refused_before_any_is_parsed(tmp_path):
    """jupyter_client turns every date of a message's headers into a datetime before the grader sees the message:
    a 30 MiB parent header of dates took 15-30 s of the grader's event loop, no time limit looked at meanwhile, and
    a thread sending one every 2 s kept a grading going until the machine ran out of memory (red team,
    2026-12-03). A header over 64 KiB is refused as a bad signature is: the cell ends garbled."""
    with fresh_kernel(tmp_path) as kernel:
        began = time.monotonic()
        run = kernel.run(DATES_IN_PARENT_HEADER, timeout=10)
        assert run.outcome == "garbled" and "a message header of" in run.evalue, run
        assert time.monotonic() - began < 5


UNREAD_CHANNELS = r'''
kernel = get_ipython().kernel
text = "z" * (8 << 20)
for socket in (kernel.stdin_socket, kernel.control_stream.socket):
    for i in range(5):
        kernel.session.send(socket, "input_request", dict(prompt=text, password=False),
                            parent=dict(header=dict(msg_id="x")), ident=kernel._parent_ident["shell"])
print("sent")
'''


def _rss_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) >> 10
    return 0


def test_messages_on_the_stdin_and_control_channels_are_not_kept_by_the_grader(tmp_path):
    """The grader opened the kernel's stdin and control channels and never read them: 80 MiB sent there stayed in
    the grader's memory (up to 1,000 messages of 32 MiB a channel). Those channels are no longer opened."""
    with fresh_kernel(tmp_path) as kernel:
        before = _rss_mib()
        assert kernel.run(UNREAD_CHANNELS, timeout=30).stdout == "sent\n"
        assert kernel.run("1 + 1", timeout=10).ok
        time.sleep(1)
        assert _rss_mib() - before < 40, f"the grader grew by {_rss_mib() - before} MiB"


LINE_FAILS_ONCE = r'''
import time
state = {"work": 0.0, "calls": 0}
def burn(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    state["work"] += seconds
def slow(x):
    state["calls"] += 1
    burn(min(2.5, 8.0 - state["work"]))
    return state["work"]
def before(info):   # the grader's helper cell, defined again: the work goes on there
    if "def __grader_call" in (info.raw_cell or "") and state["calls"]:
        burn(min(25.0, 8.0 - state["work"]))
def after(result):  # the call's line "fails", so the grader defines its helper again and calls once more
    if (result.info.raw_cell or "").startswith("__grader_call(") and state["work"] < 8.0:
        raise RuntimeError("fails")
get_ipython().events.register("pre_run_cell", before)
get_ipython().events.register("post_run_cell", after)
'''


def test_a_call_whose_line_fails_on_purpose_gets_its_limit_once_not_twice_and_the_helpers(tmp_path):
    """The grader's call line failing (here by the learner's own cell hook) made the grader define its helper again
    (a cell of 30 s) and run the line once more with its whole limit: a function of 8 s of work returned its value
    within a 3 s limit (red team, 2026-12-03). The cells of one call now share its limit."""
    with fresh_kernel(tmp_path, setup=LINE_FAILS_ONCE) as kernel:
        learner = KernelLearner(kernel, kernel.workdir, call_timeout_s=3)
        with pytest.raises(LearnerTimedOut):
            learner.call("slow", 1)
        learner.close()


def test_replays_after_kernel_restarts_take_at_most_the_notebooks_total_limit(tmp_path):
    """Cells instant when first run sleep when replayed (a file in HOME survives the restart): with a cell limit of
    3 s and a total of 20 s a grading took 93 s, and with the defaults it would take hours (red team, 2026-12-03).
    All the replays of a session now share the notebook's total limit, and the learner is told."""
    nb = notebook_with("day93")
    nb.cells += [nbformat.v4.new_code_cell(SLEEPS_WHEN_REPLAYED) for _ in range(8)]
    nb.cells += [nbformat.v4.new_code_cell(ARM_AND_CRASH)]
    path = write(tmp_path, "replays", "day93", nb)
    began = time.monotonic()
    (day,) = grade(path, seed=1, lang="en", cell_timeout_s=3, total_timeout_s=8).exercises
    assert time.monotonic() - began < 30, f"{time.monotonic() - began:.0f} s for a total limit of 8 s"
    notes = [f.note.en for f in day.execution.failures if f.note is not None]
    assert any("running again the cells that had succeeded took the notebook's total time limit of 8 s" in n
               for n in notes), notes


SHARED_DISPLAY_ID = """
from IPython.display import display
for i in range(600):
    display({"text/plain": ""}, raw=True, display_id="d")
"""


def test_outputs_sharing_a_display_id_are_capped_per_cell_and_forgotten_after_it(tmp_path):
    """nbclient updates every output registered under a display id at each new one (quadratic: 20,000 took 15 s of
    the grader's CPU), and kept the ids for the kernel's life, pointing into outputs of cells long gone: the next
    cell came back garbled (IndexError) and the one after lost its output (red team, 2026-12-03)."""
    with fresh_kernel(tmp_path) as kernel:
        for _ in range(2):
            run = kernel.run(SHARED_DISPLAY_ID, timeout=20)
            assert run.outcome == "ok" and run.output_dropped > 0, run
            assert sum(len(v) for v in kernel._client._display_id_map.get("d", {}).values()) <= 50
        assert kernel.run("print(1)", timeout=10).stdout == "1\n"
