"""A learner's own Jupyter kernel: started fresh in a working copy, fed one cell at a time through nbclient.

The kernel runs in a temporary working directory with a temporary HOME and an environment built from an
allow-list (no tokens or secrets of the grader's reach it), inside the sandbox of :mod:`grader.sandbox`
(limits, namespaces, a user of its own). A cell that runs too long is interrupted; a kernel that dies or
stops answering is restarted; closing the kernel kills every process it started. What a cell prints is
kept up to a size limit per cell and per notebook, and no single message from the kernel may be larger
than ``Limits.message_bytes``, so a cell printing gigabytes cannot fill the grader's memory. Nothing here
knows about checks or scores.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import re
import signal
import site
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader import sandbox
from grader.sandbox import Limits

ENV_ALLOWED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX",
               "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_HOME", "TF_CPP_MIN_LOG_LEVEL",
               "XLA_FLAGS", "KERAS_HOME", "GRADER_DATASETS", "OMP_NUM_THREADS")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ENAME = "GraderCellTimeout"
OUTPUT_CHARS_KEPT = 20_000  # per cell, of text the learner's cell printed
IOPUB_SETTLE_S = 10.0  # after a cell whose output did not all come: how long its last messages may still take
_KERNELS = itertools.count()
# Run in every fresh kernel: a cell's stdout and stderr past ``limit`` characters are not sent at all, so a flood
# never reaches the grader as one message over ``Limits.message_bytes`` (how ipykernel batches a flood into
# messages depends on timing; what the learner is told must not). A learner may undo it: then the message limit
# still protects the grader, and only their own output is lost.
OUTPUT_GUARD = r"""
def __grader_guard(limit):
    import sys
    state = {"left": limit, "told": False}
    def reset(*_):
        state.update(left=limit, told=False)
    get_ipython().events.register("pre_run_cell", reset)
    def guard(write):
        def capped(text):
            if not isinstance(text, str) or len(text) <= state["left"]:
                state["left"] -= len(text) if isinstance(text, str) else 0
                return write(text)
            kept, state["left"] = text[:max(state["left"], 0)], 0
            if kept:
                write(kept)
            if not state["told"]:
                state["told"] = True
                write(f"\n[grader: output past {limit} characters in this cell is not sent / "
                      f"本儲存格超過 {limit} 字元的輸出不再送出]\n")
            return len(text)
        return capped
    for stream in (sys.stdout, sys.stderr):
        stream.write = guard(stream.write)
