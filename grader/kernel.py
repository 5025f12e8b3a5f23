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

import asyncio
import contextlib
import functools
import itertools
import json
import os
import re
import signal
import site
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader import fonts, quota, sandbox
from grader.channel import remove_tree
from grader.sandbox import Limits

ENV_ALLOWED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX",
               "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "CUDA_HOME", "TF_CPP_MIN_LOG_LEVEL",
               "XLA_FLAGS", "TF_FORCE_GPU_ALLOW_GROWTH", "KERAS_HOME", "GRADER_DATASETS", "OMP_NUM_THREADS")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ENAME = "GraderCellTimeout"
MEMORY_ENAME = "MemoryLimit"   # a cell that filled the kernel's memory limit: the kernel was stopped
DISK_ENAME = "DiskLimit"       # the session folder held more than the disk quota: the kernel was stopped (grader.quota)
OUTPUT_CHARS_KEPT = 20_000  # per cell, of text the learner's cell printed
ERRORS_KEPT = 3  # error outputs kept per cell, whatever the budget (the kernel can send any number of them)
IOPUB_WAIT_S = 4  # after a cell's reply (or its interrupt): how long its last output may take (nbclient's default)
PROBE_IOPUB_WAIT_S = 1  # the same for a probe, whose output nobody reads
IOPUB_SETTLE_S = 10.0  # after a cell whose output did not all come: how long its last messages may still take
STRETCH_MAX = 8  # a cell kept from the CPU by other work on the machine gets at most this many times its limit,
STRETCH_MAX_S = 30.0  # and at most this many seconds more (so a notebook's total limit is passed by 30 s at most)
TICK_S = 1  # how often a running cell's time is looked at (nbclient's timeout, whole seconds)
HEADER_BYTES = 64 * 1024  # a message's header or parent header (a few hundred bytes from any honest kernel)
MAX_BUFFERS = 16  # binary buffers of one message (comm messages carry a few; together within message_bytes)
OUTPUTS_PER_DISPLAY_ID = 50  # outputs of one cell sharing a display id (nbclient updates them all at each new one)
_KERNELS = itertools.count()
# Run in every fresh kernel: a cell's stdout and stderr past ``limit`` characters are not sent at all, so a flood
# never reaches the grader as one message over ``Limits.message_bytes`` (how ipykernel batches a flood into
# messages depends on timing; what the learner is told must not). A learner may undo it: then the message limit
# still protects the grader, and only their own output is lost.
# The guard is put on the kernel's two output streams again before each cell (``pre_run_cell``) wherever it is no
# longer their ``write``: IPython 9 wraps ``write`` for the length of every cell to keep its output in the history
# (``InteractiveShell._tee``) and puts back, after the cell, the ``write`` it found before it, so a guard set inside
# a cell (as this one is) was gone after it (2026-12-02: IPython 9.18, a 33 MiB print refused whole rather than cut).
# Set again inside each cell, the guard is the ``write`` that ``print`` calls, above IPython's, so IPython keeps
# only what is sent; a write that reaches a guard from inside a guard (a cell run without IPython's wrapper, as a
# top-level ``await`` cell is, leaves one below it) is counted once. What IPython 9 keeps of each cell's output
# (``history_manager.outputs``, nothing under IPython 8, all the grader's calls under one cell's number) is
# dropped before the next cell: nothing in a graded kernel reads it, and it was 70 bytes a write kept for the
# kernel's life (a review, 2026-12-02).
OUTPUT_GUARD = r"""
def __grader_guard(limit):
    import sys, threading
    state, inside = {"left": limit, "told": False}, threading.local()
    streams = (sys.stdout, sys.stderr)   # the kernel's own: a stream the learner puts in their place is theirs
    def guard(write):
        def capped(text):
            if getattr(inside, "busy", False):
                return write(text)
            inside.busy = True
            try:
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
            finally:
                inside.busy = False
        capped.grader_guard = True
        return capped
    def before_cell(*_):
        state.update(left=limit, told=False)
        try:
            get_ipython().history_manager.outputs.clear()
        except Exception:   # IPython 8 keeps none
            pass
        for stream in streams:
            try:
                if not getattr(stream.write, "grader_guard", False):
                    stream.write = guard(stream.write)
            except Exception:   # a stream whose write cannot be set: the message limit still protects the grader
                pass
    get_ipython().events.register("pre_run_cell", before_cell)
    before_cell()
__grader_guard(LIMIT)
del __grader_guard
"""
# The kernel's process: ``python -m ipykernel_launcher`` less its debugger. ipykernel imports debugpy while it
# starts, to offer a debugger that no graded kernel uses: 0.07-0.1 of a kernel's 0.6 CPU-seconds of booting, in
# each of a batch's kernels (benchmarks/kernel_boot.py). Its import is refused while ipykernel decides (so the
# kernel says it has no debugger, as where debugpy is not installed), then allowed again: a learner's own
# `import debugpy` works. Nothing of the working folder is imported while the kernel starts (the '' of ``-c`` is
# dropped first, as ipykernel_launcher drops the working folder); IPython puts it back for the learner's cells,
# and sys.argv and sys.path end as under ``-m ipykernel_launcher``.
KERNEL_MAIN = """import sys
del sys.path[0]
sys.modules["debugpy"] = None
import ipykernel.debugger
del sys.modules["debugpy"]
import runpy
runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
"""

