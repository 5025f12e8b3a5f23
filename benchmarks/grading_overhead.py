"""Wall time of grading solutions/day93, split into kernel start, notebook execution and checks.

    python benchmarks/grading_overhead.py [--repeat 5] [--path solutions/day93]

"Grader overhead" is everything but the learner's own cells: the whole `grade()` call minus the time
the learner's code computed. Target: under 5 s per notebook on a 2-core CPU.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from grader.exercise import ROOT
from grader.grading import grade


def measure(path: Path) -> dict[str, float]:
    began = time.perf_counter()
    result = grade(path, seed=0, lang="en")
    wall = time.perf_counter() - began
    exercise = result.exercises[0]
    execution = exercise.execution
    assert result.score == result.max_score, "the benchmark expects a fully correct submission"
    return {"kernel start": execution.kernel_start_s, "notebook execution": execution.run_s,
            "  of which learner cells": execution.learner_s, "checks": exercise.checks_s, "total wall": wall,
            "grader overhead": wall - execution.learner_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--path", type=Path, default=ROOT / "solutions" / "day93")
    args = parser.parse_args()
    runs = [measure(args.path) for _ in range(args.repeat)]
    print(f"grading {args.path} x{args.repeat} (median, min, max in seconds)")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:<26} {statistics.median(values):6.2f} {min(values):6.2f} {max(values):6.2f}")


if __name__ == "__main__":
    main()
