"""A class's submissions, found in one folder: who the learners are and which notebook is which exercise.

Layouts (they may be mixed in one folder):

- ``assignment-username/`` folders, as GitHub Classroom downloads learner repositories: the learner id is the
  folder name less the hyphen-separated prefix every folder shares (``cnn-hw-alice`` -> ``alice``);
- ``username.zip``, one zip per learner as an LMS exports them: the id is the name less the prefix every zip
  shares, the same way;
- notebooks named by learner: ``alice.ipynb``, ``alice_day93.ipynb`` or ``dayNN/alice.ipynb``: the id is the
  file name less the ``dayNN`` part.

A folder that is one learner's own submission (``dayNN`` folders holding ``dayNN.ipynb``, notebooks named after an
exercise, or the course's ``exercises/dayNN/`` layout, and no learner folder or zip beside them) is that one
learner, named after the folder. Which notebook is which exercise, what is never graded and which of several
candidates wins is :mod:`grader.discovery`'s one rule. Learner ids that only differ before they are made safe for a
file name (``learner 7`` and ``learner_7``) stay distinct: the one that needed no change keeps the id, the other
gets a suffix from its name. Zips are read, never extracted, within :data:`ZIP_LIMITS`. Nothing here runs
learner code.
"""
from __future__ import annotations

import hashlib
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from grader import discovery, messages
from grader.archive import ArchiveRefused, entry_name, open_zip
from grader import exercise as exercises
from grader.notebook import MAX_NOTEBOOK_BYTES
from grader.results import GradeResult, Text

DAY_TOKEN = re.compile(r"(?:^|[-_ .])(day\d\d)(?=$|[-_ .(])", re.I)
COURSE_FOLDERS = ("exercises", "solutions")   # a learner's copy of the course repository holds its days here


@dataclass(frozen=True)
class ZipLimits:
    members: int = 5_000                 # entries in one zip
    total_bytes: int = 2 * 2**30         # declared uncompressed size of all entries
    ratio: int = 1_000                   # uncompressed / compressed size of one entry (a zip bomb's is far higher)
    depth: int = 32                      # folders in one entry's path
    inspected: int = 50                  # notebooks whose name does not say the exercise, read to find it


ZIP_LIMITS = ZipLimits()


@dataclass(frozen=True)
class Notebook:
    exercise: str
    container: str      # the notebook file, or the zip holding it
    member: str = ""    # the entry's name inside the zip as stored ("" for a plain file)
    name: str = ""      # the path inside the submission, as the report shows it
    passed_over: tuple[str, ...] = ()   # other candidates for the same exercise, not graded
    note: Text | None = None            # "Graded X; also found and not graded: Y", when there were others

    def read_bytes(self) -> bytes:
        """The notebook's bytes, at most one byte over the size limit (so an oversized one is still refused);
        b"" when they cannot be read (a corrupt or encrypted zip entry, a file gone): graded as unreadable."""
        try:
            if not self.member:
                with open(self.container, "rb") as handle:
                    return handle.read(MAX_NOTEBOOK_BYTES + 1)
            with open_zip(self.container, max_members=ZIP_LIMITS.members) as archive:
                with archive.open(self.member) as handle:
                    return handle.read(MAX_NOTEBOOK_BYTES + 1)
        except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zipfile.BadZipFile, zlib.error):
            return b""


@dataclass(frozen=True)
class Submission:
    learner: str
    source: str                        # where it came from, as the instructor named it
    notebooks: tuple[Notebook, ...] = ()
    problem: str = ""                  # why it cannot be graded at all ("" when it can), in English: the digest's
    why: Text | None = None            # the same problem in both languages (None: the problem's own words)

    @property
    def reason(self) -> Text:
        """Why it cannot be graded, in both languages."""
        return self.why if self.why is not None else Text(self.problem, self.problem)

    def refused(self, why: Text) -> "Submission":
        """This submission as one that cannot be graded, for ``why`` (its English is what the digest holds)."""
        return replace(self, notebooks=(), problem=why.en, why=why)

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


