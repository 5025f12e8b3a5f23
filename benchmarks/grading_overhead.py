"""Wall time of grading reference solutions, split into kernel start, notebook execution and checks.

    python benchmarks/grading_overhead.py [--repeat 3] [--path solutions/day93]
    python benchmarks/grading_overhead.py --repeat 1 --path solutions      # days 93-96 together

"Grader overhead" is everything but the learner's own cells: the whole `grade()` call minus the time the
learner's code computed. Targets on a 2-core CPU: overhead under 5 s per notebook; all of solutions/
(days 93-96) under 2 minutes.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from grader.exercise import ROOT
from grader.grading import grade

PARTS = ("kernel start", "notebook", "learner cells", "checks")


def measure(path: Path) -> tuple[float, dict[str, dict[str, float]]]:
    began = time.perf_counter()
    result = grade(path, seed=0, lang="en")
    wall = time.perf_counter() - began
    assert result.score == result.max_score, "the benchmark expects fully correct submissions"
    rows = {e.id: {"kernel start": e.execution.kernel_start_s, "notebook": e.execution.run_s,
                   "learner cells": e.execution.learner_s, "checks": e.checks_s} for e in result.exercises}
    return wall, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--path", type=Path, default=ROOT / "solutions" / "day93")
    args = parser.parse_args()
    runs = [measure(args.path) for _ in range(args.repeat)]
    print(f"grading {args.path} x{args.repeat}: median seconds")
    print(f"  {'exercise':<10}" + "".join(f"{p:>15}" for p in PARTS) + f"{'overhead':>15}")
    learner_total = []
    for exercise_id in runs[0][1]:
        med = {p: statistics.median(r[1][exercise_id][p] for r in runs) for p in PARTS}
        overhead = med["kernel start"] + med["notebook"] - med["learner cells"] + med["checks"]
        print(f"  {exercise_id:<10}" + "".join(f"{med[p]:>15.2f}" for p in PARTS) + f"{overhead:>15.2f}")
    for wall, rows in runs:
        learner_total.append(wall - sum(r["learner cells"] for r in rows.values()))
    walls = [wall for wall, _ in runs]
    print(f"  total wall: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}); "
          f"grader overhead (wall minus learner cells): median {statistics.median(learner_total):.2f} s")


if __name__ == "__main__":
    main()
