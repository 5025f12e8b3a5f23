"""A class's submissions, found in one folder: who the learners are and which notebook is which exercise.

Layouts (they may be mixed in one folder):

- ``assignment-username/`` folders, as GitHub Classroom downloads learner repositories: the learner id is the
  folder name less the hyphen-separated prefix every folder shares (``cnn-hw-alice`` -> ``alice``);
- ``username.zip``, one zip per learner as an LMS exports them: the id is the name less the prefix every zip
  shares, the same way;
- notebooks named by learner: ``alice.ipynb``, ``alice_day93.ipynb`` or ``dayNN/alice.ipynb``: the id is the
  file name less the ``dayNN`` part.

Inside a folder or zip a notebook is ``dayNN`` when it is named ``dayNN.ipynb`` or lies in a ``dayNN`` folder;
otherwise the exercise is the one whose functions the notebook defines. Nothing here runs learner code.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader import exercise as exercises
from grader.notebook import MAX_NOTEBOOK_BYTES

DAY_TOKEN = re.compile(r"(?:^|[-_ .])(day\d\d)(?=$|[-_ .])")
SKIP_PARTS = (".ipynb_checkpoints", "__MACOSX", "__pycache__")


@dataclass(frozen=True)
class Notebook:
    exercise: str
    container: str      # the notebook file, or the zip holding it
    member: str = ""    # the path inside the zip ("" for a plain file)

    def read_bytes(self) -> bytes:
        if not self.member:
            return Path(self.container).read_bytes()[:MAX_NOTEBOOK_BYTES + 1]
        with zipfile.ZipFile(self.container) as archive:
            with archive.open(self.member) as handle:
                return handle.read(MAX_NOTEBOOK_BYTES + 1)


@dataclass(frozen=True)
class Submission:
    learner: str
    source: str                        # where it came from, as the instructor named it
    notebooks: tuple[Notebook, ...] = ()
    problem: str = ""                  # why it cannot be graded at all ("" when it can)

    @property
    def exercises(self) -> tuple[str, ...]:
        return tuple(n.exercise for n in self.notebooks)

    def files(self) -> list[tuple[str, bytes]]:
        """(exercise id, notebook bytes): what a worker needs to grade this submission anywhere."""
        return [(n.exercise, n.read_bytes()) for n in self.notebooks]

    def digest(self) -> str:
        """A hash of the content that is graded: unchanged notebooks give the same digest wherever they lie."""
        sha = hashlib.sha256(self.problem.encode())
        for exercise_id, data in sorted(self.files()):
            sha.update(exercise_id.encode() + b"\0" + hashlib.sha256(data).digest())
        return sha.hexdigest()


def discover(folder: Path, *, skip: Path | None = None) -> list[Submission]:
    """Every learner's submission in ``folder``, sorted by learner id; ``skip`` (the output folder) is left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder: {folder}")
    entries = [p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and _not(p, skip)]
    folders = [p for p in entries if p.is_dir() and not exercises.DAY.match(p.name)]
    zips = [p for p in entries if p.is_file() and p.suffix == ".zip"]
    found: dict[str, Submission] = {}
    for path, learner in zip(folders, _learner_ids([p.name for p in folders])):
        _add(found, _from_folder(path, learner))
    for path, learner in zip(zips, _learner_ids([p.stem for p in zips])):
        _add(found, _from_zip(path, learner))
    for learner, notebook in _named_notebooks(entries):
        _add(found, Submission(learner, notebook.container, (notebook,)) if notebook.exercise else
             Submission(learner, notebook.container, problem=f"cannot tell which exercise {notebook.container} is"))
    return [found[k] for k in sorted(found)]


def _not(path: Path, skip: Path | None) -> bool:
    return skip is None or path.resolve() != Path(skip).resolve()


def _add(found: dict[str, Submission], new: Submission) -> None:
    old = found.get(new.learner)
    if old is None or old.problem:
        found[new.learner] = new
    elif not new.problem:
        extra = tuple(n for n in new.notebooks if n.exercise not in old.exercises)
        found[new.learner] = Submission(old.learner, old.source, _ordered(old.notebooks + extra))


def safe_id(name: str) -> str:
    cleaned = re.sub(r"[^\w.-]", "_", name.strip()).lstrip(".")
    return cleaned or "learner"


