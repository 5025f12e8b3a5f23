"""A warm grading worker: one long-lived child process per Dask worker thread (a pool of them), which imports the
grader, pytest, NumPy and SciPy once (Keras and TensorFlow too, before the first submission that needs them) and
then grades submission after submission on request, each while the kernel of the next one boots
(:func:`grader.pool.keep_warm`).
After each submission it collects its garbage and freezes what is left (``gc.freeze``), so pytest's full
collections no longer scan TensorFlow's heap (about 3 s a day on 2 cores); what a frozen cycle later drops is never
freed, which the RSS bound below recycles.

Isolation does not change: each submission's learner code still runs in its own fresh sandboxed kernel, started
by the grader inside the warm child exactly as ``grader grade`` does it. What the warm child saves is the grader's
own start (imports, about 5-10 s with TensorFlow on 2 cores). The child is the per-submission child of
:mod:`grader.job` made long-lived: its own session (``start_new_session``), the same address-space limit
(``RLIMIT_AS``) and the same death with its worker (``PR_SET_PDEATHSIG``).

Protocol (one JSON object a line): the worker writes ``{"argv": [...], "cwd": str, "env": {...}, "stderr": path}``
on the child's stdin; the child runs ``grader.cli.main(argv)`` in ``cwd`` with ``env`` added to its environment and
its stderr in ``path``, then answers ``{"rc": int, "keep": [pid, ...]}`` on its stdout (the grader's own prints go
to /dev/null; ``keep``: the kernels it launched ahead for the next submission, :mod:`grader.pool`). It says
``{"ready": true}`` once its imports are done, and again after ``{"import": "keras"}``; it exits when its stdin
closes or once a grading was stopped by SIGTERM/SIGHUP (``grader.cli`` turns them into ``SystemExit``, so the
grading closes its kernels first).

Rules (:func:`grade_job_warm`):
- per-submission timeout, counted from the request (after the child's imports: Keras's is asked for and waited
  on before the first submission of days 94-98, with ``START_TIMEOUT_S``, so no learner's limit pays for the
  grader's start): the child is stopped by :func:`grader.job.kill_tree` (SIGTERM, so it closes its kernels,
  cgroups and session folders; SIGKILL for its group and every process it started if it is not gone in
  ``TERM_GRACE_S``; then whatever it left is swept), the outcome is "timed out", and the next submission gets a
  fresh child;
- a submission that fails (timed out, child died, non-zero exit) on a child that had graded others before is
  graded once more on a fresh child, whose outcome is reported: a failure is never the trace of an earlier
  submission;
- children are a pool, not tied to threads: :func:`prestart` starts them ahead (a batch whose Dask workers are
  threads of its own process starts one per worker before its cluster, so their imports overlap the cluster's
  start; :func:`warm_pool` retires them when the batch ends);
- after each submission, processes the child still has (strays) are killed, except the kernels it named in
  ``keep`` (launched ahead, never used by anyone); the child is retired after
  ``GRADER_WORKER_MAX_JOBS`` submissions (default 50) or once its RSS passes ``GRADER_WORKER_MAX_RSS_MB``
  (default 3072);
- a child that cannot start (or says it is not ready in ``START_TIMEOUT_S``) leaves the submission to
  :func:`grader.job.grade_job`, the per-submission child.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from grader.job import (CHILD_PREAMBLE, START_TIMEOUT_S, STDERR_KEPT, Job, Outcome, Settings, _child_env,
                        _memory_limit, _stage, _why, _worker_name, grade_job, grade_options, job_timeout, kill_tree,
                        timed_out)

DEFAULT_MAX_JOBS = 50
DEFAULT_MAX_RSS_MB = 3072
RETIRE_WAIT_S = 10.0  # an idle child asked to exit closes the kernel it launched ahead first

WARM_CHILD = CHILD_PREAMBLE + """\
import json, traceback
answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
null = os.open(os.devnull, os.O_WRONLY)
os.dup2(null, 1)
os.close(null)
import gc
from grader.cli import main
import grader.grading, pytest, numpy, scipy  # noqa: the point of a warm worker: imported once
import grader.session, grader.kernel, grader.learner, nbclient, nbformat, jupyter_client, zmq.asyncio  # noqa: the
# rest of what every grading imports: a batch starts its warm children before its cluster, so this overlaps that
# Keras and TensorFlow are imported when asked, before the first submission that needs them (days 94-98; see
# _with_keras), then stay: a day93 class never pays for them, and no learner's time limit does.
from grader import pool
pool.keep_warm(True)  # after each submission, the kernel of the next one is launched (named in "keep")
gc.freeze()  # what is alive now is kept: pytest's gc.collect() calls stop scanning it (with TensorFlow, -3 s a day)
answers.write('{"ready": true}\\n')
answers.flush()
base = dict(os.environ)
for line in sys.stdin:
    request = json.loads(line)
    if request.get("import") == "keras":  # asked before the first submission that needs it, outside its time
        from grader import environment
        environment.preload_keras()  # once, as the grader's own start
        gc.collect()
        gc.freeze()
        answers.write('{"ready": true}\\n')
        answers.flush()
        continue
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
    answers.write(json.dumps({"rc": code, "keep": sorted(pool.waiting_pids())}) + "\\n")
    answers.flush()
    if code in (128 + signal.SIGTERM, 128 + signal.SIGHUP):  # told to stop (grader.cli): the grading has unwound
        break
    gc.collect()  # the submission's garbage goes; what the grader imported for it (TensorFlow) is kept out of reach
    gc.freeze()
