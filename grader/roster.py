"""The class roster, as GitHub Classroom exports it, and which submissions belong to whom.

Classroom's roster download (Students tab -> Download) is a CSV with the columns ``identifier``, ``github_username``,
``github_id``, ``name`` (``identifier`` is what the instructor typed: a student number, an e-mail address or a name;
``github_username`` is empty until the learner accepted an assignment). A repository ``assignment-<github_username>``
belongs to the roster entry with that username (case-insensitive, as GitHub usernames are).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from pathlib import Path

from grader import messages
from grader.results import Text

COLUMNS = ("identifier", "github_username", "github_id", "name")


class RosterError(ValueError):
    """A roster file that cannot be read: a one-line reason, ``text`` in both languages (``str``: its English)."""

    def __init__(self, text: Text):
        super().__init__(text.en)
        self.text = text


@dataclass(frozen=True)
class Entry:
    identifier: str
    github_username: str = ""
    github_id: str = ""
    name: str = ""

    @property
    def learner(self) -> str:
        """The learner id the grader uses: the GitHub username, else the identifier."""
        from grader.submissions import safe_id

        return safe_id(self.github_username or self.identifier)


@dataclass(frozen=True)
class Roster:
    entries: tuple[Entry, ...]

    def by_learner(self) -> dict[str, Entry]:
        return {e.learner.lower(): e for e in self.entries}

    def find(self, learner: str) -> Entry | None:
        return self.by_learner().get(learner.lower())


@dataclass(frozen=True)
class Match:
    """How a class's submissions meet the roster."""

    missing: tuple[str, ...]        # roster learners with no submission
    unknown: tuple[str, ...]        # submissions (learner ids) with no roster entry


def read(path: Path) -> Roster:
    """Read a Classroom roster CSV (UTF-8, a BOM allowed); extra columns are ignored."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise RosterError(messages.text("roster_missing", path=path)) from None
    except UnicodeDecodeError as error:
        raise RosterError(messages.text("roster_not_utf8", path=path, why=error.reason)) from None
    except OSError as error:
        raise RosterError(messages.text("roster_unreadable", path=path, why=error)) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if "identifier" not in header and "github_username" not in header:
        found = ", ".join(header) or messages.text("roster_no_columns")
        raise RosterError(messages.text("roster_not_classroom", path=path, columns=", ".join(COLUMNS), found=found))
    entries = []
    for row in reader:
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if row.get("identifier") or row.get("github_username"):
            entries.append(Entry(*(row.get(c, "") for c in COLUMNS)))
    return Roster(tuple(entries))


def assign(submissions: list, roster: Roster) -> list:
    """Submissions renamed to their roster learner where the folder/zip name ends with ``-<github_username>``."""
    usernames = {e.github_username.lower(): e.learner for e in roster.entries if e.github_username}
    out = []
    for submission in submissions:
        if submission.learner.lower() in usernames:
            out.append(replace(submission, learner=usernames[submission.learner.lower()]))
            continue
        stem = Path(submission.source).stem.lower()
        owner = next((learner for name, learner in usernames.items() if stem.endswith(f"-{name}")), None)
        out.append(replace(submission, learner=owner) if owner else submission)
    return out


def match(learners: list[str], roster: Roster) -> Match:
    known = {learner.lower() for learner in learners}
    on_roster = roster.by_learner()
    return Match(missing=tuple(sorted(e.learner for e in roster.entries if e.learner.lower() not in known)),
                 unknown=tuple(sorted(learner for learner in learners if learner.lower() not in on_roster)))
