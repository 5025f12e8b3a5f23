"""A learner's own Jupyter kernel: started fresh in a working copy, fed one cell at a time through nbclient.

The kernel runs in a temporary working directory with a temporary HOME and an environment built from an
allow-list (no tokens or secrets of the grader's reach it). A cell that runs too long is interrupted; a
kernel that dies or stops answering is restarted. Nothing here knows about checks or scores.
"""
from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError

ENV_ALLOWED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX",
               "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_HOME", "TF_CPP_MIN_LOG_LEVEL",
               "XLA_FLAGS", "KERAS_HOME", "GRADER_DATASETS", "OMP_NUM_THREADS")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ENAME = "GraderCellTimeout"
OUTPUT_CHARS_KEPT = 20_000  # per cell, of text the learner's cell printed


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


@dataclass(frozen=True)
class CellRun:
    """What happened when one cell ran: ``ok``, ``error``, ``timeout`` or ``died``."""

    outcome: str
    ename: str = ""
    evalue: str = ""
    traceback: tuple[str, ...] = ()
    stdout: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def kernel_env(*, home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in ENV_ALLOWED if k in os.environ}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(HOME=str(home), MPLCONFIGDIR=str(home / ".matplotlib"), JUPYTER_PLATFORM_DIRS="1",
               PYTHONNOUSERSITE="1", **extra)
    return env


@dataclass
class Kernel:
    """One fresh kernel in ``workdir``; use as a context manager."""

    workdir: Path
    env: dict[str, str]
    startup_timeout: float = 60.0
    restarts: int = 0
    start_seconds: float = 0.0
    _client: NotebookClient | None = field(default=None, repr=False)
    _cells_sent: int = 0
    _reply: dict = field(default_factory=dict, repr=False)

    def __enter__(self) -> "Kernel":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        began = time.perf_counter()
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        client = NotebookClient(nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                                error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
                                startup_timeout=int(self.startup_timeout), record_timing=False,
                                resources={"metadata": {"path": str(self.workdir)}})
        client.on_cell_executed = self._remember_reply
        client.km = client.create_kernel_manager()
        private = self.workdir.parent / f".kernel-{os.getpid()}-{id(self)}"
        private.mkdir(exist_ok=True)
        client.km.transport = "ipc"
        client.km.ip = str(private / "ipc")
        client.km.connection_file = str(private / "connection.json")
        client.start_new_kernel(cwd=str(self.workdir), env=self.env)
        client.start_new_kernel_client()
        self._client = client
        self.start_seconds += time.perf_counter() - began

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client._cleanup_kernel()
            finally:
                self._client = None

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self.start()

    def run(self, source: str, *, timeout: float, history: bool = True) -> CellRun:
        """Run ``source`` as one cell; never raises for anything the learner's code does."""
        client = self._client
        if client is None:
            return CellRun("died", ename="KernelNotRunning")
        cell = nbformat.v4.new_code_cell(source)
        client.nb.cells = [cell]  # nbclient writes the executed cell back at its index
        client.timeout = max(1, int(round(timeout)))
        self._cells_sent += 1
        began = time.perf_counter()
        self._reply = {}
        try:
            client.execute_cell(cell, 0, execution_count=self._cells_sent, store_history=history)
        except CellTimeoutError:  # nbclient gave up waiting for output after the interrupt
            return CellRun("timeout", ename=TIMEOUT_ENAME, stdout=_stdout(cell), seconds=time.perf_counter() - began)
        except DeadKernelError:
            return CellRun("died", ename="DeadKernelError", evalue="the kernel stopped",
                           stdout=_stdout(cell), seconds=time.perf_counter() - began)
        if self._reply.get("content", {}).get("ename") == TIMEOUT_ENAME:
            return CellRun("timeout", ename=TIMEOUT_ENAME, stdout=_stdout(cell), seconds=time.perf_counter() - began)
        return _cell_run(cell, time.perf_counter() - began)

    def _remember_reply(self, *, cell, cell_index, execute_reply) -> None:
        self._reply = execute_reply or {}

    def alive(self) -> bool:
        return self._client is not None and bool(run_sync(self._client.km.is_alive)())

    def responsive(self, timeout: float = 10.0) -> bool:
        """True when the kernel answers a trivial cell within ``timeout`` seconds."""
        return self.alive() and self.run("pass", timeout=timeout, history=False).outcome == "ok"


def _stdout(cell) -> str:
    parts = [o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
    return "".join(parts)[-OUTPUT_CHARS_KEPT:]


def _cell_run(cell, seconds: float) -> CellRun:
    for output in cell.outputs:
        if output.get("output_type") == "error":
            tb = tuple(strip_ansi(line) for line in output.get("traceback", []))[-40:]
            return CellRun("error", ename=str(output.get("ename", "")), evalue=str(output.get("evalue", ""))[:2000],
                           traceback=tb, stdout=_stdout(cell), seconds=seconds)
    return CellRun("ok", stdout=_stdout(cell), seconds=seconds)

