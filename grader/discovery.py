"""Which notebook is which exercise: the one rule every entry point uses.

``grader grade FILE|FOLDER``, ``pytest exercises/dayNN`` (the plugin), ``grader batch`` (folders and zips), the
Gradescope runner and the Classroom workflow (which runs ``grader grade``) all find notebooks here.

**Never graded** (:func:`ignored`): anything in a hidden folder or named with a leading dot (``.ipynb_checkpoints/``,
macOS's ``._day93.ipynb``), ``__MACOSX/``, ``__pycache__/``, Office lock files (``~$...``), Jupyter checkpoint
copies (``day93-checkpoint.ipynb``), files that are not ``.ipynb``.

**Which exercise** (:func:`exercise_named`): the file name says it when it holds ``dayNN`` as a word, in any case,
with or without the marks browsers, Colab and Jupyter add to copies (``Copy of day93.ipynb``, ``day93 (1).ipynb``,
``day93-Copy1.ipynb``, ``day93 (copy).ipynb``, ``Day93.ipynb``, ``day93_final.ipynb``, ``alice_day93.ipynb``);
otherwise a ``dayNN`` folder holding it says it; otherwise the functions the notebook defines
(:func:`exercise_by_functions`); otherwise it is no exercise.

**Several candidates for one exercise** (:func:`choose`): the first by, in order,

1. not an untouched stub (a notebook whose code cells are exactly the exercise's stub loses to one with work in it:
   a Classroom repository keeps its ``day93.ipynb`` stub beside the learner's uploaded ``day93 (1).ipynb``);
2. its name: exactly ``dayNN.ipynb``, then ``dayNN`` in another case, then a copy's name (``Copy of``, ``(1)``,
   ``-Copy1``), then any other name holding ``dayNN``, then a name that does not say (the folder or the code does);
3. inside a ``dayNN`` folder before elsewhere, then the shallowest, then the path in code-point order.

Modification times are never used: git checkouts and unzipping reset them, and the same files must give the same
choice wherever they lie. The notebooks passed over are kept (:class:`Choice`) so the report can name them.
Nothing here runs learner code; a folder walk is bounded (:data:`MAX_ENTRIES`, :data:`MAX_DEPTH`) and follows
no symbolic link.
"""
from __future__ import annotations

import heapq
import json
import os
import re
import stat
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Callable, Sequence

from grader import exercise as exercises
from grader import messages
from grader.notebook import MAX_NOTEBOOK_BYTES, decode
from grader.results import ExerciseResult, Text

SKIP_PARTS = ("__MACOSX", "__pycache__")
# folders a walk never enters: installed packages (a committed virtual environment holds 20,000 files and more)
SKIP_FOLDERS = frozenset({"site-packages", "dist-packages", "node_modules", "venv", "env", "virtualenv"})
MAX_ENTRIES = 20_000    # folders and notebooks looked at in one folder walk
MAX_LISTED = 1_000_000  # entries of any kind listed in one folder walk (a data folder of 70,000 PNGs is fine)
MAX_DEPTH = 8           # folders below the one given
MAX_INSPECTED = 50      # notebooks whose name does not say the exercise, read to see which functions they define
DAY_WORD = re.compile(r"(?<![a-z0-9])day[ _-]?(\d\d)(?![0-9])")
COPY_MARKS = re.compile(r"^copy of |^copy_of_| ?\((?:\d+|copy)\)$| - copy(?: \(\d+\))?$|[-_ ]copy\d*$", re.I)
CHECKPOINT = "-checkpoint"


@dataclass(frozen=True)
class Candidate:
    """A notebook that could be graded: its name relative to where the search began, and where to read it."""

    name: PurePosixPath
    exercise: str                  # "" when neither its name, its folder nor its code says
    location: object = None        # a Path on disk, or whatever the caller reads bytes through

    @property
    def shown(self) -> str:
        return str(self.name)


