"""Stored results (issue 15: "all results identical before and after"): what grading each planted sample, solution
and stub of days 93-96 gives, at the day test's own seed, kept in ``tests/data/results/<day>/<name>.json`` and
compared by the day tests each time they grade (no extra grading).

What is compared is everything a learner or instructor reads: the score, each check's id, status, points and
message in both languages, and each failed cell's number, status, exception name and note; not timings, paths or
the kernel's user id. The files were written by the grader as it was before the performance work, from a
checkout of that commit::

    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before:tests python tests/stored.py --write    # grades everything, writes the files

and, after an intended change of a result, by the current grader the same way (PYTHONPATH=.:tests).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

FOLDER = Path(__file__).parent / "data" / "results"
SEEDS = {"day93": 93, "day94": 94, "day95": 95, "day96": 96}


def canonical(result) -> dict:
    """The parts of a :class:`grader.results.GradeResult` that must not change when only speed does."""
    return {"score": result.score, "max_score": result.max_score, "exercises": [{
        "id": e.id,
        "checks": [{"id": c.id, "status": c.status.value, "score": c.score, "max_score": c.max_score,
                    "hidden": c.hidden, "function": c.function,
                    "message": None if c.message is None else {"en": c.message.en, "zh-TW": c.message.zh_tw}}
                   for c in e.checks],
        "cells": [e.execution.cells_run, e.execution.cells_total, e.execution.kernel_restarts],
        "problem": None if e.execution.problem is None else e.execution.problem.en,
        "failures": [{"index": f.index, "status": f.status.value, "ename": f.ename,
                      "note": None if f.note is None else f.note.en} for f in e.execution.failures],
    } for e in result.exercises]}


def path_of(day: str, name: str) -> Path:
    return FOLDER / day / f"{name}.json"


def assert_as_stored(result, day: str, name: str) -> None:
    """Fail unless ``result`` reads exactly as the stored result of ``day``'s ``name`` (a sample, "solution" or
    "stub") graded at the day test's seed."""
    stored = json.loads(path_of(day, name).read_text(encoding="utf-8"))
    now = json.loads(json.dumps(canonical(result), ensure_ascii=False))
    assert now == stored, f"{day} {name}: the result differs from tests/data/results/{day}/{name}.json"


def _write() -> None:
    import tempfile

    from grader import exercise as exercises
    from grader.grading import grade
    from samples import SAMPLES, plant

    for day, seed in SEEDS.items():
        (FOLDER / day).mkdir(parents=True, exist_ok=True)
        targets = {"solution": lambda: exercises.get(day).solution,
                   "stub": lambda: exercises.ROOT / "exercises" / day}
        for name in SAMPLES[day]:
            targets[name] = lambda name=name: plant(Path(tempfile.mkdtemp()), day, name)
        for name, where in targets.items():
            data = canonical(grade(where(), seed=seed))
            path_of(day, name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            print(day, name, data["score"], "/", data["max_score"], flush=True)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    _write()