# Run in every fresh kernel too: no pictures are drawn for displayed objects (matplotlib figures shown by the
# inline backend, PIL images, anything shown through ``_repr_png_``/``_repr_svg_``), only their text is sent
# (``<Figure size 640x480 with 1 Axes>``). Nobody looks at a graded kernel's pictures, and drawing them was
# 0.4-1.0 s of CPU per notebook of days 93-96 (a fifth to a quarter of day93's grading on 2 cores, 2026-12-01).
# Code that saves or draws a figure itself (``savefig``, ``canvas.draw``) is unaffected, and so are bytes already
# encoded in an object's own mimebundle (IPython's ``Image``). Pictures therefore no longer use a cell's output
# budget or time, and a figure that cannot be drawn (broken LaTeX in a title: IPython printed the drawing's error,
# which failed the cell) no longer fails its cell. A learner who turns a formatter back on only spends their own
# time and budget.
PICTURES_OFF = r"""
def __grader_pictures_off():
    formatters = get_ipython().display_formatter.formatters
    for mime in ("image/png", "image/jpeg", "image/svg+xml", "application/pdf"):
        if mime in formatters:
            formatters[mime].enabled = False
__grader_pictures_off()
del __grader_pictures_off
"""

# Run in every fresh kernel too: what notebooks written in Colab or Jupyter do, made to work in the sandbox as it
# works there, so an honest habit costs no points (issue found by trying the grader as a Colab learner would):
# a shell command (`!pip install ...`, `!nvidia-smi`, `%pip`) runs without a pseudo-terminal, which the sandbox's
# /dev does not have (ipykernel's `system` needs one: OSError "out of pty devices" stopped the cell); `input()`
# and `getpass.getpass()` get an empty line, as a person running the notebook would press Enter (ipykernel raised
# StdinNotImplementedError: the grader answers no input requests), and EOFError after 100 in one cell (a loop
# waiting for a given answer ends as at the end of input); Colab's `%tensorflow_version` says it has
# nothing to switch (an unknown magic in Jupyter: UsageError, the rest of its cell not run).
NOTEBOOK_HABITS = r"""
def __grader_habits():
    import builtins, warnings
    shell = get_ipython()
    shell.system = shell.system_raw   # which warns "!pip may not work as expected" where IPython's default does not
    warnings.filterwarnings("ignore", message="You executed the system command", category=UserWarning)
    import getpass
    asked = [0]
    def empty_answer(prompt="", stream=None):
        asked[0] += 1
        if asked[0] > 100:   # a loop waiting for an answer: the end of input, as Python says it
            raise EOFError("no more input while graded / 批改時沒有更多輸入")
        print(f"{prompt}\n[grader: input() answered with an empty line / input() 以空白行回答]")
        return ""
    def before_cell(*_):
        asked[0] = 0
        builtins.input = getpass.getpass = empty_answer   # ipykernel puts its own back after each cell
    shell.events.register("pre_run_cell", before_cell)
    def tensorflow_version(line):
        print(f"[grader: %tensorflow_version {line}: Colab's magic; TensorFlow 2 is installed here, nothing to "
              "switch / Colab 專用指令；這裡已安裝 TensorFlow 2，不需切換]")
    shell.register_magic_function(tensorflow_version, "line", "tensorflow_version")
__grader_habits()
del __grader_habits
"""


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


