"""Where grading ran: versions and the compute device, found without importing TensorFlow (which takes seconds)."""
from __future__ import annotations

import functools
import os
import platform
import shutil
import subprocess

from importlib import metadata

from grader.results import Environment


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


def describe() -> Environment:
    return Environment(grader=version("cnn-grader"), python=platform.python_version(),
                       tensorflow=version("tensorflow"), keras=version("keras"), numpy=version("numpy"),
                       platform=f"{platform.system()} {platform.machine()}", device=device())


