"""Grading as of a deadline: which commit of a learner's git repository is graded, how late, and the late policy.

``--due 2026-12-01T23:59+08:00`` grades, in each git repository (GitHub Classroom's download is a folder of
``assignment-username/`` repositories), the last commit on ``HEAD`` dated at or before the deadline (committer date,
``git rev-list --before``). Commits after it make the submission *late*: the record says how many and how late the
newest is. With a late policy (``--late-policy 10%/day,max=3d``) the last commit within the policy's limit is graded
instead and the penalty is an adjustment (:mod:`grader.adjustments`), so it shows and can be overridden.

The learner's repository is hostile input and is never modified or checked out: the graded files are read as blobs
(``git ls-tree`` / ``git cat-file``) into a staging folder; only regular ``.ipynb`` blobs are taken (symbolic links,
submodules and everything else are ignored); git runs with hooks, fsmonitor, system and global configuration off,
``safe.directory`` set to that one repository, an explicit ``--git-dir`` (a ``.git`` that is a file or a link is
refused) and a timeout. Zips and bare notebooks have no history: their file times are used only with
``--due-file-times``.
"""
from __future__ import annotations

import math
import os
import re
import subprocess
import zipfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path, PurePosixPath

from grader import messages
from grader.archive import entry_name, entry_time, open_zip
from grader.notebook import MAX_NOTEBOOK_BYTES
from grader.results import Text

GIT_TIMEOUT_S = 30
POLICY = re.compile(r"^\s*(?P<rate>\d+(?:\.\d+)?)%/(?P<unit>day|hour)\s*"
                    r"(?:,\s*max=(?P<max>\d+(?:\.\d+)?)(?P<max_unit>[dh])\s*)?$")


class DeadlineError(ValueError):
    """A deadline or late policy that cannot be read: a one-line reason, ``text`` in both languages (``str``: its
    English)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class LatePolicy:
    """``rate`` (0..1) of the exercise's score taken per started ``unit`` late, for at most ``max_units``."""

    rate: float
    unit: str                    # "day" | "hour"
    max_units: float | None      # later work is not accepted (the last commit within it is graded)
    text: str = ""

    @property
    def unit_s(self) -> float:
        return 86400.0 if self.unit == "day" else 3600.0

    @property
    def limit_s(self) -> float | None:
        return None if self.max_units is None else self.max_units * self.unit_s

    def fraction(self, late_s: float) -> float:
        """Share of the score taken for work ``late_s`` seconds late (each started unit counts)."""
        if late_s <= 0:
            return 0.0
        units = math.ceil(late_s / self.unit_s - 1e-9)
        if self.max_units is not None:
            units = min(units, math.ceil(self.max_units))
        return min(1.0, units * self.rate)


@dataclass(frozen=True)
class Lateness:
    """What was graded as of the deadline, for one learner."""

    source: str                  # "git" | "file times"
    due: str                     # ISO 8601
    commit: str = ""             # the graded commit's hash (git)
    committed_at: str = ""       # its committer date (git), or the newest file time
    late_s: float = 0.0          # how late the graded work is (only with a late policy; else 0)
    later_commits: int = 0       # commits after the deadline that were not graded
    newest_late_s: float = 0.0   # how late the newest commit (or file) is; 0: on time
    problem: Text | None = None  # e.g. "no commit before the deadline"
    files: tuple[tuple[str, float, float], ...] = ()   # (path, late_s, newest_late_s) of each graded notebook (git)

    def for_path(self, path: str) -> "Lateness":
        """The record for one graded notebook (``path`` in the repository): its own lateness, so a commit after
        the deadline that changed another file (a README, another exercise) makes no other exercise late; the
        whole repository's record where the notebook is not known."""
        for name, late_s, newest_late_s in self.files:
            if name == path:
                return replace(self, late_s=late_s, newest_late_s=newest_late_s, files=())
        return replace(self, files=())

    @property
    def late(self) -> bool:
        return self.newest_late_s > 0 or self.late_s > 0

    def as_dict(self) -> dict:
        return {"source": self.source, "due": self.due, "commit": self.commit, "committed_at": self.committed_at,
                "late": self.late, "late_s": round(self.late_s), "later_commits": self.later_commits,
                "newest_late_s": round(self.newest_late_s),
                "problem": {"en": self.problem.en, "zh-TW": self.problem.zh_tw} if self.problem else ""}


def parse_due(text: str) -> datetime:
    """``2026-12-01T23:59+08:00`` -> an aware datetime; a time without an offset is refused (ambiguous)."""
    try:
        due = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DeadlineError(messages.text("deadline_invalid_due", text=repr(text))) from None
    if due.tzinfo is None:   # the example must itself be accepted: a date alone gets the day's last minute
        example = f"{text.strip()}T23:59+08:00" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()) else \
            f"{text.strip()}+08:00"
        raise DeadlineError(messages.text("deadline_no_zone", text=repr(text), example=example))
    return due