@dataclass(frozen=True)
class CellRun:
    """What happened when one cell ran: ``ok``, ``error``, ``timeout``, ``died``, ``exited`` (it asked the kernel
    to exit: IPython's ``exit()``, ``quit()``; the kernel goes down after the cell) or ``garbled`` (the kernel
    sent messages the grader could not read; ``evalue`` says what)."""

    outcome: str
    ename: str = ""
    evalue: str = ""
    traceback: tuple[str, ...] = ()
    stdout: str = ""
    seconds: float = 0.0
    output_dropped: int = 0  # bytes of output over the limits, not kept
    processes_killed: int = 0  # processes the cell started and left running when it was stopped
    output_refused: bool = False  # the cell sent one output message over Limits.message_bytes (refused)
    kernel_silent: bool = False  # the output channel was dropped and the kernel never greeted the reopened one
    disk: quota.Usage | None = None  # what the kernel's folder held when its disk quota stopped it (DISK_ENAME)

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
        starved = None  # a callable: True while the cell has not yet had its time limit of its own time
        limit_s = 0  # the cell's limit (nbclient's ``timeout`` is the tick at which ``starved`` is asked)
        output_complete = False  # the kernel's "idle" for the last cell came: all its output was sent
        cell_msg_id = None  # the id of the last cell's execute request (its output's parent)

        async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
            self.cell_msg_id = parent_msg_id
            await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
            self.output_complete = True

        async def _async_poll_for_reply(self, msg_id, cell, timeout, task_poll_output_msg, task_poll_kernel_alive):
            """nbclient's wait for the cell's reply, where a reply to another request also counts against the
            tick: nbclient looks at the time only when no message came, so a kernel that sent such replies without
            pause (the learner's code can sign them) held its cell open past every limit."""
            from queue import Empty

            from jupyter_core.utils import ensure_async

            channel = self.kc.shell_channel
            get_msg, tick = channel.get_msg, [time.monotonic() + TICK_S]

            async def paced(timeout=None):
                if time.monotonic() > tick[0]:   # as if nothing had come: nbclient then asks ``starved``
                    tick[0] = time.monotonic() + TICK_S
                    raise Empty
                try:
                    return await ensure_async(get_msg(timeout=timeout))
                except Empty:
                    tick[0] = time.monotonic() + TICK_S
                    raise
            channel.get_msg = paced
            try:
                return await super()._async_poll_for_reply(msg_id, cell, timeout, task_poll_output_msg,
                                                           task_poll_kernel_alive)
            finally:
                channel.get_msg = get_msg

        async def _async_handle_timeout(self, timeout, cell=None):
            if self.starved is not None and self.starved():  # the time went to waiting for a CPU: wait more
                await asyncio.sleep(0.05)  # (nbclient then waits for the reply another `timeout` seconds)
                return None
            with self.hold_for_interrupt():   # (nbclient's log line names the limit it is given)
                return await super()._async_handle_timeout(self.limit_s or timeout, cell)

        def process_message(self, msg, cell, cell_index):
            msg = _sane_message(msg)
            return None if msg is None else super().process_message(msg, cell, cell_index)

        def output(self, outs, msg, display_id, cell_index):
            size = _output_size(msg.get("content", {}))
            if display_id and len(self._display_id_map.get(display_id, {}).get(cell_index, ())) >= \
                    OUTPUTS_PER_DISPLAY_ID:   # each new one made nbclient walk all before it: quadratic
                self.dropped += max(size, 1)
                return None
            if msg.get("msg_type") == "error":  # kept whatever the budget (it says why the cell failed), a few
                if sum(o.get("output_type") == "error" for o in outs) < ERRORS_KEPT:
                    return super().output(outs, msg, display_id, cell_index)
                self.dropped += max(_error_size(msg.get("content", {})), 1)
                return None
            if size <= min(self.cell_budget, self.notebook_budget):
                self.cell_budget -= size
                self.notebook_budget -= size
                return super().output(outs, msg, display_id, cell_index)
            self.dropped += size
            return None

        def _update_display_id(self, display_id, msg):
            """A display's content replaced (``update_display``): paid from the same budget as new output."""
            size = _output_size(msg.get("content", {}))
            if size > min(self.cell_budget, self.notebook_budget):
                if msg.get("msg_type") == "update_display_data":  # (the others are counted by ``output``)
                    self.dropped += size
                return None
            if msg.get("msg_type") == "update_display_data":
                self.cell_budget -= size
                self.notebook_budget -= size
            return super()._update_display_id(display_id, msg)

    return CappedClient


def _bounded(deserialize, budget: int):
    """jupyter_client's ``Session.deserialize``, refusing (ValueError, as for a bad signature: the cell then ends
    ``garbled``) a message whose header or parent header is over :data:`HEADER_BYTES`, or whose binary buffers are
    more than :data:`MAX_BUFFERS` or ``budget`` bytes together, before anything of it is parsed. ZMQ's size limit
    holds for each part alone: a kernel sent a parent header of 1.4 million dates (30 MiB), each parsed into a
    datetime, 15-30 s of the grader's event loop a message with no time limit looked at, or 100 buffers of 30 MiB
    kept in the grader's memory."""
    def bounded(msg_list, content=True, copy=True):
        sizes = [len(part) for part in msg_list]   # [signature, header, parent, metadata, content, *buffers]
        if max(sizes[1:3], default=0) > HEADER_BYTES:
            raise ValueError(f"a message header of {max(sizes[1:3])} bytes (at most {HEADER_BYTES})")
        if len(sizes) > 5 + MAX_BUFFERS or sum(sizes[5:]) > budget:
            raise ValueError(f"a message with {len(sizes[5:])} buffers, {sum(sizes[5:])} bytes")
        return deserialize(msg_list, content=content, copy=copy)
    return bounded


def _output_size(content: dict) -> int:
    """Characters of output in one (sane, see :func:`_sane_message`) message's content: its text or data, and its
    metadata and transient parts (whatever the kernel put there, kept by nbclient too) as JSON. What cannot be
    serialised (nested too deeply) counts as over every budget."""
    if isinstance(content.get("text"), str):
        size = len(content["text"])
    else:
        data = content.get("data")
        size = sum(len(v) for v in data.values() if isinstance(v, str)) if isinstance(data, dict) else 0
    return size + sum(_json_size(content[key]) for key in ("metadata", "transient") if content.get(key))


def _error_size(content: dict) -> int:
    lines = content.get("traceback") if isinstance(content.get("traceback"), list) else []
    return sum(len(str(part)) for part in (content.get("ename", ""), content.get("evalue", ""), *lines))


def _json_size(value) -> int:
    try:
        return len(json.dumps(value, default=str, ensure_ascii=False))
    except (ValueError, TypeError, RecursionError, OverflowError):
        return 2**62


OUTPUT_TYPES = ("stream", "display_data", "execute_result", "update_display_data", "error")