"""


@dataclass
class _Child:
    process: subprocess.Popen
    key: tuple
    graded: int = 0
    ready: bool = False
    kept: tuple[int, ...] = ()   # the kernels it launched ahead, as it named them after its last submission
    keras: bool = False   # asked to import Keras (the answer is awaited by _with_keras)
    keras_ready: bool = False


_idle: list[_Child] = []   # warm children not grading now (started ahead by prestart, or done with a submission)
_busy: list[_Child] = []   # warm children grading a submission now
_lock = threading.Lock()
_closing = threading.Event()   # set when a batch's warm pool closes (see warm_pool)


def max_jobs() -> int:
    return int(os.environ.get("GRADER_WORKER_MAX_JOBS") or DEFAULT_MAX_JOBS)


def max_rss_bytes() -> int:
    return int(os.environ.get("GRADER_WORKER_MAX_RSS_MB") or DEFAULT_MAX_RSS_MB) * 2**20


class _NotReady(Exception):
    """The warm child could not start or import."""


def _key(settings: Settings) -> tuple:
    """What a warm child is started with: its memory limit, device and seed (one per batch; in the child's own
    environment, so its processes can be found by it, as those of a per-submission child can)."""
    return _memory_limit(settings), settings.device, settings.seed


def _spawn(settings: Settings) -> _Child:
    """A warm child, started and still importing (:func:`_wait_ready` waits for it). It dies with the thread that
    starts it (``PR_SET_PDEATHSIG``): start it from a thread that outlives it (a Dask worker's, the main one)."""
    process = subprocess.Popen([sys.executable, "-c", WARM_CHILD, str(_memory_limit(settings)), str(os.getpid())],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/",
                               env=_child_env(settings), start_new_session=True)
    return _Child(process, _key(settings))


def _wait_ready(child: _Child) -> _Child:
    if not child.ready:
        answer = _answer(child.process, START_TIMEOUT_S)
        if not (isinstance(answer, dict) and answer.get("ready")):
            _retire(child)
            raise _NotReady(f"the warm worker did not start (answer {answer!r}, status {child.process.returncode})")
        child.ready = True
    return child


def prestart(settings: Settings, count: int, *, keras: bool = False) -> None:
    """Start warm children for ``settings`` until ``count`` wait idle, without waiting for their imports: a batch
    whose Dask workers run in this process calls it before starting its cluster, so the children import while
    the cluster starts (Keras and TensorFlow too when ``keras``: a batch with days 94-98). Idle children for
    other settings are retired."""
    _closing.clear()
    with _lock:
        stale = [c for c in _idle if c.key != _key(settings)]
        _idle[:] = [c for c in _idle if c not in stale]
        missing = count - len(_idle)
    for child in stale:
        _retire(child)
    started = [_spawn(settings) for _ in range(missing)]
    with _lock:
        _idle.extend(started)
        asked = [c for c in _idle if keras and not c.keras]
        for child in asked:  # marked before it is asked, so that no submission is sent before the answer is read
            child.keras = True
    for child in asked:  # queued behind its start; read by _with_keras before the child's first submission
        with contextlib.suppress(OSError):
            child.process.stdin.write(b'{"import": "keras"}\n')
            child.process.stdin.flush()


@contextlib.contextmanager
def warm_pool(settings: Settings, count: int, *, keras: bool = False):
    """:func:`prestart` ``count`` children for a batch graded in this process's threads; every warm child of this
    process is retired when the batch ends (their kernels closed, nothing left running); from then on, until the
    next batch, a grading still under way is not retried and none starts (an interrupted batch)."""
    try:
        prestart(settings, count, keras=keras)
        yield
    finally:
        _closing.set()
        _retire_all()


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


def _retire(child: _Child, *, busy: bool = False) -> None:
    """End a child: an idle one is asked to (its input closed: it closes what it holds and exits) and given
    ``RETIRE_WAIT_S``; a busy one (past its time limit) or one that does not exit is stopped by
    :func:`grader.job.kill_tree` (SIGTERM, then SIGKILL, then what it left is swept)."""
    with _lock:
        for held in (_idle, _busy):
            if child in held:
                held.remove(child)
    with contextlib.suppress(OSError):
        child.process.stdin.close()
    if not busy:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=RETIRE_WAIT_S)
    kill_tree(child.process)


