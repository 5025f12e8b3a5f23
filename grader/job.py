"""One submission graded on a worker: a child process of its own session, limited in memory and time.

Dask cannot stop or limit a running task, so a task only supervises: ``grade_job`` writes the learner's
notebooks (sent as bytes, so no shared filesystem is needed) into a temporary folder, runs
``grader grade --json`` there in a child process started with ``start_new_session=True`` and an address-space
limit (``RLIMIT_AS``), times it from the child's word that it has imported the grader (and Keras for days 94-98,
so no learner's time limit pays for the grader's start), and on timeout stops it (:func:`kill_tree`: SIGTERM so that it closes its kernels, then
SIGKILL for its process group and the kernels it started, then :func:`sweep` for their cgroups and folders).
The child also dies with its worker (``PR_SET_PDEATHSIG``). Nothing a submission does can raise here.
:mod:`grader.worker` keeps such a child warm across submissions (the default of ``grader batch``); this module's
:func:`grade_job` is the child-per-submission path (``--no-warm``) and the warm worker's fallback.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import exercise as exercises
from grader import messages
from grader.environment import gpus
from grader.results import Text

STDERR_KEPT = 4000
TERM_GRACE_S = 20.0  # a grader told to stop closes its kernels: about 1 s, more on a loaded machine
CHILD_PREAMBLE = """\
import ctypes, os, resource, signal, sys
limit, parent = int(sys.argv.pop(1)), int(sys.argv.pop(1))
if limit > 0:  # soft limit only: the sandbox may still give kernels limits of their own
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
try:  # PR_SET_PDEATHSIG: die with the worker that started us, even if it is killed
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
except Exception:
    pass
if os.getppid() != parent:
    sys.exit(137)
"""
CHILD = CHILD_PREAMBLE + """\
started, wants_keras = int(sys.argv.pop(1)), sys.argv.pop(1) == "keras"
from grader.cli import main
if wants_keras:  # the grader's own start, before the submission's clock (grade_job)
    from grader import environment
    environment.preload_keras()