def _learner_ids(names: list[str]) -> list[str]:
    """Names less the hyphen-separated prefix they all share (GitHub Classroom's ``assignment-username``)."""
    parts = [n.split("-") for n in names]
    shared = 0
    if len(parts) >= 2:
        while all(len(p) > shared + 1 and p[shared] == parts[0][shared] for p in parts):
            shared += 1
    return [safe_id("-".join(p[shared:])) for p in parts]


def _rank(path: PurePosixPath, exercise_id: str) -> tuple:
    """Which notebook wins when several could be the exercise: ``dayNN/dayNN.ipynb`` first, shallow first."""
    named = path.stem == exercise_id
    in_folder = path.parent.name == exercise_id
    return (not (named and in_folder), not named, not in_folder, len(path.parts), str(path))


def _choose(candidates: list[tuple[PurePosixPath, str, Notebook]]) -> tuple[Notebook, ...]:
    best: dict[str, tuple] = {}
    for path, exercise_id, notebook in candidates:
        rank = _rank(path, exercise_id)
        if exercise_id and (exercise_id not in best or rank < best[exercise_id][0]):
            best[exercise_id] = (rank, notebook)
    return _ordered(tuple(v[1] for v in best.values()))


def _ordered(notebooks: tuple[Notebook, ...]) -> tuple[Notebook, ...]:
    order = list(exercises.EXERCISES)
    return tuple(sorted(notebooks, key=lambda n: order.index(n.exercise) if n.exercise in order else len(order)))


def _usable(path: PurePosixPath) -> bool:
    return path.suffix == ".ipynb" and not any(p in SKIP_PARTS or p.startswith(".") for p in path.parts)


def _from_folder(folder: Path, learner: str) -> Submission:
    candidates = []
    for file in sorted(folder.rglob("*.ipynb")):
        relative = PurePosixPath(file.relative_to(folder).as_posix())
        if _usable(relative) and file.is_file():
            exercise_id = exercise_of(relative, Notebook("", str(file)))
            candidates.append((relative, exercise_id, Notebook(exercise_id, str(file))))
    return _submission(learner, folder, candidates)


def _from_zip(path: Path, learner: str) -> Submission:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m.filename for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError) as error:
        return Submission(learner, str(path), problem=f"cannot open the zip: {error}")
    candidates = []
    for member in members:
        relative = PurePosixPath(member)
        if _usable(relative):
            exercise_id = exercise_of(relative, Notebook("", str(path), member))
            candidates.append((relative, exercise_id, Notebook(exercise_id, str(path), member)))
    return _submission(learner, path, candidates)


def _submission(learner: str, source: Path, candidates: list) -> Submission:
    notebooks = _choose(candidates)
    if notebooks:
        return Submission(learner, str(source), notebooks)
    why = "no notebook" if not candidates else "no notebook of a known exercise"
    return Submission(learner, str(source), problem=f"{why} in {source.name}")


def _named_notebooks(entries: list[Path]):
    """(learner, notebook) for ``alice.ipynb`` / ``alice_day93.ipynb`` beside the folders and ``dayNN/alice.ipynb``."""
    for path in entries:
        if path.is_file() and path.suffix == ".ipynb":
            exercise_id = exercise_of(PurePosixPath(path.name), Notebook("", str(path)))
            yield _learner_from_stem(path.stem), Notebook(exercise_id, str(path))
        elif path.is_dir() and exercises.DAY.match(path.name):
            for file in sorted(path.glob("*.ipynb")):
                yield safe_id(file.stem), Notebook(path.name, str(file))


def _learner_from_stem(stem: str) -> str:
    return safe_id(DAY_TOKEN.sub("", stem).strip("-_ .") or stem)


def exercise_of(path: PurePosixPath, notebook: Notebook) -> str:
    """``dayNN`` from the file name, else its folder, else the functions the notebook defines ("" if none)."""
    token = DAY_TOKEN.search(path.stem)
    for name in (path.stem, token.group(1) if token else "", path.parent.name):
        if name in exercises.EXERCISES:
            return name
    return _exercise_by_functions(notebook)


def _exercise_by_functions(notebook: Notebook) -> str:
    try:
        cells = json.loads(notebook.read_bytes().decode("utf-8", errors="replace")).get("cells", [])
        source = "\n".join("".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code")
    except (ValueError, AttributeError, TypeError, OSError, zipfile.BadZipFile):
        return ""
    defined = set(re.findall(r"^\s*def\s+(\w+)\s*\(", source, flags=re.M))
    scores = {e.id: len(defined & set(e.functions)) for e in exercises.EXERCISES.values()}
    best = max(scores, key=scores.get, default="")
    return best if best and scores[best] else ""
