"""A sample class for batch grading, in every layout an instructor receives, named by outcome.

``build_class(root)`` writes ``root/class/`` (what ``grader batch`` grades) and, for every learner that can be
graded, ``root/alone/<learner>/dayNN/dayNN.ipynb`` with the very same notebook bytes (what ``grader grade``
grades on its own). Mostly day93 (fast); two day95 notebooks; no day94/day96 (their checks load TensorFlow
and Keras layers: slow on CI).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat

from samples import SAMPLES, notebook_with

PREFIX = "cnn-hw-"          # GitHub Classroom: assignment-username
NEVER_ENDS = "import time\ntime.sleep(10**6)  # a cell that never ends"
INVALID = b'{"cells": [ this is not a notebook'


def _text(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _variant(exercise_id: str, name: str) -> bytes:
    return _text(notebook_with(exercise_id, functions=SAMPLES[exercise_id][name]))


def learners() -> dict[str, dict[str, bytes]]:
    """learner -> {exercise id: notebook bytes}; the layout each arrives in is chosen in ``build_class``."""
    return {
        "alice": {"day93": _text(notebook_with("day93"))},                               # passes_all
        "bob": {"day93": _text(notebook_with("day93", stub=True))},                      # not_attempted
        "carol": {"day93": _variant("day93", "flipped_kernel")},
        "dave": {"day93": _variant("day93", "off_by_one")},
        "frank": {"day93": INVALID},                                                     # invalid_notebook
        "grace": {"day93": _text(notebook_with("day93", insert={1: NEVER_ENDS}))},       # cell_never_ends
        "heidi": {"day93": _text(notebook_with("day93")), "day95": _text(notebook_with("day95"))},  # missing day94
        "judy": {"day93": _variant("day93", "bias_every_product")},
        "ivan": {"day93": _variant("day93", "channels_ignored")},                        # a zip
        "niaj": {"day93": _variant("day93", "input_mutated")},                           # alice.ipynb layout
        "olivia": {"day93": _variant("day93", "hard_coded_slides")},                     # olivia_day93.ipynb
        "trent": {"day95": _variant("day95", "modes_swapped")},                          # day95/trent.ipynb
    }


def build_class(root: Path) -> tuple[Path, dict[str, Path]]:
    """(the class folder, learner -> the same submission as a plain folder for ``grader grade``)."""
    root = Path(root)
    folder, alone = root / "class", {}
    folder.mkdir(parents=True)
    for learner, notebooks in learners().items():
        alone[learner] = root / "alone" / learner
        for exercise_id, data in notebooks.items():
            plain = alone[learner] / exercise_id / f"{exercise_id}.ipynb"
            plain.parent.mkdir(parents=True)
            plain.write_bytes(data)
            _place(folder, learner, exercise_id, data)
    empty = folder / f"{PREFIX}peggy"   # a repository with no notebook in it: reported, not graded
    empty.mkdir()
    (empty / "README.md").write_text("# my homework\n")
    (folder / "grades_from_classroom.csv").write_text("not a submission\n")
    return folder, alone


def _place(folder: Path, learner: str, exercise_id: str, data: bytes) -> None:
    if learner == "ivan":
        with zipfile.ZipFile(folder / "ivan.zip", "a") as archive:
            archive.writestr(f"ivan/{exercise_id}/{exercise_id}.ipynb", data)
        return
    if learner == "niaj":
        path = folder / "niaj.ipynb"
    elif learner == "olivia":
        path = folder / f"olivia_{exercise_id}.ipynb"
    elif learner == "trent":
        path = folder / exercise_id / "trent.ipynb"
    elif learner == "bob":   # a repository laid out like the course's: exercises/dayNN/dayNN.ipynb
        path = folder / f"{PREFIX}{learner}" / "exercises" / exercise_id / f"{exercise_id}.ipynb"
    else:
        path = folder / f"{PREFIX}{learner}" / exercise_id / f"{exercise_id}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