__grader_guard(LIMIT)
del __grader_guard
"""


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
    output_dropped: int = 0  # bytes of output over the limits, not kept
    processes_killed: int = 0  # processes the cell started and left running when it was stopped
    output_refused: bool = False  # the cell sent one output message over Limits.message_bytes (refused)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def kernel_env(*, home: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: os.environ[k] for k in ENV_ALLOWED if k in os.environ}
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.update(HOME=str(home), MPLCONFIGDIR=str(home / ".matplotlib"), JUPYTER_PLATFORM_DIRS="1",
               PYTHONNOUSERSITE="1", **extra)
    return env


@functools.lru_cache(maxsize=1)
def _capped_client_class():
    """nbclient with a budget for outputs: past it, outputs are counted and dropped instead of stored.
    (Built on first use: importing nbclient and nbformat costs a second, and the learner's kernel imports
    this module through ``grader.practice`` without ever starting a kernel.)"""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        cell_budget = 0
        notebook_budget = 0
        dropped = 0
        hold_for_interrupt = contextlib.nullcontext
        output_complete = False  # the kernel's "idle" for the last cell came: all its output was sent

        async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
            await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
            self.output_complete = True

        async def _async_handle_timeout(self, timeout, cell=None):
            with self.hold_for_interrupt():
                return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs, msg, display_id, cell_index):
            size = _output_size(msg.get("content", {}))
            if msg.get("msg_type") == "error" or size <= min(self.cell_budget, self.notebook_budget):
                self.cell_budget -= size
                self.notebook_budget -= size
                return super().output(outs, msg, display_id, cell_index)
            self.dropped += size
            return None

    return CappedClient


def _output_size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    data = content.get("data", {})
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values()) if data else 0


@dataclass
class Kernel:
    """One fresh kernel in ``workdir``, sandboxed with ``limits``; use as a context manager."""

    workdir: Path
    env: dict[str, str]
    startup_timeout: float = 60.0
    limits: Limits = field(default_factory=Limits)
    restarts: int = 0
    start_seconds: float = 0.0
    sandbox: dict = field(default_factory=dict)  # what the launcher applied (see grader.sandbox)
    _client: object | None = field(default=None, repr=False)
    _cgroup: sandbox.Cgroup | None = field(default=None, repr=False)
    _context: object | None = field(default=None, repr=False)
    _uid: int | None = field(default=None, repr=False)
    _number: int = field(default_factory=lambda: next(_KERNELS), repr=False)
    _output_left: int = -1
    _cells_sent: int = 0
    _reply: dict = field(default_factory=dict, repr=False)
    _pids: tuple[int, int] | None = field(default=None, repr=False)  # (launcher, kernel) as the grader sees them
    _killed: int = 0
    _iopub_watch: object | None = field(default=None, repr=False)

    def __enter__(self) -> "Kernel":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        from jupyter_core.utils import run_sync

        began = time.perf_counter()
        self._uid = sandbox.kernel_uid(self._number)
        private = self.workdir.parent / f".kernel-{os.getpid()}-{self._number}"
        private.mkdir(exist_ok=True)
        self._hand_over(private)
        self._cgroup = sandbox.Cgroup(f"grader-{os.getpid()}-{self._number}-{self.restarts}", self.limits)
        report = private.parent / f".sandbox-{os.getpid()}-{self._number}.json"
        report.unlink(missing_ok=True)
        client = self._new_client(private, report)
        try:
            client.start_new_kernel(cwd=str(self.workdir), env=self.env)
            client.kc = client.km.client(context=self._context)
            client.kc.start_channels()
            run_sync(client.kc.wait_for_ready)(timeout=self.startup_timeout)
            client.kc.allow_stdin = False
            self._watch_iopub(client.kc)
        except BaseException:
            self._client = client
            self.close()
            raise
        self._client = client
        self.sandbox = self._read_report(report)
        self._pids = _kernel_pids(client.km, self.sandbox)
        client.hold_for_interrupt = self._strays_stopped
        self.run(OUTPUT_GUARD.replace("LIMIT", str(2 * self.limits.cell_output_bytes)), timeout=30, history=False)
        self.start_seconds += time.perf_counter() - began

    def _new_client(self, private: Path, report: Path):
        import nbformat
        import zmq.asyncio
        from jupyter_client.kernelspec import KernelSpec

        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        client = _capped_client_class()(nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                               error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
                               startup_timeout=int(self.startup_timeout), record_timing=False,
                               resources={"metadata": {"path": str(self.workdir)}})
        client.on_cell_executed = self._remember_reply
        client.notebook_budget = self._output_left if self._output_left >= 0 else self.limits.notebook_output_bytes
        self._context = zmq.asyncio.Context()
        self._context.setsockopt(zmq.MAXMSGSIZE, self.limits.message_bytes)
        client.km = client.create_kernel_manager()
        client.km.context = self._context
        client.km.transport = "ipc"
        client.km.ip = str(private / "ipc")
        client.km.connection_file = str(private / "connection.json")
        config = self._launcher_config(private, report)
        client.km._kernel_spec = KernelSpec(
            argv=[*sandbox.launcher_argv(config), sys.executable, "-m", "ipykernel_launcher", "-f",
                  "{connection_file}"], display_name="Python 3 (sandboxed)", language="python",
            interrupt_mode="signal", env={})
        return client

    def _launcher_config(self, private: Path, report: Path) -> dict:
        return {"uid": self._uid, "grader_pid": os.getpid(), "session": str(private.parent), "reach": _reach(self.env),
                "hide": sandbox.hidden_paths(self.env), "tmp_bytes": self.limits.tmp_bytes,
                "rlimits": self.limits.rlimits(gpu=sandbox.gpu_visible(self.env)),
                "cgroups": self._cgroup.procs_files, "cgroup_limits": self._cgroup.applied,
                "report": str(report), "give": [str(private / "connection.json")]}

    def _hand_over(self, private: Path) -> None:
        """Give the kernel's own user the folders it may write: the working copy, HOME, its socket folder."""
        if self._uid is None:
            return
        os.chmod(private.parent, 0o711)
        for folder in (self.workdir, Path(self.env.get("HOME", self.workdir)), private):
            os.chown(folder, self._uid, self._uid)
        self._hand_over_calls()

    def _hand_over_calls(self) -> None:
        """The grader's call folders (``.grader-call-*``) become writable by the kernel's user."""
        if self._uid is None:
            return
        for entry in os.scandir(self.workdir):
            if entry.name.startswith(".grader-call-") and entry.is_dir(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_uid != self._uid:
                os.chown(entry.path, self._uid, self._uid)

    @contextlib.contextmanager
    def _strays_stopped(self):
        """Around the interrupt of a cell that ran too long: the kernel is paused, every other process it
        started is killed (a fork bomb would otherwise starve the kernel of CPU and process slots, and
        whether it still answered would be luck), then the kernel resumes with the interrupt waiting. A kernel
        that started nothing is left as it is: stopping and continuing it upsets its own threads."""
        if not self._strays():
            yield
            return
        kernel = self._pids[1]
        _signal(kernel, signal.SIGSTOP)
        try:
            self._killed += self.kill_strays()
            yield
        finally:
            _signal(kernel, signal.SIGCONT)
            self._killed += self.kill_strays()

    def _strays(self) -> set[int]:
        """The processes the kernel started and that still run (in its cgroups when it has them)."""
        if self._pids is None:
            return set()
        if self._cgroup is not None and self._cgroup.dirs:
            return self._cgroup.pids() - set(self._pids)
        return sandbox.descendants(self._pids[1])

    def kill_strays(self) -> int:
        """Kill every process the kernel started (the kernel itself and its launcher stay); how many."""
        return len(sandbox.kill_until_gone(self._strays))

    def _read_report(self, report: Path) -> dict:
        try:
            applied = json.loads(report.read_text())
        except (OSError, ValueError):
            applied = {"network": "open", "note": "the sandbox launcher wrote no report"}
        return {**applied, "limits": sandbox.describe(self.limits)}

    def _watch_iopub(self, kc) -> None:
        """Watch the output channel: ZMQ drops a connection for good when one message is over
        ``Limits.message_bytes``, and every later cell would then wait in vain for its output."""
        import zmq

        self._iopub_watch = kc.iopub_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)

    def _iopub_dropped(self, wait: float = 0.0) -> bool:
        """True when the output channel was dropped; waits up to ``wait`` seconds for it to happen."""
        import zmq

        if self._iopub_watch is None:
            return False
        deadline = time.monotonic() + wait
        while not self._iopub_watch.getsockopt(zmq.EVENTS) & zmq.POLLIN:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _reopen_iopub(self) -> bool:
        """A fresh output channel, subscribed anew; True when the kernel welcomes it (ipykernel >= 7 greets
        every new subscriber), False when it stays silent: then the kernel itself is broken."""
        from jupyter_core.utils import run_sync

        kc = self._client.kc
        self._unwatch_iopub(kc)
        kc.iopub_channel.close()
        kc._iopub_channel = None
        kc.iopub_channel.start()
        self._watch_iopub(kc)
        try:
            return run_sync(kc.iopub_channel.get_msg)(timeout=5)["msg_type"] == "iopub_welcome"
        except Exception:  # noqa: BLE001 - nothing came: the channel is open, the kernel did not answer
            return False

    def _unwatch_iopub(self, kc) -> None:
        if self._iopub_watch is not None:
            try:
                kc.iopub_channel.socket.disable_monitor()
            except Exception:  # noqa: BLE001 - the socket may be closed already
                pass
            self._iopub_watch.close(linger=0)
            self._iopub_watch = None

    def close(self) -> None:
        client, self._client = self._client, None
        try:
            if client is not None:
                if client.kc is not None:
                    self._unwatch_iopub(client.kc)
                self._output_left = max(client.notebook_budget, 0)
                client._cleanup_kernel()
        finally:
            if self._cgroup is not None:
                self._cgroup.remove()
                self._cgroup = None
            if self._context is not None:
                self._context.destroy(linger=0)
                self._context = None

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self.start()

    def run(self, source: str, *, timeout: float, history: bool = True) -> CellRun:
        """Run ``source`` as one cell; never raises for anything the learner's code does."""
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        client = self._client
        if client is None:
            return CellRun("died", ename="KernelNotRunning")
        self._hand_over_calls()
        cell = nbformat.v4.new_code_cell(source)
        client.nb.cells = [cell]  # nbclient writes the executed cell back at its index
        client.timeout = max(1, int(round(timeout)))
        client.cell_budget, client.dropped = self.limits.cell_output_bytes, 0
        self._cells_sent += 1
        began = time.perf_counter()
        self._reply, self._killed, client.output_complete = {}, 0, False
        try:
            client.execute_cell(cell, 0, execution_count=self._cells_sent, store_history=history)
        except CellTimeoutError:  # nbclient gave up waiting for output after the interrupt
            return self._timed_out(cell, began)
        except DeadKernelError:
            return CellRun("died", ename="DeadKernelError", evalue="the kernel stopped", stdout=_stdout(cell),
                           seconds=time.perf_counter() - began, output_dropped=client.dropped)
        if self._reply.get("content", {}).get("ename") == TIMEOUT_ENAME:
            return self._timed_out(cell, began)
        return replace(_cell_run(cell, time.perf_counter() - began, client.dropped),
                       output_refused=self._output_refused())

    def _timed_out(self, cell, began: float) -> CellRun:
        self._killed += self.kill_strays()
        return CellRun("timeout", ename=TIMEOUT_ENAME, stdout=_stdout(cell), seconds=time.perf_counter() - began,
                       output_dropped=self._client.dropped, processes_killed=self._killed,
                       output_refused=self._output_refused())

    def _output_refused(self) -> bool:
        """True when the cell's output channel was dropped for an oversized message: the channel is reopened,
        and a kernel that welcomes the new one was well and had sent too much. (One that stays silent had
        broken itself; the session's probe then restarts it.)"""
        settling = 0.0 if self._client.output_complete else IOPUB_SETTLE_S  # output may still be on its way
        return self._iopub_dropped(wait=settling) and self._reopen_iopub()

    def _remember_reply(self, *, cell, cell_index, execute_reply) -> None:
        self._reply = execute_reply or {}

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self._client is not None and bool(run_sync(self._client.km.is_alive)())

    def responsive(self, timeout: float = 10.0) -> bool:
        """True when the kernel answers a trivial cell within ``timeout`` seconds."""
        return self.alive() and self.run("pass", timeout=timeout, history=False).outcome == "ok"

    def needs_restart(self, run: CellRun) -> bool:
        """After a cell (or call) that failed as ``run``: True when the kernel must be restarted, because it died,
        stopped answering, or forked in a cell that ran too long (fork left it in no known state)."""
        if run.outcome == "error":
            return False
        return bool(run.processes_killed) or not self.responsive(timeout=5)


