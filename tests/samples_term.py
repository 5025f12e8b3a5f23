"""A GitHub Classroom download for the instructor's term (``tests/test_term.py``), built with real ``git``.

``build_term(root)`` writes ``root/classroom/`` (one ``cnn-hw-<github username>/`` git repository per learner,
commits dated before and after :data:`DUE`), ``root/roster.csv`` (GitHub Classroom's roster export: one learner on
it never submitted) and ``root/adjustments.csv``. Only day93, short notebooks. Two learners (``copier1``,
``copier2``) hand in the same notebook, written in a style of their own (so it is not the reference solution);
``honest`` wrote a correct solution of her own independently.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nbformat

from grader import exercise as exercises
from samples import SAMPLES, notebook_with

PREFIX = "cnn-hw-"
DUE = "2026-12-01T23:59+08:00"
BEFORE = "2026-11-30T10:00:00+08:00"      # on time
AFTER = "2026-12-03T09:00:00+08:00"       # 1 day 9 h 1 min late

OWN_STYLE = {"conv_single_step": '''
def conv_single_step(window, kernel, bias=0.0):
    # multiply the patch with the filter, add everything up, then the bias once
    prod = np.multiply(np.array(window, dtype=np.float64), np.array(kernel, dtype=np.float64))
    acc = prod.sum()
    acc = acc + float(np.ravel(bias)[0])
    return float(acc)
''', "feature_map": '''
def feature_map(image, kernel, bias=0.0):
    img = np.array(image, dtype=np.float64)
    ker = np.array(kernel, dtype=np.float64)
    rows = img.shape[0] - ker.shape[0] + 1
    cols = img.shape[1] - ker.shape[1] + 1
    result = np.empty((rows, cols), dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            patch = img[r:r + ker.shape[0], c:c + ker.shape[1], ...]
            result[r, c] = conv_single_step(patch, ker, bias)
    return result
''', "feature_maps": '''
def feature_maps(image, kernels, biases=None):
    ks = [np.array(k, dtype=np.float64) for k in kernels]
    bs = [0.0] * len(ks) if biases is None else [float(b) for b in np.ravel(biases)]
    layers = []
    for idx in range(len(ks)):
        layers.append(feature_map(image, ks[idx], bs[idx]))
    return np.dstack(layers) if layers[0].ndim == 2 else np.stack(layers, axis=-1)
''', "relu": '''
def relu(x):
    y = np.array(x, dtype=np.float64, copy=True)
    y = np.where(y > 0, y, 0.0)
    return y
'''}

HONEST_OWN = {"feature_map": '''
def feature_map(image, kernel, bias=0.0):
    from numpy.lib.stride_tricks import sliding_window_view
    image = np.asarray(image, float)
    kernel = np.asarray(kernel, float)
    windows = sliding_window_view(image, kernel.shape)          # every window the kernel covers
    windows = windows.reshape(windows.shape[:2] + kernel.shape)
    return np.einsum("ij...,...->ij", windows, kernel) + bias
''', "relu": '''
def relu(x):
    return np.clip(x, 0, None)
'''}


def notebook_bytes(functions: dict | None = None, *, stub: bool = False) -> bytes:
    return nbformat.writes(notebook_with("day93", functions=functions, stub=stub)).encode("utf-8")


def git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "learner", "GIT_AUTHOR_EMAIL": "l@example.com",
           "GIT_COMMITTER_NAME": "learner", "GIT_COMMITTER_EMAIL": "l@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


def commit(repo: Path, data: bytes, when: str, message: str) -> str:
    """Commit ``data`` as day93 (and, as Classroom's template holds every day, the day94 stub beside it)."""
    for exercise_id, content in (("day93", data), ("day94", exercises.get("day94").stub.read_bytes())):
        path = repo / exercise_id / f"{exercise_id}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when)
    return git(repo, "rev-parse", "HEAD")


def history() -> dict[str, list[tuple[str, bytes]]]:
    """learner -> [(commit date, day93 notebook bytes)], oldest first."""
    stub, solution = notebook_bytes(stub=True), notebook_bytes()
    return {
        "alice": [(BEFORE, solution)],
        "bob": [(BEFORE, stub), (AFTER, solution)],                 # finished only after the deadline
        "carol": [(BEFORE, notebook_bytes(SAMPLES["day93"]["flipped_kernel"]))],
        "copier1": [(BEFORE, notebook_bytes(OWN_STYLE))],
        "copier2": [(BEFORE, notebook_bytes(OWN_STYLE))],          # the very same notebook
        "honest": [(BEFORE, notebook_bytes(HONEST_OWN))],
        "stranger": [(BEFORE, notebook_bytes(SAMPLES["day93"]["off_by_one"]))],   # not on the roster
    }


ROSTER = [("s001@school.edu.tw", "alice", "1001", "Alice Wang"),
          ("s002@school.edu.tw", "bob", "1002", "Bob Lin"),
          ("s003@school.edu.tw", "carol", "1003", "Carol Chen"),
          ("s004@school.edu.tw", "copier1", "1004", "Copy One"),
          ("s005@school.edu.tw", "copier2", "1005", "Copy Two"),
          ("s006@school.edu.tw", "honest", "1006", "Honest Huang"),
          ("s007@school.edu.tw", "dropped", "1007", "Never Submitted")]   # on the roster, no repository


def build_term(root: Path) -> dict[str, object]:
    """The Classroom download, the roster and the adjustments file; returns paths and each learner's commits."""
    root = Path(root)
    classroom = root / "classroom"
    commits: dict[str, list[str]] = {}
    for learner, steps in history().items():
        repo = classroom / f"{PREFIX}{learner}"
        repo.mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main")
        commits[learner] = [commit(repo, data, when, f"work {i}") for i, (when, data) in enumerate(steps)]
    roster = root / "roster.csv"
    lines = ["identifier,github_username,github_id,name"] + [",".join(f'"{v}"' for v in row) for row in ROSTER]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    adjustments = root / "adjustments.csv"
    adjustments.write_text(
        "learner,exercise,check,score,points,reason,by\n"
        "carol,day93,feature_map_slides,,1,regraded by hand: the flip was explained in her notes,TA Lee\n"
        "alice,day93,*,,-1,late-night resubmission asked for,Prof. Chang\n", encoding="utf-8")
    return {"classroom": classroom, "roster": roster, "adjustments": adjustments, "commits": commits}
