"""One grading session: a learner's notebook run top to bottom in a fresh kernel, kept alive for the checks.

``with Session(exercise, notebook, seed=...) as session:`` copies the notebook alone into a temporary
working copy, starts a kernel there, seeds it, and runs every code cell as "Restart & Run All" would,
except that a failing cell does not stop the cells after it. A cell that kills or hangs the kernel is
recorded; the kernel is restarted and the cells that had succeeded are run again, so the rest of the
notebook (and every function it defined) can still be graded. ``session.learner`` then calls the
learner's functions for the checks.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader import messages, pool, quota
from grader.channel import remove_tree
from grader.exercise import Exercise
from grader.kernel import DISK_ENAME, MEMORY_ENAME, CellRun, Kernel
from grader.learner import KernelLearner
from grader.notebook import Submission, read_submission
from grader.results import CellFailure, Execution, Status

MAX_RESTARTS = 3
SEED_CELL = """\
import os as _o, random as _r
_r.seed({seed})
try:
    import numpy as _n
    _n.random.seed({seed})
    del _n
except ImportError:
    pass
del _o, _r
"""


def kernel_seed(seed: int) -> int:
    """The seed a graded kernel is given (``random``, NumPy, ``PYTHONHASHSEED``): derived one way from the run's
    seed, 0 to 2**32 - 1. The run's seed itself also draws the hidden checks' inputs and day97's moved digits,
    so the kernel never sees it (a 64-bit run seed cannot be found back from this one)."""
    raw = int(seed).to_bytes(max(8, (int(seed).bit_length() + 7) // 8), "big", signed=False)
    return int.from_bytes(hashlib.sha256(b"kernel:" + raw).digest()[:4], "big")


@dataclass
class Session:
    exercise: Exercise
    notebook: Path
    seed: int
    cell_timeout_s: float | None = None
    total_timeout_s: float | None = None
    on_kernel_ready: Callable[[], None] | None = None  # called once the kernel answers, before the first cell
    execution: Execution | None = None
    learner: KernelLearner | None = None
    missing: bool = False  # no notebook at ``notebook``: every check is not attempted
    _kernel: Kernel | None = field(default=None, repr=False)
    _tmp: Path | None = field(default=None, repr=False)
    _succeeded: list[str] = field(default_factory=list, repr=False)
    _replay_left_s: float | None = field(default=None, repr=False)  # what replays may still take (all together)

    def __enter__(self) -> "Session":
        try:
            return self._enter()
        except BaseException as error:  # whatever happened, nothing is left behind, the rest is graded
            self.__exit__()
            if not isinstance(error, Exception):  # stopped (Ctrl-C, SIGTERM): cleaned up, then stop
                raise
            problem = messages.text("notebook_run_failed", reason=f"{type(error).__name__}: {error}"[:300])
            self.execution, self.learner = Execution(notebook=str(self.notebook), problem=problem), None
            return self

    def _enter(self) -> "Session":
        submission = read_submission(self.notebook)
        if submission.problem is None and _linked(Path(self.notebook)):
            submission = Submission(self.notebook, problem=messages.text("notebook_symlink", path=Path(self.notebook).name))
        if submission.problem is not None:
            self.execution = Execution(notebook=str(self.notebook), problem=submission.problem)
            self.missing = submission.missing
            return self
        stage = self._stage()
        if stage is None:
            return self
        self._tmp, workdir, self._kernel = stage.folder, stage.workdir, stage.kernel
        with open(workdir / self.exercise.notebook_name, "xb") as copy, open(self.notebook, "rb") as original:
            shutil.copyfileobj(original, copy)  # "x": a new file; nothing of any learner ran in this kernel yet
        try:
            self._kernel.connect()
        except Exception as error:  # noqa: BLE001 - reported as a problem of this notebook, not a crash
            problem = messages.text("notebook_kernel_failed", reason=f"{type(error).__name__}: {error}"[:300])
            self.execution = Execution(notebook=str(self.notebook), problem=problem)
            return self
        if self.on_kernel_ready is not None:
            self.on_kernel_ready()
        self.execution = self._run_all(submission)
        self.learner = KernelLearner(self._kernel, workdir, call_timeout_s=self.exercise.call_timeout_s,
                                     on_kernel_death=self._restart_and_replay, cells=tuple(submission.cells),
                                     failures=self.execution.failures, calls_budget_s=self.exercise.calls_budget_s)
        return self

    def __exit__(self, *exc) -> None:
        kernel, tmp, self._kernel, self._tmp = self._kernel, self._tmp, None, None
        try:
            if self.learner is not None:
                self.learner.close()
            if kernel is not None:
                kernel.close()
        finally:
            if tmp is not None:
                remove_tree(tmp)  # never follows the kernel's links, at any depth

    def _stage(self) -> pool.Stage | None:
        """The session's folder and launched kernel: the one :mod:`grader.pool` prepared for this exercise and
        seed, else a new one; None (with ``execution`` saying why) when no kernel can be launched."""
        stage = pool.take(self.exercise.id, self.seed)
        if stage is not None:
            return stage
        try:
            return pool.build(self.exercise.id, self.seed, kernel_seed(self.seed))
        except pool.LaunchError as error:  # reported as a problem of this notebook, not a crash
            problem = messages.text("notebook_kernel_failed", reason=str(error)[:300])
            self.execution = Execution(notebook=str(self.notebook), problem=problem)
            return None

    # ------------------------------------------------------------ running the notebook

    def _run_all(self, submission: Submission) -> Execution:
        cell_limit = self.cell_timeout_s or self.exercise.cell_timeout_s
        total_limit = self._total_limit()
        began = time.perf_counter()
        deadline = began + total_limit
        self._kernel.run(SEED_CELL.format(seed=kernel_seed(self.seed)), timeout=30, history=False)
        failures, ran, learner_s = [], 0, 0.0
        for index, source in enumerate(submission.cells):
            left = deadline - time.perf_counter()
            if left <= 1:
                failures.append(_stopped(index, len(submission.cells) - index, "time_budget_spent",
                                         seconds=total_limit))
                break
            run = self._kernel.run(source, timeout=min(cell_limit, left))
            ran += 1
            learner_s += run.seconds
            if run.output_dropped or run.output_refused:
                failures.append(_output_limit(index, source, run, self._kernel.limits))
            if run.ok:
                self._succeeded.append(source)
                continue
            failures.append(_failure(index, source, run, min(cell_limit, left), self._kernel.limits))
            if not self._recover(run):
                left_out = len(submission.cells) - index - 1
                spent = self._replay_left_s is not None and self._replay_left_s <= 0
                failures.append(_stopped(index + 1, left_out, "replay_time_spent", seconds=total_limit) if spent
                                else _stopped(index + 1, left_out, "kernel_over_disk") if self._kernel.disk_exceeded()
                                else _stopped(index + 1, left_out, "kernel_gave_up", restarts=MAX_RESTARTS))
                break
        return Execution(notebook=str(self.notebook), cells_run=ran, cells_total=len(submission.cells),
                         failures=tuple(failures), kernel_restarts=self._kernel.restarts,
                         kernel_start_s=self._kernel.start_seconds, run_s=time.perf_counter() - began,
                         learner_s=learner_s, sandbox=dict(self._kernel.sandbox), file_notes=submission.notes)

    def _recover(self, run: CellRun) -> bool:
        """After a failed cell: make sure the kernel still works; False when it cannot be brought back."""
        return not self._kernel.needs_restart(run) or self._restart_and_replay()

    def _total_limit(self) -> float:
        return self.total_timeout_s or self.exercise.total_timeout_s

    def _restart_and_replay(self) -> bool:
        """A fresh kernel with the cells that had succeeded run again; False when none can be had. A cell that
        stops the kernel while replayed (it had seemed to succeed) is left out, and the replay starts over.
        All the replays of a session together take at most the notebook's total limit (``_replay_left_s``): cells
        that were instant when first run and slept when replayed (a file in HOME tells) made a grading with a 20 s
        total limit take 93 s, and would have made one with the defaults take hours (red team, 2026-12-03); an
        honest replay takes what those cells took the first time, within that limit."""
        if self._replay_left_s is None:
            self._replay_left_s = self._total_limit()
        while self._kernel.restarts < MAX_RESTARTS and self._replay_left_s > 0:
            try:
                self._kernel.restart()
            except Exception:  # noqa: BLE001 - a kernel that cannot be started again: the session goes on without
                return False
            self._kernel.run(SEED_CELL.format(seed=kernel_seed(self.seed)), timeout=30, history=False)
            stopped = next((source for source in self._succeeded if self._replay(source)), None)
            if stopped is None:
                return self._replay_left_s > 0
            self._succeeded.remove(stopped)
        return False

    def _replay(self, source: str) -> bool:
        """Run an earlier cell again; True when it stopped the kernel or the replays' time ran out."""
        if self._replay_left_s <= 0:
            return True
        began = time.perf_counter()
        limit = min(self.cell_timeout_s or self.exercise.cell_timeout_s, max(self._replay_left_s, 1.0))
        run = self._kernel.run(source, timeout=limit)
        self._replay_left_s -= time.perf_counter() - began
        return run.outcome in ("died", "exited") or self._replay_left_s <= 0