def _sane_message(msg) -> dict | None:
    """A message from the kernel as nbclient expects it, or None to drop it. The learner's code can send any
    message on the kernel's channels: fields of the wrong type are dropped, texts must be strings, output data
    a mapping of strings to strings; comm messages (widgets) are not needed to grade and are dropped."""
    if not (isinstance(msg, dict) and isinstance(msg.get("msg_type"), str) and isinstance(msg.get("content"), dict)):
        return None
    kind, content = msg["msg_type"], dict(msg["content"])
    header = msg.get("parent_header") if isinstance(msg.get("parent_header"), dict) else {}
    if kind.startswith("comm") or (kind == "status" and not isinstance(content.get("execution_state"), str)):
        return None
    if not isinstance(content.get("execution_count", 0), (int, type(None))):
        content.pop("execution_count")
    if kind in OUTPUT_TYPES and not _sane_output(kind, content):
        return None
    return {**msg, "content": content, "parent_header": header}


def _sane_output(kind: str, content: dict) -> bool:
    """Checks (and mends in place, for error messages) one output message's content."""
    if kind == "stream":
        return content.get("name") in ("stdout", "stderr") and isinstance(content.get("text"), str)
    if kind == "error":
        content["ename"], content["evalue"] = _text(content.get("ename"), 200), _text(content.get("evalue"), 2000)
        lines = content.get("traceback")
        content["traceback"] = [_text(line, 4000) for line in lines[-40:]] if isinstance(lines, list) else []
        return True
    data, transient = content.get("data"), content.get("transient")
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return False
    if not isinstance(content.get("metadata", {}), dict):
        content["metadata"] = {}
    if transient is not None and not (isinstance(transient, dict) and
                                      isinstance(transient.get("display_id", ""), (str, type(None)))):
        content.pop("transient")
    return True


