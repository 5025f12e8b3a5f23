"""What booting one graded kernel costs: CPU-seconds and wall seconds, median of N kernels.

    python benchmarks/kernel_boot.py [--kernels 8]

Each kernel is started as a grading starts it (:meth:`grader.kernel.Kernel.start`: launched in its sandbox,
waited for, and given the grader's set-up cell), its CPU time read from its cgroup (:meth:`Kernel.cpu_s`: the
sandbox launcher, Python, IPython and ipykernel imported, the set-up cell; every process of the kernel, exited
ones included), then closed. Run it with each Python environment to compare (e.g. IPython 8.12 against 9.18,
2026-12-02: 1.03 against 0.69 CPU-seconds). Prints figures only: nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import IPython
import ipykernel

from grader.kernel import Kernel, kernel_env


def boot(folder: Path) -> tuple[float, float]:
    """(CPU-seconds, wall seconds) of one kernel started in ``folder``: the CPU of its cgroup, or of its processes
    that still run where the machine has no cgroup CPU accounting."""
    (folder / "work").mkdir(parents=True)
    (folder / "home").mkdir()
    kernel = Kernel(workdir=folder / "work", env=kernel_env(home=folder / "home", extra={}))
    began = time.perf_counter()
    kernel.start()
    wall = time.perf_counter() - began
    try:
        return kernel.cpu_s(), wall
    finally:
        kernel.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        runs = [boot(Path(scratch) / str(i)) for i in range(args.kernels)]
    cpu, wall = [c for c, _ in runs], [w for _, w in runs]
    print(f"Python {sys.version.split()[0]}, IPython {IPython.__version__}, ipykernel {ipykernel.__version__}; "
          f"load average {os.getloadavg()[0]:.1f}; {args.kernels} kernels")
    print(f"CPU-seconds a kernel boot: median {statistics.median(cpu):.2f} ({min(cpu):.2f}-{max(cpu):.2f})")
    print(f"wall seconds a kernel boot: median {statistics.median(wall):.2f} ({min(wall):.2f}-{max(wall):.2f})")


if __name__ == "__main__":
    main()
