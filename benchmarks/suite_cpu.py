"""Where a command's CPU time goes: every process on the machine sampled from /proc once a second while the
command runs, CPU-seconds summed by kind of process, the learners' kernels by exercise.

    python benchmarks/suite_cpu.py [--interval 1.0] [-- COMMAND ...]

Without a command it runs the README's test command, ``python -m pytest -n 3 --dist loadfile`` (run it from a
clean clone, as ``.ci/run`` does). Prints figures only: nothing here passes or fails. Run it on an otherwise idle
machine: every process is counted, the command's or not ("machine busy" says how much of the CPUs' time was
used at all).

Kinds, from each process's command line: a learner's kernel (``ipykernel`` in it, the sandbox launcher
included), split by the exercise its working folder names (``grader-day93-...``; ``?`` when none does); the pytest
workers (pytest-xdist's ``-c "import sys;exec(eval(...))"``); the warm grading children of ``grader.worker`` and
the per-submission children of ``grader.job`` (``-c`` with the grader's child preamble); ``grader`` command-line
processes; Gradescope's and Classroom's entry points; Dask; Chromium and Node (the platform tests); the rest by
their program name. A process is seen from its first sample on: one that lives less than ``--interval`` may be
missed, and the CPU a process used after its last sample is lost (up to an interval's worth of each of its
threads), so the short-lived kinds (kernels, command-line subprocesses) are lower bounds; the row "not attributed"
is the machine's busy time that no sampled process accounts for. Busy time is /proc/stat's user, nice, system,
irq and softirq (steal, time the hypervisor gave to others, is not ours). Linux only (/proc/PID/stat fields 14-15
and 22, clock ticks of ``SC_CLK_TCK``).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass

TICKS = os.sysconf("SC_CLK_TCK")
DEFAULT_COMMAND = [sys.executable, "-m", "pytest", "-n", "3", "--dist", "loadfile"]
EXERCISE = re.compile(r"day9[3-8]")
KINDS = (("exec(eval(", "pytest worker (xdist)"), ("PR_SET_PDEATHSIG", "grading child (worker/job)"),
         ("grader.worker", "grading child (worker/job)"), ("grader.job", "grading child (worker/job)"),
         ("grader.gradescope", "Gradescope entry point"), ("grader.classroom", "Classroom entry point"),
         ("grader.cli", "grader command line"), ("bin/grader", "grader command line"), ("pytest", "pytest"),
         ("dask", "Dask"), ("distributed", "Dask"), ("chrom", "Chromium"), ("node", "Node"))   # first match wins


@dataclass
class Seen:
    kind: str
    cpu_s: float = 0.0


def boot_time() -> float:
    """Unix time the machine booted (process start times in /proc are ticks since then)."""
    with open("/proc/uptime") as handle:
        return time.time() - float(handle.read().split()[0])


def kind_of(pid: str, command: str) -> str:
    """The kind of process ``command`` (its NUL-separated command line, spaces instead) is; see the module doc."""
    if "ipykernel" in command:
        try:
            folder = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            folder = ""
        found = EXERCISE.search(folder)
        return "kernel " + (found.group(0) if found else "?")
    for needle, kind in KINDS:
        if needle in command:
            return kind
    words = command.split()
    if words and "python" in os.path.basename(words[0]):
        return "python " + " ".join(words[1:3])[:50]
    return os.path.basename(words[0]) if words else "(no command line)"


def sample(seen: dict, boot: float) -> None:
    """One pass over /proc: each process's CPU time so far (user and system) kept, under its kind (decided when
    the process is first seen)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()   # after "pid (comm) ": field 3 onwards
        cpu_s = (int(fields[11]) + int(fields[12])) / TICKS
        key = (pid, boot + int(fields[19]) / TICKS)    # a pid reused later is another process
        if key not in seen:
            seen[key] = Seen(kind_of(pid, command))
        seen[key].cpu_s = max(seen[key].cpu_s, cpu_s)


def busy_s() -> float:
    """CPU-seconds all CPUs spent busy since boot: /proc/stat's user, nice, system, irq and softirq (not idle,
    iowait or steal; guest time is already inside user)."""
    with open("/proc/stat") as handle:
        user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in handle.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / TICKS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("command", nargs="*", help="the command to run (after --); default: the suite")
    args = parser.parse_args(argv)
    command = args.command or DEFAULT_COMMAND
    boot, seen = boot_time(), {}
    sample(seen, boot)
    baseline = {key: s.cpu_s for key, s in seen.items()}   # what ran before counts only its CPU from now on
    busy_before, began = busy_s(), time.perf_counter()
    process = subprocess.Popen(command)
    while process.poll() is None:
        sample(seen, boot)
        time.sleep(args.interval)
    sample(seen, boot)
    wall, busy = time.perf_counter() - began, busy_s() - busy_before
    totals, counts = collections.Counter(), collections.Counter()
    for key, s in seen.items():
        totals[s.kind] += s.cpu_s - baseline.get(key, 0.0)
        counts[s.kind] += key not in baseline
    cpus = len(os.sched_getaffinity(0))
    print(f"command: {shlex.join(command)[:300]}  (exit code {process.returncode})")
    print(f"wall {wall:.0f} s; machine busy {busy:.0f} CPU-seconds of {wall * cpus:.0f} ({cpus} CPUs, "
          f"{100 * busy / max(wall * cpus, 1e-9):.0f} %); seen by kind {sum(totals.values()):.0f}\n")
    print("| kind | CPU-seconds | share | processes |\n| --- | --- | --- | --- |")
    totals["not attributed"] = max(busy - sum(totals.values()), 0.0)
    for kind, cpu_s in totals.most_common():
        if cpu_s >= 0.5:
            print(f"| {kind} | {cpu_s:.0f} | {100 * cpu_s / max(busy, 1e-9):.0f} % | {counts[kind] or ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