def _text(value, limit: int) -> str:
    """``value`` as a string of at most ``limit`` characters, whatever it is (an int too long to print too)."""
    if isinstance(value, str):
        return value[:limit]
    try:
        return str(value)[:limit]
    except Exception:  # noqa: BLE001 - a value whose str() fails is shown by its type
        return f"<{type(value).__name__}>"


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
    _private: Path | None = field(default=None, repr=False)  # this start's socket folder
    _report: Path | None = field(default=None, repr=False)  # where this start's launcher writes what it applied
    _disk: quota.Watch | None = field(default=None, repr=False)  # this start's disk quota

    def __enter__(self) -> "Kernel":
        self.start()
        return self

    @property
    def session_dir(self) -> Path:
        """The folder around the working copy: owned by the grader, bound into the sandbox at the same path."""
        return self.workdir.parent

    @property
    def uid(self) -> int | None:
        """The kernel's own user id (None when the grader is not root: the kernel then runs as the grader)."""
        return self._uid

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        """Start the kernel and wait until it answers: :meth:`launch` then :meth:`connect`."""
        self.launch()
        self.connect()

    def launch(self) -> None:
        """Start the kernel's process in its sandbox without waiting for it (it boots while the grader does other
        work, see :mod:`grader.pool`); :meth:`connect` waits for it. Raises what starting the process raises."""
        began = time.perf_counter()
        self._uid = sandbox.kernel_uid(self._number)
        # a fresh socket folder for every start, made by the grader in its own folder: nothing an earlier kernel
        # planted there (a link named connection.json) is ever written through
        private = self._private = self.workdir.parent / f".kernel-{os.getpid()}-{self._number}-{self.restarts}"
        private.mkdir()
        # matplotlib's font list in the fresh HOME of a first start only: at a restart HOME is the learner's
        first = self.restarts == 0 and "MPLCONFIGDIR" in self.env
        seeded = fonts.seed(Path(self.env["MPLCONFIGDIR"])) if first else []
        self._hand_over(private, seeded)
        self._cgroup = sandbox.Cgroup(f"grader-{os.getpid()}-{self._number}-{self.restarts}", self.limits)
        report = self._report = private.parent / f".sandbox-{os.getpid()}-{self._number}.json"
        report.unlink(missing_ok=True)
        client = None
        try:
            client = self._new_client(private, report)
            self._disk = self._watch_disk(client.km)
            if self._disk.check() is not None:   # measured before the kernel exists: it never starts
                raise RuntimeError(f"the kernel's folder holds {quota.held(self._disk.found, self.limits).en}, "
                                   f"over its disk limit")
            client.start_new_kernel(cwd=str(self.workdir), env=self.env)
        except BaseException:
            self._client = client
            self.close()
            raise
        self._client = client
        self.start_seconds += time.perf_counter() - began

    def _watch_disk(self, km) -> quota.Watch:
        """The disk quota of this start (:mod:`grader.quota`): over it, every process of the kernel is killed."""
        cgroup = self._cgroup

        def stop() -> None:
            if cgroup is not None:
                cgroup.kill_all()
            _kill_now(km)
        return quota.Watch(self.session_dir, disk_bytes=self.limits.disk_bytes, max_entries=self.limits.disk_entries,
                           pids=lambda: (cgroup.pids() if cgroup is not None and cgroup.dirs else set())
                           | set(self._pids or ()), stop=stop)

    def disk_exceeded(self) -> quota.Usage | None:
        """What the session folder held when this start's disk quota stopped the kernel; None if it did not."""
        return self._disk.found if self._disk is not None else None

    def connect(self) -> None:
        """Wait (up to ``startup_timeout``) until the launched kernel answers, then make it ready for cells: its
        sandbox report read, the output guard, :data:`PICTURES_OFF` and :data:`NOTEBOOK_HABITS` run. Raises when it
        does not answer (the kernel is then closed)."""
        from jupyter_core.utils import run_sync

        began = time.perf_counter()
        client = self._client
        try:
            if client is None:
                raise RuntimeError("the kernel was not launched")
            client.kc = client.km.client(context=self._context)
            client.kc.session.deserialize = _bounded(client.kc.session.deserialize, self.limits.message_bytes)
            # the channels the grader reads; the kernel's messages on stdin and control would pile up unread
            client.kc.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
            run_sync(_wait_for_ready)(client.kc, self.startup_timeout)
            client.kc.allow_stdin = False
            self._watch_iopub(client.kc)
        except BaseException:
            self.close()
            raise
        self.sandbox = self._read_report(self._report)
        self._pids = _kernel_pids(client.km, self.sandbox)
        client.hold_for_interrupt = self._strays_stopped
        self.run(OUTPUT_GUARD.replace("LIMIT", str(2 * self.limits.cell_output_bytes)) + PICTURES_OFF + NOTEBOOK_HABITS,
                 timeout=30, history=False)
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
                               shutdown_kernel="immediate",  # nothing of the kernel is kept: no polite wait
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
            argv=[*sandbox.launcher_argv(config), sys.executable, "-c", KERNEL_MAIN, "-f", "{connection_file}"],
            display_name="Python 3 (sandboxed)", language="python",
            interrupt_mode="signal", env={})
        return client

    def _launcher_config(self, private: Path, report: Path) -> dict:
        trusted = os.geteuid() if self._uid is not None or self.restarts == 0 else None
        gpu = sandbox.gpu_visible(self.env)
        return {"uid": self._uid, "grader_pid": os.getpid(), "session": str(private.parent),
                "reach": _reach(self.env, links_by=trusted), "gpu": gpu,
                "hide": sandbox.hidden_paths(self.env), "tmp_bytes": self.limits.tmp_bytes,
                "rlimits": self.limits.rlimits(gpu=gpu),
                "cgroups": self._cgroup.procs_files, "cgroup_limits": self._cgroup.applied,
                "report": str(report), "give": [str(private / "connection.json")]}

    def _hand_over(self, private: Path, seeded: list[Path]) -> None:
        """Give the kernel's own user the folders it may write: the working copy, HOME, its socket folder, and what
        the grader has just ``seeded`` into HOME (:func:`grader.fonts.seed`, made by the grader before any of the
        learner's code ran)."""
        if self._uid is None:
            return
        os.chmod(private.parent, 0o711)
        for folder in (self.workdir, Path(self.env.get("HOME", self.workdir)), private, *seeded):
            os.chown(folder, self._uid, self._uid, follow_symlinks=False)  # children of the grader's own folder

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
            if self._killed and self._client is not None:
                # the kernel will be restarted (``needs_restart``): its reply and last output are waited for as a
                # probe's, 1 s, not 4 (a fork bomb's kernel keeps forking after its interrupt and never answers)
                self._client.iopub_timeout = PROBE_IOPUB_WAIT_S

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

    def _iopub_dropped(self) -> bool:
        """True when the output channel was dropped (a disconnect event is waiting on its monitor)."""
        import zmq

        return self._iopub_watch is not None and bool(self._iopub_watch.getsockopt(zmq.EVENTS) & zmq.POLLIN)

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
        if self._disk is not None:
            self._disk.close()   # its finding stays readable (disk_exceeded) until the next start
        try:
            if client is not None:
                if client.kc is not None:
                    self._unwatch_iopub(client.kc)
                self._output_left = max(client.notebook_budget, 0)
                _kill_now(client.km)
                client._cleanup_kernel()
        finally:
            if self._cgroup is not None:
                self._cgroup.remove()
                self._cgroup = None
            if self._context is not None:
                self._context.destroy(linger=0)
                self._context = None
            if self._private is not None:
                remove_tree(self._private)
                self._private = None

    def restart(self) -> None:
        self.close()
        self.restarts += 1
        self.start()

    def run(self, source: str, *, timeout: float, history: bool = True, settle: bool = True) -> CellRun:
        """Run ``source`` as one cell; never raises for anything the learner's code does. With ``settle`` False
        (a probe, whose output nobody reads) a cell that times out is not waited on for output still on its way
        (``IOPUB_SETTLE_S``) and its ``output_refused`` is False."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        client = self._client
        if client is None:
            return CellRun("died", ename="KernelNotRunning")
        cell = _code_cell(source)
        client.nb.cells = [cell]  # nbclient writes the executed cell back at its index
        client._display_id_map = {}   # display ids of earlier cells: their indices point into outputs long gone
        client.timeout = TICK_S   # nbclient asks ``starved`` each second; the limit is kept there
        client.limit_s = max(float(timeout), TICK_S)
        client.starved = self._starved(client.limit_s)
        client.iopub_timeout = IOPUB_WAIT_S if settle else PROBE_IOPUB_WAIT_S
        client.cell_budget, client.dropped = self.limits.cell_output_bytes, 0
        self._cells_sent += 1
        began = time.perf_counter()
        self._reply, self._killed, client.output_complete = {}, 0, False
        memory = self._memory_events()   # (limit reached, OOM kills) as the cell begins
        try:
            client.execute_cell(cell, 0, execution_count=self._cells_sent, store_history=history)
        except CellTimeoutError:  # nbclient gave up waiting for output after the interrupt
            return self._timed_out(cell, began, settle, memory)
        except DeadKernelError:
            if self.disk_exceeded() is not None:
                return self._over_disk_quota(cell, began)
            if all(self._memory_since(memory)):   # the limit reached, and a process killed
                return self._out_of_memory(cell, began)
            return CellRun("died", ename="DeadKernelError", evalue="the kernel stopped", stdout=_stdout(cell),
                           seconds=time.perf_counter() - began, output_dropped=client.dropped)
        except Exception as error:  # noqa: BLE001 - whatever the kernel sent, the grader goes on
            return CellRun("garbled", ename="KernelMessage", evalue=_text(f"{type(error).__name__}: {error}", 300),
                           stdout=_stdout(cell), seconds=time.perf_counter() - began, output_dropped=client.dropped)
        reply = self._reply.get("content") if isinstance(self._reply, dict) else None
        reply = reply if isinstance(reply, dict) else {}
        if reply.get("ename") == TIMEOUT_ENAME:
            return self._timed_out(cell, began, settle, memory)
        run = replace(_cell_run(cell, time.perf_counter() - began, client.dropped, reply),
                      **self._output_channel())
        if run.ok and _asked_to_exit(reply):
            return replace(run, outcome="exited", ename="KernelExit", evalue="exit() or quit() ended the kernel")
        return run

    def _starved(self, limit: float):
        """For nbclient's timeout, asked each time ``TICK_S`` passes: True (wait on) while the wall time is under
        ``limit``, then while the cell's own time, the wall time less what the kernel's main thread waited for a CPU
        (``/proc/PID/schedstat``), is under ``limit`` and another wait stays within ``STRETCH_MAX * limit`` and
        ``limit + STRETCH_MAX_S``. So a load on the machine (other gradings, a class batch on two cores) does not
        stop an honest cell that would finish in time on an idle machine, and a re-grade gives the same result; a
        cell that sleeps or waits is stopped at ``limit`` as before, within a tick. Without schedstat it is plain
        wall time. Whatever the main thread waited, the cell's processes never get more CPU time than an idle
        machine gives within ``limit`` (``limit`` times the grader's CPUs): a kernel can make its main thread wait on
        purpose (pinned to one CPU with a busy thread of its own, and niced) while that thread works on.

        (Until 2026-12-03 it was asked each time ``limit`` passed: a cell whose kernel had waited for a CPU even a
        millisecond by then got a whole ``limit`` more, so a call of 20-40 s of its own time with a 20 s limit
        passed or timed out by chance, and a cell that hung stopped at once or twice its limit.)"""
        pid, began = (self._pids[1] if self._pids else None), time.monotonic()
        waited, most, used = _waited_s(pid), min(STRETCH_MAX * limit, limit + STRETCH_MAX_S), self.cpu_s()
        budget = limit * len(os.sched_getaffinity(0))   # the CPU time an idle machine gives within the limit

        def starved() -> bool:
            wall = time.monotonic() - began
            if wall < limit:
                return True
            cpu = self.cpu_s() - used
            return (wall - (_waited_s(pid) - waited) < limit and wall + TICK_S <= most
                    and cpu < wall and cpu < budget)
        return starved

    def cpu_s(self) -> float:
        """CPU seconds (user and system) used so far by the kernel and every process it started: its cgroup's count
        (:meth:`grader.sandbox.Cgroup.cpu_s`, exited processes included), else the processes that still run.
        A cell whose processes together had a whole CPU's worth of the wall time was not starved by other work,
        whatever its main thread waited (a fork bomb starves its own kernel): ``_starved`` grants it no more.
        Without a cgroup count, the time of processes that already exited is missed (a bomb of short-lived
        processes can then stretch its cell up to ``STRETCH_MAX``)."""
        counted = self._cgroup.cpu_s() if self._cgroup is not None else None
        if counted is not None:
            return counted
        pids = set(self._pids or ()) | self._strays()
        return sum(_cpu_of(pid) for pid in pids)

    def _timed_out(self, cell, began: float, settle: bool, memory: tuple[int, int]) -> CellRun:
        """The run of a cell stopped at its limit. Its output may still be on its way (``_output_channel``), except
        when the cell had started processes: they were killed, the kernel will be restarted
        (``needs_restart``), and a kernel that kept forking after its interrupt would never say it was done.
        A kernel that reached its memory limit during the cell and whose own memory is exhausted
        (:meth:`grader.sandbox.Cgroup.memory_exhausted`) spent its time reclaiming memory: it is stopped as its
        memory limit would have stopped it (:meth:`_out_of_memory`), so the outcome does not depend on which came
        first. A cell that merely holds much memory and runs long, never pressing on the limit, times out.
        ``memory``: the cgroup's (limit reached, OOM kills) when the cell began."""
        if self.disk_exceeded() is not None:   # stopped by the disk quota while the interrupt was on its way
            return self._over_disk_quota(cell, began)
        reached, killed = self._memory_since(memory)
        if reached and killed:   # killed by the limit while the interrupt was on its way
            return self._out_of_memory(cell, began)
        if reached and self._cgroup.memory_exhausted():
            self._cgroup.kill_all()
            return self._out_of_memory(cell, began)
        self._killed += self.kill_strays()
        return CellRun("timeout", ename=TIMEOUT_ENAME, stdout=_stdout(cell), seconds=time.perf_counter() - began,
                       output_dropped=self._client.dropped, processes_killed=self._killed,
                       **(self._output_channel(wait=not self._killed) if settle else {}))

    def _memory_events(self) -> tuple[int, int]:
        return self._cgroup.memory_events() if self._cgroup is not None else (0, 0)

    def _memory_since(self, memory: tuple[int, int]) -> tuple[bool, bool]:
        """(the memory limit was reached, a process was killed by it) since ``memory``, the cgroup's counts when
        the cell began (:meth:`_memory_events`)."""
        hits, kills = self._memory_events()
        return hits > memory[0], kills > memory[1]

    def _out_of_memory(self, cell, began: float) -> CellRun:
        """The run of a cell during which the kernel's memory limit killed it, or that timed out with the kernel's
        memory exhausted (it was then killed): the kernel is dead and will be restarted."""
        return CellRun("died", ename=MEMORY_ENAME, stdout=_stdout(cell), seconds=time.perf_counter() - began,
                       output_dropped=self._client.dropped,
                       evalue=f"the kernel's memory limit ({self.limits.memory_bytes // 2**20} MB) was reached")

    def _over_disk_quota(self, cell, began: float) -> CellRun:
        """The run of a cell during which the disk quota stopped the kernel (:mod:`grader.quota`)."""
        found = self.disk_exceeded()
        return CellRun("died", ename=DISK_ENAME, stdout=_stdout(cell), seconds=time.perf_counter() - began,
                       output_dropped=self._client.dropped, disk=found,
                       evalue=f"the kernel's folder held {quota.held(found, self.limits).en}")

    def _output_channel(self, wait: bool = True) -> dict[str, bool]:
        """What became of the cell's output channel, as :class:`CellRun` fields: when it was dropped it is reopened;
        a kernel that welcomes the new one was well and had sent one message too large (``output_refused``), one
        that stays silent broke its own messaging (``kernel_silent``: ``needs_restart`` then restarts it without
        a probe, which would only wait its 5 s and more). With ``wait``, output still on its way is waited for
        first (up to ``IOPUB_SETTLE_S``)."""
        if wait and not self._client.output_complete:
            self._await_idle(IOPUB_SETTLE_S)
        if not self._iopub_dropped():
            return {}
        welcomed = self._reopen_iopub()
        return {"output_refused": welcomed, "kernel_silent": not welcomed}

    def _await_idle(self, wait: float) -> None:
        """Read the output channel for up to ``wait`` seconds, until the kernel says the last cell is done
        ("idle" with the cell's request as parent: all its output was sent) or the channel is dropped. A cell that
        timed out because its own child processes took the CPU is done a moment after they are killed; only a
        kernel that cannot answer (its messaging broken) or that is still sending costs the whole wait. Messages
        read here belong to a cell whose output was already taken, and are dropped."""
        from queue import Empty

        from jupyter_core.utils import run_sync

        kc, parent = self._client.kc, self._client.cell_msg_id
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and not self._iopub_dropped():
            try:
                msg = run_sync(kc.iopub_channel.get_msg)(timeout=0.05)
            except Empty:
                continue
            except Exception:  # noqa: BLE001 - a message that does not parse: the learner's, dropped
                time.sleep(0.05)
                continue
            msg = _sane_message(msg)
            if (msg is not None and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
                    and msg["parent_header"].get("msg_id") == parent):
                return

    def _remember_reply(self, *, cell, cell_index, execute_reply) -> None:
        self._reply = execute_reply or {}

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self._client is not None and bool(run_sync(self._client.km.is_alive)())

    def responsive(self, timeout: float = 10.0) -> bool:
        """True when the kernel answers a trivial cell within ``timeout`` seconds. A kernel that does not is
        restarted by its caller, so a probe that times out does not wait for its output to settle: a kernel whose
        learner broke its messaging (``builtins.type`` replaced) costs 10 s less."""
        return self.alive() and self.run("pass", timeout=timeout, history=False, settle=False).outcome == "ok"

    def needs_restart(self, run: CellRun) -> bool:
        """After a cell (or call) that failed as ``run``: True when the kernel must be restarted, because it died,
        asked to exit, stopped answering (``kernel_silent``, else a probe), or forked in a cell that ran too long
        (fork left it in no known state)."""
        if run.outcome == "error":
            return False
        return (run.outcome == "exited" or bool(run.processes_killed) or run.kernel_silent
                or not self.responsive(timeout=5))


def _kill_now(km) -> None:
    """Kill the kernel's process group at once and reap its launcher, so jupyter_client's shutdown, which would
    interrupt it and then poll every 0.1 s until it is gone, finds it gone. Only a group the launcher leads (its
    own session, as jupyter_client starts it) is killed, never the grader's."""
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:
        return
    try:
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        pass  # jupyter_client's own shutdown tries again


async def _wait_for_ready(kc, timeout: float) -> None:
    """jupyter_client's ``wait_for_ready`` without its last step, which waits until the output channel has been
    quiet for 0.2 s (a fifth of a second per kernel): a kernel_info reply, and a message on the output channel
    proving it is subscribed, are enough; output left from the handshake belongs to no cell and is ignored by
    every cell run (nbclient keeps only messages whose parent is the cell). Raises RuntimeError when the kernel
    dies or does not answer within ``timeout`` seconds."""
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await kc.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                pass
            else:
                kc._handle_kernel_info_reply(reply)
                return
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


def _waited_s(pid: int | None) -> float:
    """Seconds the process's main thread has spent runnable but waiting for a CPU (0.0 when unknown)."""
    try:
        with open(f"/proc/{int(pid)}/schedstat") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError, TypeError):
        return 0.0