def annotate(result: GradeResult, submission: Submission) -> GradeResult:
    """``result`` (graded from staged copies) naming, per exercise, the learner's own notebook and those passed over."""
    by_exercise = {n.exercise: n for n in submission.notebooks}
    graded = []
    for exercise in result.exercises:
        notebook = by_exercise.get(exercise.id)
        if notebook is not None:
            notes = ((notebook.note,) if notebook.note else ()) + exercise.execution.file_notes
            exercise = replace(exercise, execution=replace(
                exercise.execution, notebook=notebook.name or exercise.execution.notebook,
                passed_over=notebook.passed_over, file_notes=notes))
        graded.append(exercise)
    return replace(result, exercises=tuple(graded))


# ---------------------------------------------------------------- the class folder

def discover(folder: Path, *, skip: Path | None = None) -> list[Submission]:
    """Every learner's submission in ``folder``, sorted by learner id; ``skip`` (the output folder) is left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"No such folder: {folder}")
    entries = [p for p in sorted(folder.iterdir()) if not _hidden(p.name) and _not(p, skip)]
    if is_one_learner(entries):
        return [_from_folder(folder, safe_id(folder.resolve().name))]
    folders = [p for p in entries if p.is_dir() and not exercises.DAY.match(p.name.lower())]
    zips = [p for p in entries if p.is_file() and p.suffix.lower() == ".zip"]
    pairs = [(raw, _from_folder(path, safe_id(raw)))
             for path, raw in zip(folders, _learner_names([p.name for p in folders]))]
    pairs += [(raw, _from_zip(path, safe_id(raw))) for path, raw in zip(zips, _learner_names([p.stem for p in zips]))]
    return _assign(pairs + list(_named_notebooks(entries)))


def _assign(pairs: list[tuple[str, Submission]]) -> list[Submission]:
    """Final learner ids, sorted: one learner per name (a name's folder, zip and notebooks merge); names that make
    the same safe id (``learner 7``, ``learner_7``) stay apart, the one that is the id itself keeping it and the
    others a suffix from their name, so no submission is ever merged into another's."""
    by_name: dict[str, Submission] = {}
    for raw, submission in pairs:
        by_name[raw] = _merge(by_name.get(raw), submission)
    names: dict[str, list[str]] = {}
    for raw in by_name:
        names.setdefault(safe_id(raw), []).append(raw)
    out = {}
    for learner, raws in names.items():
        for raw in raws:
            final = learner if len(raws) == 1 or raw == learner else _suffixed(raw, learner)
            out[final] = replace(by_name[raw], learner=final)
    return [out[k] for k in sorted(out)]


def _merge(old: Submission | None, new: Submission) -> Submission:
    if old is None or old.problem:
        return new
    if new.problem:
        return old
    extra = tuple(n for n in new.notebooks if n.exercise not in old.exercises)
    return replace(old, notebooks=_ordered(old.notebooks + extra))


def _hidden(name: str) -> bool:
    return name.startswith((".", "~")) or name in discovery.SKIP_PARTS


def _not(path: Path, skip: Path | None) -> bool:
    return skip is None or path.resolve() != Path(skip).resolve()


def is_one_learner(entries: list[Path]) -> bool:
    """True when a folder's entries are one learner's submission rather than a class: ``dayNN`` folders holding
    notebooks named after their day, notebooks named after an exercise alone (``day93.ipynb``, ``Copy of
    day93.ipynb``) or the course's ``exercises/`` folder, and no zip or other folder of notebooks beside them."""
    days = [p for p in entries if p.is_dir() and exercises.DAY.match(p.name.lower())]
    own = any(_named_after_day(PurePosixPath(p.name), d.name.lower()) for d in days for p in d.glob("*.ipynb"))
    own = own or any(p.is_file() and not _learner_part(p.stem) and discovery.exercise_named(PurePosixPath(p.name))
                     for p in entries if p.suffix.lower() == ".ipynb")
    course = [p for p in entries if p.is_dir() and p.name.lower() in COURSE_FOLDERS]
    own = own or any(exercises.DAY.match(d.name.lower()) for c in course for d in c.iterdir() if d.is_dir())
    others = [p for p in entries if (p.is_dir() and p not in days and p not in course) or p.suffix.lower() == ".zip"]
    return own and not any(p.suffix.lower() == ".zip" or discovery.walk(p) for p in others)


def _named_after_day(name: PurePosixPath, day: str) -> bool:
    return discovery.name_rank(name, day) <= 2


def _suffixed(raw: str, learner: str) -> str:
    return f"{learner}-{hashlib.sha256(raw.encode()).hexdigest()[:6]}"


def safe_id(name: str) -> str:
    cleaned = re.sub(r"[^\w.-]", "_", name.strip()).lstrip(".")
    return cleaned or "learner"


def _learner_names(names: list[str]) -> list[str]:
    """Names less the hyphen-separated prefix they all share (GitHub Classroom's ``assignment-username``)."""
    parts = [n.split("-") for n in names]
    shared = 0
    if len(parts) >= 2:
        while all(len(p) > shared + 1 and p[shared] == parts[0][shared] for p in parts):
            shared += 1
    return ["-".join(p[shared:]) for p in parts]



def _ordered(notebooks: tuple[Notebook, ...]) -> tuple[Notebook, ...]:
    order = list(exercises.EXERCISES)
    return tuple(sorted(notebooks, key=lambda n: order.index(n.exercise) if n.exercise in order else len(order)))


# ---------------------------------------------------------------- one learner's folder or zip

def _from_folder(folder: Path, learner: str) -> Submission:
    candidates = [discovery.Candidate(c.name, c.exercise, Notebook(c.exercise, str(c.location), name=c.shown))
                  for c in discovery.candidates_in(folder)]
    return _submission(learner, folder, candidates)


def _read(candidate: discovery.Candidate) -> bytes:
    return candidate.location.read_bytes()


def _submission(learner: str, source: Path, candidates: list[discovery.Candidate]) -> Submission:
    notebooks = tuple(_notebook(choice) for choice in discovery.choose(candidates, read=_read))
    if notebooks:
        return Submission(learner, str(source), _ordered(notebooks))
    key = "batch_reason_no_notebook" if not candidates else "batch_reason_no_known_notebook"
    return Submission(learner, str(source)).refused(messages.text(key, source=source.name))


def _notebook(choice: discovery.Choice) -> Notebook:
    return replace(choice.chosen.location, exercise=choice.exercise, name=choice.chosen.shown,
                   passed_over=tuple(c.shown for c in choice.passed_over), note=discovery.note(choice))


def member_name(name: str) -> PurePosixPath | None:
    """A zip entry's name as a relative path: backslashes as folders, ``./`` and leading ``/`` or a drive dropped;
    None for a name that climbs out (``..``)."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


def _zip_problem(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> Text | None:
    """Why a zip is refused before anything in it is read (None when it is within the limits)."""
    if len(infos) > limits.members:
        return messages.text("batch_reason_zip_entries", entries=len(infos), limit=limits.members)
    if sum(i.file_size for i in infos) > limits.total_bytes:
        return messages.text("batch_reason_zip_size", size=limits.total_bytes // 2**30)
    for info in infos:
        if info.file_size > limits.ratio * max(info.compress_size, 1) and info.file_size > 2**20:
            return messages.text("batch_reason_zip_bomb", name=entry_name(info)[:100], ratio=limits.ratio)
    return None


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _from_zip(path: Path, learner: str, limits: ZipLimits = ZIP_LIMITS) -> Submission:
    try:
        with open_zip(path, max_members=limits.members) as archive:  # refused before its directory is read
            infos = [i for i in archive.infolist() if not i.is_dir()]
    except ArchiveRefused as error:
        why = (messages.text("batch_reason_zip_entries", entries=error.entries, limit=limits.members)
               if error.entries else messages.text("batch_reason_zip_refused", why=error))
        return Submission(learner, str(path)).refused(why)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return Submission(learner, str(path)).refused(messages.text("batch_reason_zip_unreadable", why=error))
    problem = _zip_problem(infos, limits)
    if problem is not None:
        return Submission(learner, str(path)).refused(problem)
    candidates, inspected = [], 0
    for info in infos:
        name = member_name(entry_name(info))
        if name is None or _is_link(info) or len(name.parts) > limits.depth or discovery.ignored(name):
            continue
        notebook = Notebook("", str(path), info.filename, name=str(name))
        exercise_id = discovery.exercise_named(name)
        if not exercise_id and inspected < limits.inspected and info.file_size <= MAX_NOTEBOOK_BYTES:
            inspected += 1  # a name that does not say: its code does (read for at most `inspected` entries)
            exercise_id = discovery.exercise_by_functions(notebook.read_bytes())
        candidates.append(discovery.Candidate(name, exercise_id, replace(notebook, exercise=exercise_id)))
    return _submission(learner, path, candidates)


# ---------------------------------------------------------------- notebooks named by learner

def _named_notebooks(entries: list[Path]):
    """(learner name, submission) for ``alice.ipynb`` / ``alice_day93.ipynb`` beside the folders and
    ``dayNN/alice.ipynb``; a learner's several notebooks for one exercise go through the one rule."""
    by_learner: dict[str, list[discovery.Candidate]] = {}
    users: dict[str, set[str]] = {}   # Canvas name -> user ids: two users of one name stay two learners
    for match in filter(None, (CANVAS_NAME.match(p.stem) for p in entries if p.is_file())):
        users.setdefault(match["learner"].lower(), set()).add(match["user"])
    shared = frozenset(name for name, ids in users.items() if len(ids) > 1)
    for path in entries:
        if path.is_file() and not discovery.ignored(PurePosixPath(path.name)):
            name = PurePosixPath(path.name)
            exercise_id = discovery.exercise_named(name) or _by_functions(path)
            by_learner.setdefault(_learner_part(path.stem, shared) or path.stem, []).append(
                discovery.Candidate(name, exercise_id, Notebook(exercise_id, str(path), name=path.name)))
        elif path.is_dir() and exercises.DAY.match(path.name.lower()):
            for file in discovery.walk(path):
                if len(file.parts) == 1:
                    name = PurePosixPath(path.name) / file
                    by_learner.setdefault(file.stem, []).append(discovery.Candidate(
                        name, path.name.lower(), Notebook(path.name.lower(), str(path / file), name=str(name))))
    for raw, candidates in sorted(by_learner.items()):
        source = candidates[0].location.container
        submission = _submission(safe_id(raw), Path(source), candidates)
        if not submission.notebooks:
            submission = submission.refused(messages.text("batch_reason_which_exercise", source=source))
        yield raw, submission


def _by_functions(path: Path) -> str:
    try:
        return discovery.exercise_by_functions(discovery.read_file(discovery.Candidate(PurePosixPath(path.name), "",
                                                                                       path)))
    except OSError:
        return ""


# Canvas's "Download Submissions": <name>[_LATE]_<user id>_<submission id>_<the learner's own file name>
CANVAS_NAME = re.compile(r"^(?P<learner>[^_]+)(?:_late)?_(?P<user>\d+)_\d+_(?P<file>.+)$", re.IGNORECASE)


def _learner_part(stem: str, shared: frozenset[str] = frozenset()) -> str:
    """``alice`` from ``alice_day93`` / ``day93-alice``, and from Canvas's ``alice_LATE_12345_67890_day93-1``
    (``alice_12345``, with the user id, where ``shared`` says two Canvas users have that name); "" for a name that
    is only the exercise and copy marks."""
    canvas = CANVAS_NAME.match(stem)
    if canvas:
        name = canvas["learner"]
        return f"{name}_{canvas['user']}" if name.lower() in shared else name
    return DAY_TOKEN.sub("", discovery.strip_copy_marks(stem)).strip("-_ .")
