"""Notebooks as files: reading a learner's submission defensively, and making stubs from solutions.

A solution notebook marks what the learner writes with two comment lines::

    ### BEGIN SOLUTION
    ...
    ### END SOLUTION

``make_stub`` replaces each region (markers included) with a ``raise NotImplementedError`` at the same
indentation and clears outputs, so ``exercises/`` is always generated from ``solutions/``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader import messages
from grader.results import Text

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB_LINES = ("# 在這裡寫你的程式碼 / YOUR CODE HERE", "raise NotImplementedError")
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Submission:
    """A notebook read from disk: either its code cells, or the reason it cannot be graded."""

    path: Path
    cells: tuple[str, ...] = ()
    problem: Text | None = None


def read_submission(path: Path) -> Submission:
    path = Path(path)
    if not path.is_file():
        return Submission(path, problem=messages.text("notebook_missing", path=path.name))
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        reason = f"it is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB"
        return Submission(path, problem=messages.text("notebook_unreadable", path=path.name, reason=reason))
    try:
        nb = nbformat.reads(path.read_bytes().decode("utf-8", errors="replace"), as_version=4)
    except Exception as error:  # noqa: BLE001 - any parse failure is the learner's file, reported to them
        reason = _parse_reason(error)
        return Submission(path, problem=messages.text("notebook_unreadable", path=path.name, reason=reason))
    cells = tuple(_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    cells = tuple(c for c in cells if c.strip())
    if not cells:
        return Submission(path, problem=messages.text("notebook_no_code", path=path.name))
    return Submission(path, cells=cells)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _parse_reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError) or "JSON" in type(error).__name__ or "json" in str(error)[:200]:
        return "it is not valid JSON"
    return f"{type(error).__name__}: {str(error)[:200]}"


# ---------------------------------------------------------------- stubs from solutions

def strip_solution(source: str) -> str:
    """Replace each marked solution region in one cell's source with the stub lines."""
    out, inside = [], False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"nested {BEGIN!r}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + stub for stub in STUB_LINES)
        elif marker == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    return "\n".join(out)


def make_stub(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    stub = nbformat.from_dict(json.loads(json.dumps(solution)))
    for cell in stub.cells:
        if cell.cell_type == "code":
            cell.source = strip_solution(cell.source)
            cell.outputs = []
            cell.execution_count = None
    return stub


def has_solution(source: str) -> bool:
    return any(line.strip() in (BEGIN, END) for line in source.split("\n"))


def solution_lines(source: str) -> list[str]:
    """The lines inside the marked regions of ``source`` (what a release must never contain)."""
    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def notebook_text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"