def _kernel_pids(km, applied: dict) -> tuple[int, int] | None:
    """(launcher, kernel): with a PID namespace the launcher waits outside it for the kernel, its one child;
    without, the launcher became the kernel."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None:
        return None
    launcher = process.pid
    kernel = sandbox.descendants(launcher, depth=1) if applied.get("pid_namespace") else set()
    return launcher, (min(kernel) if len(kernel) == 1 else launcher)


def _signal(pid: int | None, signum: int) -> None:
    if pid is not None:
        try:
            os.kill(pid, signum)
        except OSError:
            pass


def _reach(env: dict[str, str]) -> list[str]:
    """What the kernel's user must be able to reach even inside a folder closed to it: Python itself, its
    packages, and files the grader linked into HOME (e.g. cached weights)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(), str(Path(sandbox.__file__).parent)}
    home = Path(env.get("HOME", "/nonexistent"))
    for link in itertools.islice((p for p in home.rglob("*") if p.is_symlink()), 100) if home.is_dir() else ():
        paths.add(str(link.resolve()))
    return sorted(p for p in paths if os.path.exists(p))


def _stdout(cell) -> str:
    parts = [o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
    return "".join(parts)[-OUTPUT_CHARS_KEPT:]


def _cell_run(cell, seconds: float, dropped: int = 0) -> CellRun:
    for output in cell.outputs:
        if output.get("output_type") == "error":
            tb = tuple(strip_ansi(str(line)[:4000]) for line in output.get("traceback", [])[-40:])
            return CellRun("error", ename=str(output.get("ename", ""))[:200],
                           evalue=str(output.get("evalue", ""))[:2000], traceback=tb, stdout=_stdout(cell),
                           seconds=seconds, output_dropped=dropped)
    return CellRun("ok", stdout=_stdout(cell), seconds=seconds, output_dropped=dropped)

