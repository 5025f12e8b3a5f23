"""One submission graded on a worker: a child process of its own session, limited in memory and time.

Dask cannot stop or limit a running task, so a task only supervises: ``grade_job`` writes the learner's
notebooks (sent as bytes, so no shared filesystem is needed) into a temporary folder, runs
``grader grade --json`` there in a child process started with ``start_new_session=True`` and an address-space
limit (``RLIMIT_AS``), and on timeout kills the child's whole process group and the kernels it started.
The child also dies with its worker (``PR_SET_PDEATHSIG``). Nothing a submission does can raise here.
:mod:`grader.worker` keeps such a child warm across submissions (the default of ``grader batch``); this module's
:func:`grade_job` is the child-per-submission path (``--no-warm``) and the warm worker's fallback.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import exercise as exercises
from grader.environment import gpus

STDERR_KEPT = 4000
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
from grader.cli import main
sys.exit(main(sys.argv[1:]))
"""


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
                           "device": self.device})


@dataclass(frozen=True)
class Job:
    learner: str
    files: tuple[tuple[str, bytes], ...]
    settings: Settings


@dataclass(frozen=True)
class Outcome:
    learner: str
    ok: bool
    result: str = ""    # the canonical JSON, when graded
    reason: str = ""    # why not, when not
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


def _command(job: Job, submission: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", CHILD, str(_memory_limit(job.settings)), str(os.getpid()), "grade", str(submission),
            "--json", str(out), *grade_options(job.settings)]


def _child_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1",
           "GRADER_SEED": str(settings.seed)}  # the checks' random inputs follow the batch's seed
    if settings.device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


def kill_tree(process: subprocess.Popen) -> None:
    """Kill the child's process group and every process it started, kernels in sessions of their own included."""
    import psutil

    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        descendants = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    for child in descendants:
        with contextlib.suppress(psutil.Error):
            child.kill()
    process.wait()


def _why(returncode: int, stderr: str, memory: int) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"the grader was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    last = lines[-1] if lines else f"exit status {returncode}"
    if "MemoryError" in stderr or "std::bad_alloc" in stderr:
        return f"ran out of memory (limit {memory // 2**20} MB per process): {last}"[:300]
    return f"the grader exited with status {returncode}: {last}"[:300]


def grade_job(job: Job) -> Outcome:
    """Grade one submission in a child process; never raises for anything the submission does."""
    began = time.perf_counter()
    worker = _worker_name()
    with tempfile.TemporaryDirectory(prefix="grader-batch-") as tmp:
        folder = Path(tmp)
        out, log = folder / "result.json", folder / "stderr.txt"
        with open(log, "wb") as stderr:
            child = subprocess.Popen(_command(job, _stage(folder, job), out), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=stderr, cwd=folder,
                                     env=_child_env(job.settings), start_new_session=True)
            try:
                returncode = child.wait(timeout=job_timeout(job))
            except subprocess.TimeoutExpired:
                kill_tree(child)
                return Outcome(job.learner, False, reason=f"timed out after {job_timeout(job):g} s and was stopped",
                               duration_s=time.perf_counter() - began, worker=worker)
            finally:
                if child.returncode is None:  # interrupted while waiting: leave nothing running
                    kill_tree(child)
        text = log.read_text(errors="replace")[-STDERR_KEPT:]
        if returncode != 0 or not out.is_file():
            return Outcome(job.learner, False, reason=_why(returncode, text, _memory_limit(job.settings)),
                           duration_s=time.perf_counter() - began, worker=worker)
        return Outcome(job.learner, True, result=out.read_text(encoding="utf-8"),
                       duration_s=time.perf_counter() - began, worker=worker)


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return f"local-{os.getpid()}"
