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


BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
GUESS_BYTES = 256 * 1024  # charset-normalizer looks at this much of a file that is not UTF-8


@dataclass(frozen=True)
class Submission:
    """A notebook read from disk: either its code cells, or the reason it cannot be graded; ``notes`` say what was
    unusual about the file but cost nothing (it was saved in another encoding and read anyway)."""

    path: Path
    cells: tuple[str, ...] = ()
    problem: Text | None = None
    notes: tuple[Text, ...] = ()
    missing: bool = False   # no file at ``path``: the exercise was not attempted


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a notebook file's bytes; encoding is "" for plain UTF-8 (what Jupyter writes).

    A byte-order mark decides first (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE, as editors write them), then UTF-8, then
    UTF-16/32 without a mark (NUL bytes give them away), then charset-normalizer's guess (e.g. Big5/cp950 from a
    zh-TW Windows editor), then UTF-8 with undecodable bytes replaced. Never raises.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            text = _try(data[len(bom):], "utf-8" if encoding == "utf-8-sig" else encoding)
            if text is not None:
                return text, encoding
    text = _try(data, "utf-8")
    if text is not None:
        return text, ""
    for encoding in _unmarked_wide(data) + _guess(data):
        text = _try(data, encoding)
        if text is not None and text.lstrip()[:1] in ("{", ""):
            return text, encoding
    return data.decode("utf-8", errors="replace"), "utf-8 (bytes that are not UTF-8 replaced)"


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _unmarked_wide(data: bytes) -> list[str]:
    """UTF-16/32 without a byte-order mark: a notebook starts with ``{``, so the NULs around it say which."""
    head = data[:4]
    return [encoding for prefix, encoding in ((b"{\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00{", "utf-32-be"),
                                              (b"{\x00", "utf-16-le"), (b"\x00{", "utf-16-be")) if head.startswith(prefix)]


def _guess(data: bytes) -> list[str]:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; without it only the marks and UTF-8 are known
        return []
    best = from_bytes(data[:GUESS_BYTES]).best()
    return [best.encoding] if best is not None else []


def read_submission(path: Path) -> Submission:
    """The code cells of the notebook at ``path``, or why it cannot be graded. The size is checked before a byte
    is read (a notebook over :data:`MAX_NOTEBOOK_BYTES` is refused with advice to clear its outputs)."""
    path = Path(path)
    if not path.is_file():
        return Submission(path, problem=messages.text("notebook_missing", path=f"{path.parent.name}/{path.name}"),
                          missing=True)
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return Submission(path, problem=messages.text("notebook_too_large", path=path.name, mb=round(size / 2**20, 1),
                                                      limit=MAX_NOTEBOOK_BYTES // 2**20))
    with open(path, "rb") as handle:
        data = handle.read(MAX_NOTEBOOK_BYTES + 1)  # a file that grew since: still never more than the limit
    text, encoding = decode(data)
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - any parse failure is the learner's file, reported to them
        reason = _parse_reason(error)
        return Submission(path, problem=messages.text("notebook_unreadable", path=path.name, reason=reason))
    cells = tuple(_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    cells = tuple(c for c in cells if c.strip())
    if not cells:
        return Submission(path, problem=messages.text("notebook_no_code", path=path.name))
    notes = (messages.text("notebook_reencoded", path=path.name, encoding=encoding),) if encoding else ()
    return Submission(path, cells=cells, notes=notes)


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
