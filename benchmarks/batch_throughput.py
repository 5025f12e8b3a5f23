"""Batch throughput: submissions per minute with 1 and 2 Dask workers on days 93-96, the grader's overhead per
submission, and nbgrader's ``autograde`` on the very same notebooks, side by side in one run.

    python -m pip install -e ".[bench]"          # nbgrader, for the comparison only
    python benchmarks/batch_throughput.py [--learners 4] [--days day93 day94 day95 day96] [--no-warm]
        [--nbgrader-python PYTHON]               # a Python where nbgrader is installed (e.g. a separate venv)

nbgrader pins versions of Jupyter packages the grader also uses, so it is best kept in a venv of its own that sees
this environment's NumPy, SciPy and TensorFlow (the notebooks' kernels run there):

    python -m venv --system-site-packages /tmp/bench-venv && /tmp/bench-venv/bin/pip install nbgrader==0.9.6
    python benchmarks/batch_throughput.py --nbgrader-python /tmp/bench-venv/bin/python

Run it on an otherwise idle machine (``uptime``; the load average is printed with the figures): both sides share
the same cores, one after the other, per day.

Every learner submits the reference solution of one day. ``grader batch`` grades each submission on a warm
grading worker (grader.worker; with --no-warm, in a child process of its own), in its own kernel, public + hidden
checks; wall time includes starting the local Dask cluster and the warm workers' imports. The overhead is a
submission's grading time less the time its learner cells computed. nbgrader (0.9, serial: it has no parallel
autograde) runs each notebook in its own kernel too, from a throwaway course folder whose assignment is the same
solution with its solution cells marked for nbgrader; it has no nbgrader test cells, so its figure is execution and
bookkeeping only (no checks run): an optimistic bound for nbgrader.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader import exercise as exercises
from grader.batch import learner_dir, run_batch
from grader.results import from_json

SEED = 1


def make_class(folder: Path, day: str, learners: int) -> Path:
    solution = exercises.get(day).solution
    for index in range(learners):
        path = folder / f"bench-learner{index:02d}" / day / f"{day}.ipynb"
        path.parent.mkdir(parents=True)
        shutil.copyfile(solution, path)
    return folder


def grader_batch(folder: Path, out: Path, workers: int, warm: bool = True) -> tuple[float, float]:
    """(submissions per minute, median overhead seconds per submission)."""
    began = time.perf_counter()
    report = run_batch(folder, out=out, workers=workers, seed=SEED, lang="en", force=True, progress=False,
                       device="cpu", warm=warm)
    wall = time.perf_counter() - began
    assert not report.failed, report.failed
    overheads = []
    for learner in report.graded:
        state = json.loads((learner_dir(out, learner) / "batch.json").read_text())
        result = from_json((learner_dir(out, learner) / "result.json").read_text())
        overheads.append(state["duration_s"] - sum(e.execution.learner_s for e in result.exercises))
    return 60 * len(report.graded) / wall, statistics.median(overheads)


def _nbgrader_notebook(day: str) -> str:
    """The solution with its solution cells marked the way nbgrader wants (same markers: ### BEGIN SOLUTION)."""
    import nbformat

    nb = nbformat.read(exercises.get(day).solution, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source:
            cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                         "grade_id": f"cell-{index}", "schema_version": 3}
    return nbformat.writes(nb)


def nbgrader_autograde(course: Path, day: str, learners: int, python: str = sys.executable) -> float:
    """Submissions per minute of ``nbgrader autograde`` on the same notebooks (a throwaway course folder)."""
    course.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = %r\nc.ExecutePreprocessor.timeout = 600\n" % str(course))
    notebook = _nbgrader_notebook(day)
    source = course / "source" / "bench" / f"{day}.ipynb"
    source.parent.mkdir(parents=True)
    source.write_text(notebook)
    for index in range(learners):
        submitted = course / "submitted" / f"bench-learner{index:02d}" / "bench" / f"{day}.ipynb"
        submitted.parent.mkdir(parents=True)
        submitted.write_text(notebook)
    nbgrader = [python, "-m", "nbgrader"]
    env = {**os.environ, "PATH": f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # its alembic
    subprocess.run([*nbgrader, "generate_assignment", "bench", "--force"], cwd=course, check=True,
                   capture_output=True, env=env)
    began = time.perf_counter()
    run = subprocess.run([*nbgrader, "autograde", "bench", "--create", "--force"], cwd=course, capture_output=True,
                         text=True, env=env)
    wall = time.perf_counter() - began
    if run.returncode != 0:
        raise RuntimeError(f"nbgrader autograde failed:\n{run.stderr[-3000:]}")
    graded = list((course / "autograded").glob(f"*/bench/{day}.ipynb"))
    assert len(graded) == learners, f"nbgrader autograded {len(graded)} of {learners}"
    return 60 * learners / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=4, help="submissions per day (default 4)")
    parser.add_argument("--days", nargs="+", default=["day93", "day94", "day95", "day96"])
    parser.add_argument("--no-warm", action="store_true", help="grader batch --no-warm: a process per submission")
    parser.add_argument("--nbgrader-python", default=sys.executable, help="Python with nbgrader installed")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each side per day, the best kept (a shared machine's load comes and goes)")
    args = parser.parse_args()
    probe = subprocess.run([args.nbgrader_python, "-m", "nbgrader", "--version"], capture_output=True)
    has_nbgrader = probe.returncode == 0
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        for day in args.days:
            folder = make_class(Path(tmp) / f"class-{day}", day, args.learners)
            runs = []
            for r in range(args.repeat):  # each round: the three side by side, so a load spike hits one round
                one = grader_batch(folder, Path(tmp) / f"out1-{day}-{r}", workers=1, warm=not args.no_warm)
                two, _ = grader_batch(folder, Path(tmp) / f"out2-{day}-{r}", workers=2, warm=not args.no_warm)
                nbg = (nbgrader_autograde(Path(tmp) / f"nbgrader-{day}-{r}", day, args.learners,
                                          args.nbgrader_python) if has_nbgrader else float("nan"))
                runs.append((one, two, nbg))
            (one, overhead), two, nbg = max(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs)
            rows.append((day, one, two, overhead, nbg))
            print(f"{day}: done {rows[-1][1:]}", file=sys.stderr, flush=True)
    mode = "a process per submission (--no-warm)" if args.no_warm else "warm workers"
    print(f"{args.learners} submissions per day; grader batch with {mode}; submissions per minute (higher is better"
          f"{f'; best of {args.repeat} runs each' if args.repeat > 1 else ''}); "
          f"load average {load} at start, {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end, "
          f"{os.cpu_count()} CPUs" + ("" if has_nbgrader else f"; nbgrader not installed for {args.nbgrader_python}"))
    print("\n| day | grader batch, 1 worker | grader batch, 2 workers | grader overhead s/submission (1 worker) | "
          "nbgrader autograde (serial) | 1 worker / nbgrader | 2 workers / nbgrader |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for day, one, two, overhead, nbg in rows:
        print(f"| {day} | {one:.1f} | {two:.1f} | {overhead:.2f} | {nbg:.1f} | {one / nbg:.2f}x | {two / nbg:.2f}x |")


if __name__ == "__main__":
    main()