@dataclass(frozen=True)
class Choice:
    """The notebook graded for one exercise, and the other candidates it was chosen over (best first)."""

    exercise: str
    chosen: Candidate
    passed_over: tuple[Candidate, ...] = ()
    untouched: frozenset[str] = frozenset()   # names (``Candidate.shown``) found to be untouched stubs


# ---------------------------------------------------------------- names

def ignored(name: PurePosixPath) -> bool:
    """True for paths never graded: hidden, checkpoints, ``__MACOSX``, lock files, not ``.ipynb``."""
    if name.suffix.lower() != ".ipynb" or name.stem.lower().endswith(CHECKPOINT):
        return True
    return any(p.startswith((".", "~")) or p in SKIP_PARTS for p in name.parts)


def _word(text: str) -> str:
    """``dayNN`` when ``text`` holds it as a word of a known exercise, else ""."""
    for match in DAY_WORD.finditer(text.lower()):
        if f"day{match.group(1)}" in exercises.EXERCISES:
            return f"day{match.group(1)}"
    return ""


def exercise_named(name: PurePosixPath) -> str:
    """The exercise the file name says, else the one its folder says, else ""."""
    return _word(name.stem) or (_word(name.parent.name) if exercises.DAY.match(name.parent.name.lower()) else "")


def strip_copy_marks(stem: str) -> str:
    """The stem less the marks copies get: ``Copy of day93 (1)`` -> ``day93``, ``day93-Copy1`` -> ``day93``."""
    stem, previous = stem.strip(), None
    while stem != previous:
        previous, stem = stem, COPY_MARKS.sub("", stem).strip()
    return stem


def name_rank(name: PurePosixPath, exercise_id: str) -> int:
    """0 ``dayNN.ipynb``; 1 another case; 2 a copy's name; 3 another name holding ``dayNN``; 4 the name does not say."""
    if name.stem == exercise_id:
        return 0
    if name.stem.lower() == exercise_id:
        return 1
    if strip_copy_marks(name.stem).lower() == exercise_id:
        return 2
    return 3 if _word(name.stem) == exercise_id else 4


def exercise_by_functions(data: bytes) -> str:
    """The exercise whose learner functions the notebook's code defines most of ("" if none, or unreadable)."""
    try:
        cells = json.loads(decode(data)[0]).get("cells", [])
        source = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    except (ValueError, AttributeError, TypeError, RecursionError):
        return ""
    defined = set(re.findall(r"^\s*def\s+(\w+)\s*\(", source, flags=re.M))
    scores = {e.id: len(defined & set(e.functions)) for e in exercises.EXERCISES.values()}
    best = max(scores, key=scores.get, default="")
    return best if best and scores[best] else ""


# ---------------------------------------------------------------- choosing

@lru_cache(maxsize=None)
def _stub_code(exercise_id: str) -> tuple[str, ...] | None:
    stub = exercises.get(exercise_id).stub
    return _code(stub.read_bytes()) if stub.is_file() else None