def _cpu_of(pid: int) -> float:
    """CPU seconds (user and system) the process has used (0.0 when it is gone); ``/proc/PID/stat`` fields 14-15."""
    try:
        with open(f"/proc/{int(pid)}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return 0.0


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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


HOME_LINKS_DEPTH, HOME_LINKS_SCANNED = 6, 5000


def _reach(env: dict[str, str], *, links_by: int | None = None) -> list[str]:
    """What the kernel's view must hold besides the system: Python itself, its packages, the grader package
    (never the repository around it), and the targets of links the grader put into HOME (cached weights).

    Only links owned by ``links_by`` (the grader's user id) count, found by a walk of HOME bounded in depth
    and entries that never follows a link: the kernel owns HOME and may have filled it with a deep tree or
    with links of its own to anywhere (``None``: no link counts)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages(), str(Path(sandbox.__file__).parent)}
    paths |= set(_grader_links(Path(env.get("HOME", "/nonexistent")), links_by))
    return sorted(p for p in paths if os.path.exists(p))


def _grader_links(home: Path, owner: int | None) -> list[str]:
    if owner is None:
        return []
    found, stack, scanned = [], [(str(home), 0)], 0
    while stack and scanned < HOME_LINKS_SCANNED:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(itertools.islice(listing, HOME_LINKS_SCANNED - scanned))
        except OSError:
            continue
        scanned += len(entries)
        for entry in entries:
            try:
                if entry.is_symlink() and entry.stat(follow_symlinks=False).st_uid == owner:
                    found.append(os.path.realpath(entry.path))
                elif entry.is_dir(follow_symlinks=False) and depth + 1 < HOME_LINKS_DEPTH:
                    stack.append((entry.path, depth + 1))
            except OSError:
                continue
    return found


def _asked_to_exit(reply: dict) -> bool:
    """True when a cell's reply carries IPython's exit request (``exit()``, ``quit()``, ``ask_exit()``) without
    ``keep_kernel``: the kernel stops right after answering."""
    payload = reply.get("payload")
    return isinstance(payload, list) and any(
        isinstance(p, dict) and p.get("source") == "ask_exit" and not p.get("keepkernel") for p in payload)


def _code_cell(source: str):
    """A code cell of ``source``, as ``nbformat.v4.new_code_cell`` makes it, less its check against the notebook
    schema, which a cell of one str always passes: 2 ms a cell on a 2-core machine, about 50 cells a day93 grading
    (the learner's cells and each call of a learner function), 0.1 s of it (measured 2026-12-02)."""
    from nbformat import NotebookNode
    from nbformat.v4.nbbase import random_cell_id

    return NotebookNode(id=random_cell_id(), cell_type="code", metadata=NotebookNode(), execution_count=None,
                        source=source, outputs=[])


def _stdout(cell) -> str:
    outputs = cell.get("outputs") if isinstance(cell, dict) else None
    parts = [o.get("text") for o in outputs or [] if isinstance(o, dict) and o.get("output_type") == "stream"]
    return "".join(p for p in parts if isinstance(p, str))[-OUTPUT_CHARS_KEPT:]


def _cell_run(cell, seconds: float, dropped: int = 0, reply: dict | None = None) -> CellRun:
    """The cell's outcome from its outputs: an ``error`` output fails it; so does a reply whose status is
    ``error`` when no error output came (IPython prints a ``UsageError``, an unknown magic, to stderr and stops
    the cell there: counted as run, the rest of the cell was silently missing)."""
    errors = [o for o in cell.get("outputs") or [] if isinstance(o, dict) and o.get("output_type") == "error"]
    if not errors and isinstance(reply, dict) and reply.get("status") == "error":
        errors = [reply]
    for output in errors:
        lines = output.get("traceback")
        tb = tuple(strip_ansi(_text(line, 4000)) for line in (lines[-40:] if isinstance(lines, list) else []))
        return CellRun("error", ename=_text(output.get("ename", ""), 200),
                       evalue=_text(output.get("evalue", ""), 2000), traceback=tb, stdout=_stdout(cell),
                       seconds=seconds, output_dropped=dropped)
    return CellRun("ok", stdout=_stdout(cell), seconds=seconds, output_dropped=dropped)