def _take(job: Job, *, fresh: bool) -> _Child:
    """An idle warm child for ``job``'s settings, ready (started here if there is none, or ``fresh`` asks for a
    new one); it is this caller's until :func:`_give_back` or :func:`_retire`."""
    key, child = _key(job.settings), None
    with _lock:
        stale = [c for c in _idle if c.key != key or c.process.poll() is not None]
        _idle[:] = [c for c in _idle if c not in stale]
        if not fresh and _idle:
            child = _idle.pop(0)
    for old in stale:
        _retire(old)
    if child is None and _closing.is_set():
        raise _NotReady("the batch is closing")
    child = child or _spawn(job.settings)
    with _lock:
        _busy.append(child)
    return _wait_ready(child)


def _with_keras(child: _Child, wanted: bool) -> _Child:
    """``child`` with Keras imported, if ``wanted`` or asked before (its answer comes before any later one): the
    grader's own start, so it is waited for with ``START_TIMEOUT_S`` and not counted against the submission's time
    limit (5-10 s on 2 cores, more under load: an honest submission graded first was once timed out by it)."""
    if wanted and not child.keras:
        child.process.stdin.write(b'{"import": "keras"}\n')
        child.process.stdin.flush()
        child.keras = True
    if child.keras and not child.keras_ready:
        answer = _answer(child.process, START_TIMEOUT_S)
        if not (isinstance(answer, dict) and answer.get("ready")):
            _retire(child, busy=True)
            raise _NotReady(f"the warm worker did not import Keras (answer {answer!r})")
        child.keras_ready = True
    return child


def _give_back(child: _Child) -> None:
    with _lock:
        if child in _busy:
            _busy.remove(child)
            _idle.append(child)