def _code(data: bytes) -> tuple[str, ...] | None:
    try:
        cells = json.loads(decode(data)[0]).get("cells", [])
        code = ("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
        return tuple(s.strip() for s in code if s.strip())
    except (ValueError, AttributeError, TypeError, RecursionError):
        return None


def is_untouched_stub(exercise_id: str, data: bytes) -> bool:
    """True when nothing of the exercise was written in the notebook: its code cells are exactly the stub's, or
    every stub cell that asks for code (``raise NotImplementedError``) is still there as it was and no other code
    cell names one of the exercise's functions (outputs and markdown aside: a stub whose first cell the learner
    edited, say its ``GRADER_PACKAGE``, is still the stub, and loses to a copy holding the work; one whose
    functions were written in new cells below the stub's is work)."""
    stub, code = _stub_code(exercise_id), _code(data)
    if stub is None or code is None:
        return False
    if code == stub:
        return True
    asked = {cell for cell in stub if "NotImplementedError" in cell}
    added = [cell for cell in code if cell not in stub]   # a cell of the learner's own may hold the work
    functions = exercises.get(exercise_id).functions
    return bool(asked) and asked <= set(code) and not any(name in cell for cell in added for name in functions)


def rank(candidate: Candidate, *, stub: bool = False) -> tuple:
    name, exercise_id = candidate.name, candidate.exercise
    in_folder = any(p.lower() == exercise_id for p in name.parts[:-1])
    return (stub, name_rank(name, exercise_id), not in_folder, len(name.parts), str(name))


def choose(candidates: Sequence[Candidate], *, read: Callable[[Candidate], bytes] | None = None) -> list[Choice]:
    """One :class:`Choice` per exercise among ``candidates`` (those with an exercise), in the course's order.

    ``read`` gives a candidate's bytes; it is called only where an exercise has several candidates, to tell an
    untouched stub from work. Without it, stubs are not looked for.
    """
    by_exercise: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.exercise:
            by_exercise.setdefault(candidate.exercise, []).append(candidate)
    choices = []
    for exercise_id in sorted(by_exercise, key=_order):
        group = by_exercise[exercise_id]
        stubs = {id(c): read is not None and len(group) > 1 and _stub(exercise_id, c, read) for c in group}
        ranked = sorted(group, key=lambda c: rank(c, stub=stubs[id(c)]))
        untouched = frozenset(c.shown for c in group if stubs[id(c)])
        choices.append(Choice(exercise_id, ranked[0], tuple(ranked[1:]), untouched))
    return choices


def _stub(exercise_id: str, candidate: Candidate, read: Callable[[Candidate], bytes]) -> bool:
    try:
        return is_untouched_stub(exercise_id, read(candidate))
    except (OSError, ValueError):
        return False


def _order(exercise_id: str) -> tuple[int, str]:
    order = list(exercises.EXERCISES)
    return (order.index(exercise_id) if exercise_id in order else len(order), exercise_id)


# ---------------------------------------------------------------- files on disk

def walk(folder: Path) -> list[PurePosixPath]:
    """Notebook paths under ``folder`` (relative, sorted) that are not :func:`ignored` and are regular files, not
    links; at most :data:`MAX_DEPTH` folders down, :data:`MAX_ENTRIES` folders and notebooks looked at and
    :data:`MAX_LISTED` entries listed (a data folder of 20,000 images used the cap up). Folders named after
    an exercise or ``exercises`` (and what is inside them) are walked first, then the rest level by level, and
    installed packages (:data:`SKIP_FOLDERS`) never: a learner's work is found before the cap whatever else the
    folder holds (a committed ``env/`` of 20,000 files, sorted first, hid ``exercises/day93``)."""
    found, seen, listed, folder = [], 0, 0, Path(folder)
    waiting = [(False, 0, PurePosixPath("."))]   # (not an exercise's folder, depth, path): the first comes first
    while waiting and seen <= MAX_ENTRIES and listed < MAX_LISTED:
        later, depth, relative = heapq.heappop(waiting)
        names = _listing(folder / relative, MAX_LISTED - listed)
        listed += len(names)
        seen += sum(1 for name, is_dir, _ in names if is_dir or name.lower().endswith(".ipynb"))
        for name, is_dir, is_file in names:
            path = relative / name if depth else PurePosixPath(name)
            if is_dir and depth < MAX_DEPTH and not name.startswith((".", "~")) and name not in SKIP_PARTS \
                    and name.lower() not in SKIP_FOLDERS:
                exercise_folder = bool(own_exercise(Path(name))) or name.lower() == "exercises"
                heapq.heappush(waiting, (not exercise_folder and (later or not depth), depth + 1, path))
            elif is_file and not ignored(path):
                found.append(path)
    return sorted(found)


def _listing(folder: Path, limit: int) -> list[tuple[str, bool, bool]]:
    """(name, a folder, a regular file) of at most ``limit`` entries of ``folder``, links neither; [] when it
    cannot be read."""
    entries = []
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                entries.append((entry.name, entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)))
                if len(entries) >= limit:
                    break
    except OSError:
        return []
    return sorted(entries)


