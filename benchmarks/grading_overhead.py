"""Grader overhead per notebook, per day: everything except the learner's own cells, median of N gradings.

    python benchmarks/grading_overhead.py [--repeat 5] [--days day93 day94 day95 day96] [--no-together]
                                          [--new-seed-each]

Each day's reference solution is graded ``--repeat`` times in this one process, after one warm-up grading that is
not counted (it pays the imports once), as a warm grading worker (grader.worker) does: with ``gc.freeze()`` after
it (unless --no-freeze: then pytest's full garbage collections scan TensorFlow's heap, ~3 s) and the next
submission's kernel launched while the checks of one run (:func:`grader.pool.keep_warm`; unless --cold).
"Overhead" is the whole ``grade()`` wall time less the time the learner's cells computed (kernel start, sandbox,
execution bookkeeping, checks). Of it, "learner functions" is the time the learner's own functions computed in their
kernel when the checks called them (timed there, around each call: :func:`time_learner_functions`), and "grader's
own" the rest. Then, unless --no-together, days 93-96 graded together as one folder (one
``grade()`` call, learner cells included). All gradings use seed 0, as a class batch uses one seed for every
submission, so references that depend only on the seed (day98's VGG16 features of random weights) are computed
by the warm-up and reused; --new-seed-each gives each grading a seed of its own, as for the first submission a
worker grades in a batch. Issue 15's targets on 2 cores: overhead at most 0.5 s (day93, day95)
and 1.5 s (days 94, 96, 97, 98); days 93-96 together at most 22 s. Prints figures only: nothing here passes or fails.
"""
from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from grader import exercise as exercises
from grader import learner
from grader import mnist
from grader import pool
from grader.grading import grade

PARTS = ("kernel start", "notebook", "learner cells", "checks", "learner functions")
OWN_S: list[float] = []  # seconds each learner function computed in its kernel, as the timed call helper said
TIMED_CALL = """\
        began = __import__("time").perf_counter()
        try:
            value = fn(*args, **kwargs)
        finally:
            own[0] = __import__("time").perf_counter() - began
"""


def time_learner_functions() -> None:
    """Have the kernel's call helper (:data:`grader.learner.CALL_HELPER`) time each learner function it calls and
    write the seconds into the call's ``result.json`` (``own_s``), which the grader then ignores; they are
    collected in :data:`OWN_S` as the grader reads each result. For this benchmark only: the product never trusts a
    time the kernel reports."""
    helper = learner.CALL_HELPER
    for old, new in (("    count, items = [0], [0]\n", "    count, items, own = [0], [0], [0.0]\n"),
                     ("            json.dump(obj, handle)\n", "            json.dump({**obj, 'own_s': own[0]}, handle)\n"),
                     ("        value = fn(*args, **kwargs)\n", TIMED_CALL)):
        assert helper.count(old) == 1, f"grader.learner.CALL_HELPER changed: {old.strip()!r} not found once"
        helper = helper.replace(old, new)
    learner.CALL_HELPER = helper
    read = learner.load_bounded_json

    def load(raw, **kwargs):
        data = read(raw, **kwargs)
        if isinstance(data, dict) and isinstance(data.get("own_s"), float):
            OWN_S.append(data.pop("own_s"))
        return data
    learner.load_bounded_json = load
TARGETS = {"day93": 0.5, "day95": 0.5, "day94": 1.5, "day96": 1.5, "day97": 1.5, "day98": 1.5}


def measure(path: Path, seed: int = 0) -> tuple[float, dict[str, dict[str, float]]]:
    """(wall seconds, exercise -> part -> seconds) of one grading of ``path``, as if of a new learner's notebook:
    day97's accuracies of a model measured before (the solution trains the same weights each time) are measured
    again (:func:`grader.mnist.forget`)."""
    mnist.forget()
    OWN_S.clear()
    began = time.perf_counter()
    result = grade(path, seed=seed, lang="en")
    wall = time.perf_counter() - began
    assert result.score == result.max_score, f"the benchmark expects fully correct submissions ({path})"
    rows = {e.id: {"kernel start": e.execution.kernel_start_s, "notebook": e.execution.run_s,
                   "learner cells": e.execution.learner_s, "checks": e.checks_s,
                   "learner functions": sum(OWN_S) if len(result.exercises) == 1 else float("nan")}
            for e in result.exercises}
    return wall, rows


def day_row(day: str, repeat: int, freeze: bool, new_seeds: bool = False) -> str:
    path = exercises.get(day).solution
    first, _ = measure(path)
    if freeze:
        gc.freeze()
    # one run seed, as a class batch (the next kernel launched ahead); or one seed per grading
    runs = [measure(path, seed=i + 1 if new_seeds else 0) for i in range(repeat)]
    med = {p: statistics.median(r[1][day][p] for r in runs) for p in PARTS}
    overheads = [wall - rows[day]["learner cells"] for wall, rows in runs]
    overhead = statistics.median(overheads)
    own = statistics.median(wall - rows[day]["learner cells"] - rows[day]["learner functions"] for wall, rows in runs)
    target = TARGETS.get(day)
    return (f"| {day} | {first:.2f} | {statistics.median(w for w, _ in runs):.2f} | "
            + " | ".join(f"{med[p]:.2f}" for p in PARTS)
            + f" | {overhead:.2f} (min {min(overheads):.2f}, max {max(overheads):.2f}) | {own:.2f} | "
            + (f"{target:g}" if target else "-") + " |")


def together(days: list[str]) -> float:
    """Wall seconds of one ``grade()`` of a folder holding these days' solutions."""
    with tempfile.TemporaryDirectory(prefix="bench-together-") as tmp:
        for day in days:
            (Path(tmp) / day).mkdir()
            shutil.copyfile(exercises.get(day).solution, Path(tmp) / day / f"{day}.ipynb")
        wall, _ = measure(Path(tmp))
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days", nargs="+", default=["day93", "day94", "day95", "day96"])
    parser.add_argument("--no-together", action="store_true", help="skip days 93-96 graded together")
    parser.add_argument("--no-freeze", action="store_true", help="no gc.freeze() after the warm-up")
    parser.add_argument("--cold", action="store_true", help="no kernel launched ahead (grader.pool.keep_warm off)")
    parser.add_argument("--new-seed-each", action="store_true",
                        help="a seed of its own for each grading (references that depend on it computed each time)")
    args = parser.parse_args()
    time_learner_functions()
    if not args.cold:
        pool.keep_warm()  # as grader.worker does: the next submission's kernel boots while this one is checked
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    print(f"median of {args.repeat} gradings per day after one warm-up"
          f"{'' if args.no_freeze else ' and gc.freeze()'}"
          f"{', a new seed for each' if args.new_seed_each else ', all with seed 0'}; seconds\n")
    print("| day | first grading (imports) | wall | " + " | ".join(PARTS)
          + " | grader overhead | grader's own (overhead less learner functions) | target |")
    print("| --- " * (len(PARTS) + 6) + "|")
    for day in args.days:
        print(day_row(day, args.repeat, not args.no_freeze, args.new_seed_each), flush=True)
    if not args.no_together:
        days = ["day93", "day94", "day95", "day96"]
        print(f"\ndays 93-96 together, one grade() of a folder (learner cells included): {together(days):.2f} s "
              f"wall (target 22 s)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
