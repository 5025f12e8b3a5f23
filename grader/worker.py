"""A warm grading worker: one long-lived child process per Dask worker thread, which imports the grader, pytest,
NumPy and SciPy once (TensorFlow with the first submission that needs it) and then grades submission after
submission on request. After each submission it collects its garbage and freezes what is left (``gc.freeze``), so
pytest's full collections no longer scan TensorFlow's heap (about 3 s a day on 2 cores); what a frozen cycle later
drops is never freed, which the RSS bound below recycles.

Isolation does not change: each submission's learner code still runs in its own fresh sandboxed kernel, started
by the grader inside the warm child exactly as ``grader grade`` does it. What the warm child saves is the grader's
own start (imports, about 5-10 s with TensorFlow on 2 cores). The child is the per-submission child of
:mod:`grader.job` made long-lived: its own session (``start_new_session``), the same address-space limit
(``RLIMIT_AS``) and the same death with its worker (``PR_SET_PDEATHSIG``).

Protocol (one JSON object a line): the worker writes ``{"argv": [...], "cwd": str, "env": {...}, "stderr": path}``
on the child's stdin; the child runs ``grader.cli.main(argv)`` in ``cwd`` with ``env`` added to its environment and
its stderr in ``path``, then answers ``{"rc": int}`` on its stdout (the grader's own prints go to /dev/null). It
says ``{"ready": true}`` once its imports are done.

Rules (:func:`grade_job_warm`):
- per-submission timeout: the child's whole process group and every process it started are killed, the outcome
  is "timed out", and the next submission gets a fresh child;
- a submission that fails (timed out, child died, non-zero exit) on a child that had graded others before is
  graded once more on a fresh child, whose outcome is reported: a failure is never the trace of an earlier
  submission;
- after each submission, processes the child still has (strays) are killed; the child is retired after
  ``GRADER_WORKER_MAX_JOBS`` submissions (default 50) or once its RSS passes ``GRADER_WORKER_MAX_RSS_MB``
  (default 3072);
- a child that cannot start (or says it is not ready in ``READY_TIMEOUT_S``) leaves the submission to
  :func:`grader.job.grade_job`, the per-submission child.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from grader.job import (CHILD_PREAMBLE, STDERR_KEPT, Job, Outcome, _child_env, _memory_limit, _stage, _why,
                        _worker_name, grade_job, grade_options, job_timeout, kill_tree)

READY_TIMEOUT_S = 300.0
DEFAULT_MAX_JOBS = 50
DEFAULT_MAX_RSS_MB = 3072

WARM_CHILD = CHILD_PREAMBLE + """\
import json, traceback
answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
os.close(null)
import gc
from grader.cli import main
import grader.grading, pytest, numpy, scipy  # noqa: the point of a warm worker: imported once
# TensorFlow is imported by the first submission that needs it (days 94-98), then stays: a day93 class never pays it.
gc.freeze()  # what is alive now is kept: pytest's gc.collect() calls stop scanning it (with TensorFlow, -3 s a day)
answers.write('{"ready": true}\\n')
answers.flush()
base = dict(os.environ)
for line in sys.stdin:
    request = json.loads(line)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(request["env"])
    log = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    saved = os.dup(2)
    os.dup2(log, 2)
    os.close(log)
    try:
        code = main(request["argv"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)
    os.chdir("/")
    answers.write(json.dumps({"rc": code}) + "\\n")
    answers.flush()
    gc.collect()  # the submission's garbage goes; what the grader imported for it (TensorFlow) is kept out of reach
    gc.freeze()
"""


@dataclass
class _Child:
    process: subprocess.Popen
    key: tuple
    graded: int = 0


_children: dict[int, _Child] = {}   # thread id -> its warm child
_lock = threading.Lock()


def max_jobs() -> int:
    return int(os.environ.get("GRADER_WORKER_MAX_JOBS") or DEFAULT_MAX_JOBS)


def max_rss_bytes() -> int:
    return int(os.environ.get("GRADER_WORKER_MAX_RSS_MB") or DEFAULT_MAX_RSS_MB) * 2**20


class _NotReady(Exception):
    """The warm child could not start or import."""


def _key(job: Job) -> tuple:
    """What a warm child is started with: its memory limit, device and seed (one per batch; in the child's own
    environment, so its processes can be found by it, as those of a per-submission child can)."""
    return _memory_limit(job.settings), job.settings.device, job.settings.seed


def _start(job: Job) -> _Child:
    env = _child_env(job.settings)
    process = subprocess.Popen([sys.executable, "-c", WARM_CHILD, str(_memory_limit(job.settings)),
                                str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, cwd="/", env=env, start_new_session=True)
    answer = _answer(process, READY_TIMEOUT_S)
    if not (isinstance(answer, dict) and answer.get("ready")):
        kill_tree(process)
        raise _NotReady(f"the warm worker did not start (answer {answer!r}, status {process.returncode})")
    return _Child(process, _key(job))


def _answer(process: subprocess.Popen, timeout_s: float) -> dict | str:
    """The child's next JSON line; ``"timeout"`` when none came in time, ``"died"`` when its stdout closed."""
    ready, _, _ = select.select([process.stdout], [], [], timeout_s)
    if not ready:
        return "timeout"
    line = process.stdout.readline()
    if not line:
        return "died"
    try:
        return json.loads(line)
    except ValueError:
        return "died"


def _retire(child: _Child | None) -> None:
    if child is None:
        return
    with contextlib.suppress(OSError):
        child.process.stdin.close()
    kill_tree(child.process)


def _child_for(job: Job, *, fresh: bool) -> _Child:
    """This thread's warm child for ``job``'s settings, started if there is none (or ``fresh`` asks for a new one)."""
    thread = threading.get_ident()
    with _lock:
        child = _children.pop(thread, None)
    if child is not None and (fresh or child.key != _key(job) or child.process.poll() is not None):
        _retire(child)
        child = None
    child = child or _start(job)
    with _lock:
        _children[thread] = child
    return child


def _drop(child: _Child) -> None:
    with _lock:
        for thread, held in list(_children.items()):
            if held is child:
                del _children[thread]
    _retire(child)


def _clean_up_after(child: _Child) -> None:
    """Kill what the submission left running under the child; retire a child that graded enough or grew too big."""
    import psutil

    try:
        me = psutil.Process(child.process.pid)
        strays = me.children(recursive=True)
        rss = me.memory_info().rss
    except psutil.Error:
        _drop(child)
        return
    for stray in strays:
        with contextlib.suppress(psutil.Error):
            stray.kill()
    child.graded += 1
    if child.graded >= max_jobs() or rss > max_rss_bytes():
        _drop(child)


def _attempt(job: Job, *, fresh: bool) -> tuple[Outcome, int]:
    """One grading of ``job`` on a warm child: (its outcome, how many submissions that child had graded before)."""
    child = _child_for(job, fresh=fresh)
    before = child.graded
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as tmp:
        folder = Path(tmp)
        out, log = folder / "result.json", folder / "stderr.txt"
        submission = _stage(folder, job)
        request = {"argv": ["grade", str(submission), "--json", str(out), *grade_options(job.settings)],
                   "cwd": str(folder), "env": {"GRADER_SEED": str(job.settings.seed)}, "stderr": str(log)}
        try:
            child.process.stdin.write((json.dumps(request) + "\n").encode())
            child.process.stdin.flush()
            answer = _answer(child.process, job_timeout(job))
        except BrokenPipeError:
            answer = "died"
        except BaseException:  # interrupted while waiting: leave nothing running
            _drop(child)
            raise
        if answer == "timeout":
            _drop(child)
            return Outcome(job.learner, False, reason=f"timed out after {job_timeout(job):g} s and was stopped"), before
        text = log.read_text(errors="replace")[-STDERR_KEPT:] if log.is_file() else ""
        if answer == "died" or not isinstance(answer, dict):
            _drop(child)
            returncode = child.process.wait()
            return Outcome(job.learner, False, reason=_why(returncode, text, _memory_limit(job.settings))), before
        _clean_up_after(child)
        returncode = int(answer.get("rc", 1))
        if returncode != 0 or not out.is_file():
            return Outcome(job.learner, False, reason=_why(returncode, text, _memory_limit(job.settings))), before
        return Outcome(job.learner, True, result=out.read_text(encoding="utf-8")), before


def grade_job_warm(job: Job) -> Outcome:
    """Grade one submission on this thread's warm child (see the module's rules); never raises for anything the
    submission does. Same outcome as :func:`grader.job.grade_job`, less the grader's start."""
    began, worker = time.perf_counter(), _worker_name()
    try:
        outcome, before = _attempt(job, fresh=False)
        if not outcome.ok and before > 0:
            outcome, _ = _attempt(job, fresh=True)
    except _NotReady:
        return grade_job(job)
    return replace(outcome, duration_s=time.perf_counter() - began, worker=worker)


def shutdown() -> None:
    """Retire every warm child of this process (also run at exit)."""
    with _lock:
        children = list(_children.values())
        _children.clear()
    for child in children:
        _retire(child)


atexit.register(shutdown)