def _regular(path: str) -> bool:
    """A regular file itself: not a link, a FIFO (reading one would wait forever) or a device."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def read_file(candidate: Candidate) -> bytes:
    """A candidate's bytes from disk; b"" for one over the size limit (never read) or that cannot be read."""
    path = Path(candidate.location)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES or not _regular(str(path)):
            return b""
        return path.read_bytes()
    except OSError:
        return b""


def candidates_in(folder: Path, *, exercise_id: str = "") -> list[Candidate]:
    """Every notebook under ``folder`` with its exercise; ``exercise_id`` for a folder that is that exercise's own
    (a notebook there whose name says nothing is that exercise)."""
    out, inspected = [], 0
    for name in walk(folder):
        said = exercise_named(name) or exercise_id
        if not said and inspected < MAX_INSPECTED:  # the name does not say: the code does (for a bounded few)
            inspected += 1
            said = exercise_by_functions(read_file(Candidate(name, "", Path(folder) / name)))
        out.append(Candidate(name, said, Path(folder) / name))
    return out


def find(folder: Path, *, exercise_id: str = "") -> list[Choice]:
    """The notebook to grade for each exercise under ``folder``; ``exercise_id`` when ``folder`` is that
    exercise's own folder (then only that exercise, and a notebook whose name says nothing is that exercise)."""
    found = [c for c in candidates_in(folder, exercise_id=exercise_id) if not exercise_id or c.exercise == exercise_id]
    return choose(found, read=read_file)


def own_exercise(folder: Path) -> str:
    """``dayNN`` when ``folder`` is named after an exercise (any case), else ""."""
    name = Path(folder).name.lower()
    return name if exercises.DAY.match(name) and name in exercises.EXERCISES else ""


def choice_for(folder: Path, exercise: exercises.Exercise) -> Choice | None:
    """The :class:`Choice` for ``exercise`` in ``folder`` (its own folder, or any folder holding it), or None."""
    own = own_exercise(folder)
    if own and own != exercise.id:
        own = ""
    return next((c for c in find(folder, exercise_id=own) if c.exercise == exercise.id), None)


def notebook_for(folder: Path, exercise: exercises.Exercise) -> Path:
    """The notebook to grade for ``exercise`` in ``folder`` (``folder/dayNN.ipynb`` when there is none, so the
    report says it is missing)."""
    choice = choice_for(folder, exercise)
    return Path(choice.chosen.location) if choice else Path(folder) / exercise.notebook_name


# ---------------------------------------------------------------- what the report says

def note(choice: Choice) -> Text | None:
    """"Graded X; also found and not graded: Y, Z (an untouched copy of the exercise)", or None for a lone notebook."""
    if not choice.passed_over:
        return None
    others = [messages.text("notebook_stub_passed_over", path=c.shown) if c.shown in choice.untouched
              else Text(en=c.shown, zh_tw=c.shown) for c in choice.passed_over]
    path = choice.chosen.shown
    return Text(en=messages.text("notebook_chosen", path=path, others=", ".join(o.en for o in others)).en,
                zh_tw=messages.text("notebook_chosen", path=path, others="、".join(o.zh_tw for o in others)).zh_tw)


def annotate(result: ExerciseResult, choice: Choice) -> ExerciseResult:
    """``result`` with the notebooks passed over, and a note naming them, in its execution."""
    said = note(choice)
    if said is None:
        return result
    execution = replace(result.execution, passed_over=tuple(c.shown for c in choice.passed_over),
                        file_notes=(said, *result.execution.file_notes))
    return replace(result, execution=execution)
