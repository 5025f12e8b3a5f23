"""Where grading ran: versions and the compute device, found without importing TensorFlow (which takes seconds)."""
from __future__ import annotations

import contextlib
import functools
import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

from importlib import metadata

from grader import messages
from grader.results import Environment, Text


def version(package: str) -> str:
    for name in (package, f"{package}-cpu"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


@functools.lru_cache(maxsize=1)
def gpus() -> tuple[str, ...]:
    """Names of the NVIDIA GPUs this process may use (honours CUDA_VISIBLE_DEVICES), empty on a CPU machine."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return ()
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return ()
    try:
        out = subprocess.run([smi, "--query-gpu=index,name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    rows = [line.split(",", 1) for line in out.strip().splitlines() if "," in line]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    allowed = None if visible is None else {v.strip() for v in visible.split(",")}
    return tuple(name.strip() for index, name in rows if allowed is None or index.strip() in allowed)


def device() -> str:
    found = gpus()
    return f"GPU: {', '.join(found)}" if found else f"CPU: {os.cpu_count()} cores"


def device_text(device: str) -> Text:
    """The device line of a result (``"CPU: 2 cores"``, ``"GPU: NVIDIA H200"``) in both languages."""
    kind, _, rest = device.partition(": ")
    if kind == "CPU" and rest.endswith(" cores"):
        return messages.text("device_cpu", cores=rest.removesuffix(" cores"))
    if kind == "GPU" and rest:
        return messages.text("device_gpu", names=rest)
    return Text(en=device, zh_tw=device)


def describe() -> Environment:
    return Environment(grader=version("cnn-grader"), python=platform.python_version(),
                       tensorflow=version("tensorflow"), keras=version("keras"), numpy=version("numpy"),
                       platform=f"{platform.system()} {platform.machine()}", device=device())


# ---------------------------------------------------------------- a quiet TensorFlow

TF_LOG_LINE = re.compile(r"^(?:[IWEF]\d{4} \S+\s+\d+ \S+:\d+\]|WARNING: All log messages before "
                         r"absl::InitializeLog\(\)|To enable the following instructions: |oneDNN custom operations)")
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}   # TensorFlow's C++ log: errors and below hidden


def quiet_env() -> None:
    """Ask TensorFlow for a quiet start (only where nobody chose otherwise), and hide the GPUs from a machine
    that has no NVIDIA driver, where probing them only logs ``failed call to cuInit: UNKNOWN ERROR (303)``."""
    for name, value in QUIET_ENV.items():
        os.environ.setdefault(name, value)
    if "CUDA_VISIBLE_DEVICES" not in os.environ and not os.path.exists("/dev/nvidiactl") \
            and shutil.which("nvidia-smi") is None:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""


@contextlib.contextmanager
def _stderr_filtered():
    """Run the block with file descriptor 2 in a temporary file, then replay every line that is not a
    TensorFlow/absl log line (C++ code writes those straight to the descriptor, past ``sys.stderr``)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                    if not TF_LOG_LINE.match(line)]
            if kept:
                sys.stderr.write("".join(kept))


def preload_keras() -> None:
    """Import Keras, and TensorFlow quietly first (:func:`quiet_tensorflow`): a grading process's own start, done
    before a submission's clock starts (:mod:`grader.job`, :mod:`grader.worker`). Never raises: an import that
    fails here fails again in the checks that need Keras, which report it there, as they would without this."""
    quiet_tensorflow()
    with contextlib.suppress(Exception):
        importlib.import_module("keras")


def quiet_tensorflow() -> None:
    """Import TensorFlow without its start-up log lines (the first import only; later ones are silent anyway),
    and turn its Python-side logging (absl, ``tf.get_logger()``) down to errors. No-op without TensorFlow."""
    quiet_env()
    if "tensorflow" in sys.modules:
        return
    try:
        with _stderr_filtered():
            import tensorflow as tf
    except ImportError:
        return
    tf.get_logger().setLevel("ERROR")
    try:
        from absl import logging as absl_logging
        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:
        pass