os.write(started, b"started\\n")
os.close(started)
sys.exit(main(sys.argv[1:]))
"""
START_TIMEOUT_S = 300.0  # the grader's own start in a child (imports; Keras and TensorFlow: 5-10 s on 2 cores)
START_POLL_S = 0.5       # how often a starting child is looked at for its exit


def default_memory_mb() -> int:
    """Address-space limit per process: TensorFlow reserves far more than it uses (thread stacks, malloc arenas)."""
    configured = os.environ.get("GRADER_BATCH_MEMORY_MB")
    if configured:
        try:
            return int(configured)
        except ValueError:
            raise ValueError(f"Invalid memory limit {configured!r} from GRADER_BATCH_MEMORY_MB") from None
    return max(8192, 4096 + 640 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class Settings:
    seed: int
    lang: str = "en"
    hidden: bool = True
    cell_timeout_s: float | None = None
    timeout_s: float | None = None      # per submission; default from the exercises' own limits
    memory_mb: int | None = None        # None: default_memory_mb() on CPU, none with a GPU (CUDA maps huge ranges)
    device: str = "auto"
    warm: bool = True                   # graded on a warm worker (grader.worker), else a child per submission

    def key(self) -> str:
        """What changes a grade: a learner graded under another key is graded again."""
        return json.dumps({"seed": self.seed, "hidden": self.hidden, "cell_timeout_s": self.cell_timeout_s,
                           "device": self.device, "checks": exercises.checks_digest()})


@dataclass(frozen=True)
class Job:
    learner: str
    files: tuple[tuple[str, bytes], ...]
    settings: Settings

    @property
    def keras(self) -> bool:
        """Whether grading it imports Keras (one of its exercises' checks does: :attr:`Exercise.keras`)."""
        return any(exercises.get(exercise_id).keras for exercise_id, _ in self.files)


@dataclass(frozen=True)
class Outcome:
    learner: str
    ok: bool
    result: str = ""    # the canonical JSON, when graded
    reason: Text | None = None    # why not, when not (both languages; ``.en`` for a log)
    duration_s: float = 0.0
    worker: str = ""


def job_timeout(job: Job) -> float:
    if job.settings.timeout_s:
        return job.settings.timeout_s
    return 60.0 + 1.5 * sum(exercises.get(e).total_timeout_s for e, _ in job.files)


def _stage(folder: Path, job: Job) -> Path:
    submission = folder / "submission"
    for exercise_id, data in job.files:
        path = submission / exercise_id / f"{exercise_id}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return submission


def _memory_limit(settings: Settings) -> int:
    if settings.memory_mb is not None:
        return settings.memory_mb * 2**20
    on_gpu = settings.device != "cpu" and bool(gpus())
    return 0 if on_gpu else default_memory_mb() * 2**20


def grade_options(s: Settings) -> list[str]:
    """``grader grade``'s options for these settings (after the path and ``--json``)."""
    options = ["--format", "json", "--seed", str(s.seed), "--lang", s.lang]
    if s.cell_timeout_s:
        options += ["--cell-timeout", str(s.cell_timeout_s)]
    return options + ([] if s.hidden else ["--public-only"])


def _command(job: Job, submission: Path, out: Path, started: int) -> list[str]:
    return [sys.executable, "-c", CHILD, str(_memory_limit(job.settings)), str(os.getpid()), str(started),
            "keras" if job.keras else "-", "grade", str(submission), "--json", str(out), *grade_options(job.settings)]


def _child_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1",
           "GRADER_SEED": str(settings.seed)}  # the checks' random inputs follow the batch's seed
    if settings.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def kill_tree(process: subprocess.Popen, *, grace_s: float = TERM_GRACE_S) -> None:
    """Stop the grading child and everything it started. SIGTERM first, to the child alone: ``grader.cli`` turns it
    into ``SystemExit``, so the grading closes its kernels, cgroups and session folders as on Ctrl-C. If the child
    is not gone within ``grace_s`` seconds: SIGKILL for its process group and every process it had started
    (kernels in sessions of their own included). Last, :func:`sweep` removes what a killed grader could not."""
    import psutil

    def tree() -> list:
        try:
            return psutil.Process(process.pid).children(recursive=True)
        except psutil.Error:
            return []

    descendants = tree()  # before it exits: its orphans can no longer be found from it
    if process.poll() is None and grace_s > 0:
        with contextlib.suppress(OSError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    if process.poll() is None:
        descendants += tree()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for child in descendants:
        with contextlib.suppress(psutil.Error):
            child.kill()
    process.wait()
    sweep(process.pid)


def sweep(pid: int) -> None:
    """Remove what the grader process ``pid``, once gone, may have left (it was killed before it could close its
    kernels): the kernels' cgroups ``grader-<pid>-*`` (their processes killed first) and the session folders
    (``grader-*`` in the temporary folder, holding a ``.kernel-<pid>-*`` or ``.sandbox-<pid>-*`` entry)."""
    from grader import sandbox
    from grader.channel import remove_tree

    for group in (g for base in sandbox.cgroup_bases() for g in base.glob(f"grader-{pid}-*")):
        sandbox.kill_until_gone(lambda: _pids_in(group / "cgroup.procs"))
        sandbox._rmdir(group)
    for folder in Path(tempfile.gettempdir()).glob("grader-*"):
        with contextlib.suppress(OSError):
            if next(folder.glob(f".kernel-{pid}-*"), None) or next(folder.glob(f".sandbox-{pid}-*"), None):
                remove_tree(folder)


def _pids_in(procs: Path) -> set[int]:
    try:
        return {int(p) for p in procs.read_text().split()}
    except (OSError, ValueError):
        return set()


def timed_out(seconds: float) -> Text:
    """The reason of a submission stopped at its time limit (``seconds``)."""
    return messages.text("batch_reason_timeout", seconds=f"{seconds:g}")


def _why(returncode: int, stderr: str, memory: int) -> Text:
    """Why the grading child failed: its signal, or its exit status and the last line it wrote (cut to 240)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return messages.text("batch_reason_killed_memory" if name == "SIGKILL" else "batch_reason_killed", signal=name)
    if "MemoryError" in stderr or "std::bad_alloc" in stderr:
        return messages.text("batch_reason_out_of_memory", mb=memory // 2**20,
                             last=lines[-1][:240] if lines else f"exit status {returncode}")
    if not lines:
        return messages.text("batch_reason_exit_silent", status=returncode)
    return messages.text("batch_reason_exit", status=returncode, last=lines[-1][:240])


def grade_job(job: Job) -> Outcome:
    """Grade one submission in a child process; never raises for anything the submission does. Its time limit
    (:func:`job_timeout`) counts from the child's word that it has imported the grader (and Keras, for days 94-98;
    waited for up to ``START_TIMEOUT_S``), as on a warm worker: no learner's time pays for the grader's start. A
    child with no word in that time is stopped and the learner left ungraded for a grader's reason
    (``batch_reason_no_start``), never told their submission timed out."""
    began = time.perf_counter()
    worker = _worker_name()
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as tmp:
        folder = Path(tmp)
        out, log = folder / "result.json", folder / "stderr.txt"
        started, told = os.pipe()
        with open(log, "wb") as stderr:
            try:
                child = subprocess.Popen(_command(job, _stage(folder, job), out, told), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=stderr, cwd=folder, pass_fds=(told,),
                                         env=_child_env(job.settings), start_new_session=True)
            except BaseException:
                os.close(started)
                raise
            finally:
                os.close(told)
            try:
                if not _await_start(started, child):   # the grader's own start hung: not the learner's doing
                    kill_tree(child)
                    return Outcome(job.learner, False, duration_s=time.perf_counter() - began, worker=worker,
                                   reason=messages.text("batch_reason_no_start", seconds=f"{START_TIMEOUT_S:g}"))
                returncode = child.wait(timeout=job_timeout(job))
            except subprocess.TimeoutExpired:
                kill_tree(child)
                return Outcome(job.learner, False, reason=timed_out(job_timeout(job)),
                               duration_s=time.perf_counter() - began, worker=worker)
            finally:
                os.close(started)
                if child.returncode is None:  # interrupted while waiting: leave nothing running
                    kill_tree(child)
        text = log.read_text(errors="replace")[-STDERR_KEPT:]
        if returncode != 0 or not out.is_file():
            return Outcome(job.learner, False, reason=_why(returncode, text, _memory_limit(job.settings)),
                           duration_s=time.perf_counter() - began, worker=worker)
        return Outcome(job.learner, True, result=out.read_text(encoding="utf-8"),
                       duration_s=time.perf_counter() - began, worker=worker)


def _await_start(started: int, child: subprocess.Popen) -> bool:
    """Wait up to ``START_TIMEOUT_S`` for the child's word on the pipe ``started``, the pipe's end or the child's
    exit (it died starting: its exit status says why; a process it started may still hold the pipe open, so the
    child is looked at every ``START_POLL_S``); False when none of them came in that time."""
    waiting = select.poll()
    waiting.register(started, select.POLLIN | select.POLLHUP)
    deadline = time.monotonic() + START_TIMEOUT_S
    while (left := deadline - time.monotonic()) > 0:
        if waiting.poll(min(left, START_POLL_S) * 1000) or child.poll() is not None:
            return True
    return False


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"local-{os.getpid()}"