COLAB_ONLY = re.compile(r"^No module named 'google(\.colab)?'")   # ModuleNotFoundError of a Colab-only import


def _failure(index: int, source: str, run: CellRun, limit: float, limits) -> CellFailure:
    status = Status.TIMEOUT if run.outcome == "timeout" else Status.ERROR
    note = {"timeout": messages.text("cell_timeout_forked" if run.processes_killed else "cell_timeout",
                                     seconds=limit, processes=run.processes_killed),
            "died": messages.text("cell_memory_limit", mb=limits.memory_bytes // 2**20) if run.ename == MEMORY_ENAME
            else quota.told("cell_disk_limit", run.disk, limits) if run.ename == DISK_ENAME
            else messages.text("cell_killed_kernel", ename=run.ename),
            "exited": messages.text("cell_exit"),
            "garbled": messages.text("cell_garbled", reason=run.evalue),
            "error": messages.text("cell_colab_only") if COLAB_ONLY.search(run.evalue) else None}.get(run.outcome)
    return CellFailure(index=index, source=source[:4000], status=status, ename=run.ename or run.outcome,
                       evalue=run.evalue, traceback=run.traceback, note=note)


def _linked(notebook: Path) -> bool:
    """True when the notebook or its folder is a symbolic link (it could point at anything, e.g. a solution)."""
    return notebook.is_symlink() or notebook.parent.is_symlink()


def _output_limit(index: int, source: str, run: CellRun, limits) -> CellFailure:
    """Output over the limits: some dropped past what is kept, or a message too large refused. One entry either
    way: how a flood is cut into messages depends on the kernel's timing, what the learner hears must not."""
    if run.output_refused:
        evalue, note = "output over the message limit refused", messages.text(
            "output_refused", mib=limits.message_bytes // 2**20)
    else:
        evalue, note = f"{run.output_dropped} characters of output not kept", messages.text(
            "output_dropped", kept=limits.cell_output_bytes // 1024, dropped=run.output_dropped)
    return CellFailure(index=index, source=source[:4000], status=Status.SKIPPED, ename="OutputLimit",
                       evalue=evalue, note=note)


STOPPED_BY = {  # a note's key: the status and name of the entry that says the notebook stopped there
    "time_budget_spent": (Status.TIMEOUT, "TimeLimit"), "replay_time_spent": (Status.TIMEOUT, "TimeLimit"),
    "kernel_gave_up": (Status.ERROR, "KernelLost"), "kernel_over_disk": (Status.ERROR, "KernelLost")}


def _stopped(index: int, left: int, key: str, **fields) -> CellFailure:
    """The entry for a notebook stopped at cell ``index`` with ``left`` cells not run, its note ``key``
    (:data:`STOPPED_BY`) filled with ``fields`` and the count of cells left in words."""
    status, ename = STOPPED_BY[key]
    return CellFailure(index=index, source="", status=status, ename=ename, evalue="",
                       note=messages.text(key, not_run=messages.cells_not_run(left), **fields))