def strays(child_pid: int, keep: list[int]) -> list:
    """The processes under the warm child ``child_pid`` after a submission (psutil), less the kernels it keeps
    launched for the next one (``keep``, named by the child) and their own processes."""
    import psutil

    tree = psutil.Process(child_pid).children(recursive=True)
    kept = set()
    for process in tree:
        if process.pid in keep:
            kept.add(process.pid)
            with contextlib.suppress(psutil.Error):
                kept |= {p.pid for p in process.children(recursive=True)}
    return [p for p in tree if p.pid not in kept]


def _clean_up_after(child: _Child, keep: list[int]) -> None:
    """Kill what the submission left running under the child; retire a child that graded enough or grew too big,
    give the others back to the idle pool."""
    import psutil

    try:
        left = strays(child.process.pid, keep)
        rss = psutil.Process(child.process.pid).memory_info().rss
    except psutil.Error:
        _retire(child)
        return
    for stray in left:
        with contextlib.suppress(psutil.Error):
            stray.kill()
    child.graded, child.kept = child.graded + 1, tuple(keep)
    if child.graded >= max_jobs() or rss > max_rss_bytes():
        _retire(child)
    else:
        _give_back(child)


def _attempt(job: Job, *, fresh: bool) -> tuple[Outcome, int]:
    """One grading of ``job`` on a warm child: (its outcome, how many submissions that child had graded before)."""
    child = _take(job, fresh=fresh)
    before = child.graded
    try:
        _with_keras(child, job.keras)
    except BrokenPipeError:
        _retire(child, busy=True)
        raise _NotReady("the warm worker died before its submission") from None
    except _NotReady:
        raise
    except BaseException:  # interrupted while it imports: leave nothing running
        _retire(child, busy=True)
        raise
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
            _retire(child, busy=True)
            raise
        if answer == "timeout":
            _retire(child, busy=True)
            return Outcome(job.learner, False, reason=timed_out(job_timeout(job))), before
        text = log.read_text(errors="replace")[-STDERR_KEPT:] if log.is_file() else ""
        if answer == "died" or not isinstance(answer, dict):
            _retire(child, busy=True)
            returncode = child.process.wait()
            return Outcome(job.learner, False, reason=_why(returncode, text, _memory_limit(job.settings))), before
        _clean_up_after(child, [k for k in answer.get("keep") or [] if isinstance(k, int)])
        returncode = int(answer.get("rc", 1))
        if returncode != 0 or not out.is_file():
            return Outcome(job.learner, False, reason=_why(returncode, text, _memory_limit(job.settings))), before
        return Outcome(job.learner, True, result=out.read_text(encoding="utf-8")), before


def grade_job_warm(job: Job) -> Outcome:
    """Grade one submission on a warm child (see the module's rules); never raises for anything the
    submission does. Same outcome as :func:`grader.job.grade_job`, less the grader's start."""
    began, worker = time.perf_counter(), _worker_name()
    stopped = Outcome(job.learner, False, reason=_why(-signal.SIGTERM, "", _memory_limit(job.settings)))
    try:
        outcome, before = (stopped, 0) if _closing.is_set() else _attempt(job, fresh=False)
        if not outcome.ok and before > 0:
            outcome, _ = (stopped, 0) if _closing.is_set() else _attempt(job, fresh=True)
    except _NotReady:
        outcome = stopped if _closing.is_set() else grade_job(job)
    return replace(outcome, duration_s=time.perf_counter() - began, worker=worker)


def _retire_all() -> None:
    """Retire every warm child of this process: the idle ones asked to exit (all at once: they close side by
    side), any still grading (a batch interrupted) stopped as one past its time limit."""
    with _lock:
        idle, busy = list(_idle), list(_busy)
    for child in idle:
        with contextlib.suppress(OSError):
            child.process.stdin.close()
    for child in idle:
        _retire(child)
    for child in busy:
        _retire(child, busy=True)


def shutdown() -> None:
    """Retire every warm child of this process (also run at exit); later gradings start new ones."""
    _retire_all()
    _closing.clear()


atexit.register(shutdown)