def parse_policy(text: str) -> LatePolicy:
    """``10%/day``, ``10%/day,max=3d``, ``2%/hour,max=48h``."""
    match = POLICY.match(text or "")
    if not match:
        raise DeadlineError(messages.text("deadline_invalid_policy", text=repr(text)))
    unit = match["unit"]
    max_units = None
    if match["max"]:
        max_s = float(match["max"]) * (86400.0 if match["max_unit"] == "d" else 3600.0)
        max_units = max_s / (86400.0 if unit == "day" else 3600.0)
    return LatePolicy(float(match["rate"]) / 100, unit, max_units, text.strip())


def duration(seconds: float) -> str:
    """``1 d 9 h 1 min`` (rounded to the minute)."""
    return duration_text(seconds).en


def duration_text(seconds: float) -> Text:
    """``1 d 9 h 1 min`` and ``1 天 9 小時 1 分鐘`` (rounded to the minute)."""
    minutes = int(round(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = ([("batch_duration_days", days)] if days else []) + ([("batch_duration_hours", hours)] if hours else [])
    if mins or not (days or hours):
        parts.append(("batch_duration_minutes", mins))
    said = [messages.text(key, count=count) for key, count in parts]
    return Text(" ".join(t.en for t in said), " ".join(t.zh_tw for t in said))


# ---------------------------------------------------------------- git, read-only

def is_repository(folder: Path) -> bool:
    dot_git = Path(folder) / ".git"
    return dot_git.is_dir() and not dot_git.is_symlink()


def _git(repo: Path, *args: str, binary: bool = False):
    git_dir = (Path(repo) / ".git").resolve()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
           "LC_ALL": "C", "TZ": "UTC"}
    command = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c",
               f"safe.directory={git_dir.parent}", "-c", f"safe.directory={git_dir}", "-c", "core.quotePath=off",
               f"--git-dir={git_dir}", *args]
    done = subprocess.run(command, capture_output=True, timeout=GIT_TIMEOUT_S, env=env, stdin=subprocess.DEVNULL,
                          cwd=git_dir)
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        why = said[-1] if said else f"status {done.returncode}"   # git's own words (LC_ALL=C: English)
        raise DeadlineError(messages.text("deadline_git_failed", command=args[0], repo=repo.name, why=why))
    return done.stdout if binary else done.stdout.decode("utf-8", errors="replace")


def _commits(repo: Path) -> list[tuple[str, datetime]]:
    """(hash, committer date) of every commit reachable from HEAD, newest first."""
    try:
        text = _git(repo, "log", "--format=%H %cI", "HEAD")
    except DeadlineError:
        return []
    found = []
    for line in text.splitlines():
        sha, _, when = line.partition(" ")
        if re.fullmatch(r"[0-9a-f]{40,64}", sha):
            found.append((sha, datetime.fromisoformat(when)))
    return sorted(found, key=lambda c: c[1], reverse=True)


def choose_commit(repo: Path, due: datetime, policy: LatePolicy | None,
                  commits: list[tuple[str, datetime]] | None = None) -> tuple[str, Lateness]:
    """The commit to grade and what is recorded about it ("" when none: the reason is in ``problem``);
    ``commits``: :func:`_commits`, read here when not given."""
    commits = _commits(repo) if commits is None else commits
    iso = due.isoformat(timespec="minutes")
    if not commits:
        return "", Lateness("git", iso, problem=messages.text("batch_reason_no_commit"))
    limit = due + timedelta(seconds=policy.limit_s) if policy and policy.limit_s is not None else None
    accept = (lambda when: limit is None or when <= limit) if policy else (lambda when: when <= due)
    chosen = next(((sha, when) for sha, when in commits if accept(when)), None)
    newest_late = max(0.0, (commits[0][1] - due).total_seconds())
    if chosen is None:
        return "", Lateness("git", iso, later_commits=len(commits), newest_late_s=newest_late,
                            problem=messages.text("batch_reason_no_commit_before", late=duration_text(newest_late)))
    sha, when = chosen
    later = sum(1 for _, w in commits if w > when)
    return sha, Lateness("git", iso, commit=sha, committed_at=when.isoformat(), later_commits=later,
                         late_s=max(0.0, (when - due).total_seconds()), newest_late_s=newest_late)


