"""Grade files an LMS imports as they are: Canvas's gradebook CSV and Moodle's grade-import CSV.

One row per roster learner (without a roster: per learner graded), one column per exercise named after the day,
the adjusted scores. A learner with no submission for a day gets an empty cell: both imports leave an empty cell's
grade as it was (neither invents a zero; give zeros by hand or with an adjustments line if that is the policy).

- Canvas (Instructor Guide, "How do I import grades in the Gradebook?", and the columns of Canvas's own gradebook
  export): the header ``Student,ID,SIS User ID,SIS Login ID,Section`` then one column per assignment; a second row
  ``Points Possible`` giving each assignment's maximum (read-only, which lets Canvas create new assignments from
  new columns); students are matched by ``ID`` (Canvas's user id, not known here, left empty), else ``SIS User ID``
  or ``SIS Login ID``: the roster's identifier goes to ``SIS Login ID`` when it is an e-mail address, else to
  ``SIS User ID``. UTF-8 with a byte-order mark, as Canvas's own export is (Excel then opens it right).
- Moodle (Grades -> Import -> CSV file; ``grade/import/csv``, whose "Map from / Map to" step matches a column to the
  user's ``userid``, ``username``, ``useridnumber`` or ``useremail`` and each other column to a grade item, or to a
  new item named after the header): the first column is ``Email address`` when every identifier is one, else
  ``ID number``; then one column per day. Plain UTF-8, comma separated (Moodle's defaults).
"""
from __future__ import annotations

import csv
import io

from grader.gradebook import ClassSummary
from grader.roster import Roster

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
BOM = "\ufeff"


def _rows(summary: ClassSummary, roster: Roster | None) -> list[tuple[str, str, dict[str, float]]]:
    """(display name, identifier, scores) per roster learner (missing ones with no scores), in roster order."""
    scores = {r.learner.lower(): r.scores for r in summary.rows}
    if roster is None:
        return [(r.learner, r.learner, r.scores) for r in summary.rows]
    return [(e.name or e.learner, e.identifier or e.learner, scores.get(e.learner.lower(), {}))
            for e in roster.entries]


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def canvas_csv(summary: ClassSummary, roster: Roster | None) -> str:
    """Canvas's gradebook import file (text with a BOM; write it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow([*CANVAS_COLUMNS, *summary.exercises])
    writer.writerow(["Points Possible", "", "", "", "", *(_points(summary.max_scores[e]) for e in summary.exercises)])
    for name, identifier, scores in _rows(summary, roster):
        email = "@" in identifier
        writer.writerow([name, "", "" if email else identifier, identifier if email else "", "",
                         *(_points(scores.get(e)) for e in summary.exercises)])
    return BOM + buffer.getvalue()


def moodle_csv(summary: ClassSummary, roster: Roster | None) -> str:
    """Moodle's grade import file: an identifier column, then one column per day."""
    rows = _rows(summary, roster)
    column = "Email address" if rows and all("@" in identifier for _, identifier, _ in rows) else "ID number"
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect="excel", lineterminator="\n")
    writer.writerow([column, *summary.exercises])
    for _, identifier, scores in rows:
        writer.writerow([identifier, *(_points(scores.get(e)) for e in summary.exercises)])
    return buffer.getvalue()