def _notebook_entries(repo: Path, commit: str) -> dict[str, bytes]:
    """Path -> blob hash of every regular ``.ipynb`` file in ``commit`` no larger than the notebook limit (links,
    submodules, paths that climb out left out)."""
    listing = _git(repo, "ls-tree", "-r", "-z", "--full-tree", "-l", commit, binary=True)
    found = {}
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()[:4]
        path = PurePosixPath(name.decode("utf-8", errors="replace"))
        if (mode in (b"100644", b"100755") and kind == b"blob" and path.suffix == ".ipynb"
                and not path.is_absolute() and ".." not in path.parts and size.isdigit()
                and int(size) <= MAX_NOTEBOOK_BYTES):
            found[str(path)] = sha
    return found


def _last_change(repo: Path, commit: str, path: str) -> datetime | None:
    """The committer date of the newest commit up to ``commit`` that changed ``path`` (None when none is found)."""
    text = _git(repo, "--literal-pathspecs", "log", "-1", "--format=%cI", commit, "--", path).strip()
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def file_lateness(repo: Path, graded: tuple[str, dict[str, bytes]], due: datetime,
                  commits: list[tuple[str, datetime]]) -> tuple:
    """(path, late_s, newest_late_s) for each notebook of the ``graded`` commit: 0 late when the notebook is one
    of the last commit on or before ``due`` (the same content at any path: moved with ``git mv`` it is still the
    work handed in on time), else how late its last change up to the graded commit was; and how late its newest
    change on ``HEAD`` is, unless ``HEAD`` holds it as it was on time. ``graded``: the graded commit's hash and its
    :func:`_notebook_entries`; ``commits``: :func:`_commits`."""
    last_on_time = next((sha for sha, when in commits if when <= due), None)
    on_time = set(_notebook_entries(repo, last_on_time).values()) if last_on_time else set()
    head, found = _notebook_entries(repo, "HEAD"), []
    sha, entries = graded
    for path, blob in entries.items():
        same = blob in on_time     # the notebook as it was at the deadline, wherever it was then (git mv)
        changed = None if same else _last_change(repo, sha, path)
        if not same and changed is None:
            continue   # the path could not be followed: the repository's own record stands
        late_s = max(0.0, (changed - due).total_seconds()) if changed else 0.0
        newest = None if head.get(path, blob) in on_time else _last_change(repo, "HEAD", path)
        newest_s = max(late_s, (newest - due).total_seconds()) if newest else late_s
        found.append((path, late_s, max(0.0, newest_s)))
    return tuple(found)


def stage_repository(repo: Path, into: Path, due: datetime, policy: LatePolicy | None) -> Lateness:
    """Write the graded commit's notebooks under ``into`` (a folder of the same name); never touches ``repo``."""
    commits = _commits(repo)
    sha, lateness = choose_commit(repo, due, policy, commits)
    into.mkdir(parents=True, exist_ok=True)
    if not sha:
        return lateness
    entries = _notebook_entries(repo, sha)
    lateness = replace(lateness, files=file_lateness(repo, (sha, entries), due, commits))
    for relative, blob in entries.items():
        data = _git(repo, "cat-file", "blob", blob.decode(), binary=True)
        target = into.joinpath(*PurePosixPath(relative).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return lateness


# ---------------------------------------------------------------- zips and bare notebooks: file times, if asked

def file_time(path: Path, local: tzinfo = timezone.utc) -> datetime:
    """The newest time of a notebook, of a zip's notebooks or of a folder's notebooks. A zip entry's time is its
    UTC timestamp where the zip has one, else its stored clock time read in ``local`` (the deadline's zone; see
    :func:`grader.archive.entry_time`). A zip that cannot be read or is over the submission limits counts by its
    own file time."""
    path = Path(path)
    if path.is_file() and path.suffix == ".zip":
        from grader.submissions import ZIP_LIMITS

        try:
            with open_zip(path, max_members=ZIP_LIMITS.members) as archive:
                stamps = [entry_time(m, local) for m in archive.infolist() if entry_name(m).endswith(".ipynb")]
            if stamps:
                return max(stamps)
        except (zipfile.BadZipFile, OSError, ValueError):
            pass
    files = [p for p in path.rglob("*.ipynb") if p.is_file()] if path.is_dir() else [path]
    newest = max((p.stat().st_mtime for p in files), default=path.stat().st_mtime)
    return datetime.fromtimestamp(newest, timezone.utc)


def by_file_time(path: Path, due: datetime) -> Lateness:
    when = file_time(path, due.tzinfo or timezone.utc)
    late = max(0.0, (when - due).total_seconds())
    return Lateness("file times", due.isoformat(timespec="minutes"), committed_at=when.isoformat(timespec="seconds"),
                    late_s=late, newest_late_s=late)


def penalty_points(policy: LatePolicy | None, lateness: Lateness | None, score: float) -> float:
    """Points taken from an exercise ``score`` for lateness (0 without a policy or when on time); never below 0."""
    if policy is None or lateness is None or lateness.late_s <= 0:
        return 0.0
    return round(score * policy.fraction(lateness.late_s), 6)
