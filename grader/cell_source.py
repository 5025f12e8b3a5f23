"""A notebook cell's source as the Python the kernel runs: IPython's own syntax (``!ls``, ``x = !ls``,
``model.fit?``, ``%time ...``, a ``%%time`` cell) turned into the calls IPython makes, parsed into an ``ast`` tree.

Cells come from the learner: every function here bounds its time and refuses what it cannot read (None),
never raising on hostile text. Used by the day97 fit scan (:mod:`grader.fit_scan`) and by the learner protocol
to tell which names a failed cell would have defined (`grader.learner._failed_cell_binding`).
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture"})   # magics whose argument is Python run in the notebook
MAX_CELL_CHARS = 2**20                      # a longer cell is not read (None)
MAX_IPYTHON_LINES = 1000                    # lines of IPython syntax in one cell, 0.08 ms each to transform
MAX_IPYTHON_LINE_CHARS = 2000               # a longer line of IPython syntax is not transformed (6 ms at 2,000)
MAX_IPYTHON_CHARS = 200_000                 # characters in a cell's lines of IPython syntax, all together
# %magic, !cmd, obj?, x = !cmd; linear in a line's length (``^\s*[\w ...]+=`` was quadratic in leading spaces:
# 64,000 spaces took 29 s)
IPYTHON_LINE = re.compile(r"^\s*[%!?]|\?\s*$|^\s*[\w.,\[\]()*][\w.,\[\]()* ]*=\s*[!%]")
LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ParsedCell:
    """A cell read as Python: its tree, the Python source the tree was parsed from, and that source's lines
    (for :func:`segment`)."""

    tree: ast.AST
    source: str

    @property
    def lines(self) -> list[str]:
        return LINE_BREAK.split(self.source)


class Budget:
    """Characters of IPython syntax that :func:`parse` may still transform, shared by the cells of one notebook
    (each cell has its own limits too): a notebook of hundreds of cells each at the limits would otherwise take
    minutes. ``left``: characters still allowed."""

    def __init__(self, chars: int):
        self.left = chars

    def spend(self, chars: int) -> bool:
        """True (and ``chars`` taken) when that many are left."""
        if chars > self.left:
            return False
        self.left -= chars
        return True


def parse(cell: str, budget: Budget | None = None) -> ParsedCell | None:
    """``cell`` with IPython's syntax turned into the calls IPython makes, line by line (:class:`_Transformer`),
    parsed; a ``%%time``-like cell magic's body (:data:`CODE_MAGICS`) read as Python, its line numbers kept.

    Returns None (never raises) when ``cell`` is not a str, is longer than ``MAX_CELL_CHARS`` characters, is
    another cell magic (``%%bash``), has more than ``MAX_IPYTHON_LINES`` lines or ``MAX_IPYTHON_CHARS``
    characters of IPython syntax (or more than ``budget`` has left), or is not Python even so (SyntaxError, or
    nested too deeply for the parser)."""
    if not isinstance(cell, str) or len(cell) > MAX_CELL_CHARS:
        return None
    lines = LINE_BREAK.split(cell)
    if lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split(maxsplit=1)
        if not magic or magic[0] not in CODE_MAGICS:
            return None
        lines = [""] + lines[1:]      # line numbers as in the cell
    ipython = [bool(IPYTHON_LINE.search(line)) for line in lines]
    chars = sum(len(line) for line, marked in zip(lines, ipython) if marked)
    if sum(ipython) > MAX_IPYTHON_LINES or chars > MAX_IPYTHON_CHARS or (budget is not None and not budget.spend(chars)):
        return None
    transform = _Transformer()
    code = "\n".join(transform(line) if marked else line for line, marked in zip(lines, ipython))
    try:
        return ParsedCell(ast.parse(code), code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _Transformer:
    """One line as IPython runs it, by IPython's own ``TransformerManager`` (the grader's IPython, as the
    kernel's), made once per cell and only for a cell that has IPython syntax. Lines are given one at a time:
    given a whole cell, IPython makes a pass over it for each magic (12 s for a 62 KB cell holding 100)."""

    def __init__(self):
        self.manager = None

    def __call__(self, line: str) -> str:
        """A line IPython would see as more than one (``str.splitlines`` also splits at form feeds, ``\\x1c``,
        ``\\u2028``...: IPython made a pass over the whole string for each, minutes for a 4 KB cell) or longer than
        ``MAX_IPYTHON_LINE_CHARS`` is left as it is: the cell then does not parse and is not read."""
        if len(line) > MAX_IPYTHON_LINE_CHARS or len(line.splitlines()) > 1:   # called for IPython lines only
            return line
        if self.manager is None:
            from IPython.core.inputtransformer2 import TransformerManager

            self.manager = TransformerManager()
        stripped = line.lstrip()
        try:
            python = self.manager.transform_cell(stripped).rstrip("\n")
        except Exception:  # noqa: BLE001 - IPython refused the line: left as it is (the cell then does not parse)
            return line
        return line if "\n" in python else line[:len(line) - len(stripped)] + python


def magic_code(node: ast.AST) -> str | None:
    """The Python that a ``get_ipython().run_line_magic("time", "...")`` or ``run_cell_magic("time", "", "...")``
    call (what :func:`parse` makes of ``%time ...``) runs, for the magics of :data:`CODE_MAGICS`; None for any
    other node."""
    func = getattr(node, "func", None)
    if not (isinstance(node, ast.Call) and isinstance(func, ast.Attribute)
            and func.attr in ("run_line_magic", "run_cell_magic") and node.args):
        return None
    values = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args]
    if values[0] not in CODE_MAGICS or values[-1] is None:
        return None
    code = values[-1]
    if func.attr == "run_line_magic":   # %time -n1 model.fit(...): options first
        code = re.sub(r"^(\s*-\S+(\s+\d+)?\s+)*", "", code)
    return code


def segment(lines: list[str], node: ast.AST, limit: int = 200) -> str:
    """``node``'s source from its cell's ``lines`` (:attr:`ParsedCell.lines`), at most ``limit`` characters; as
    ``ast.get_source_segment``, which splits the cell again at each call, character by character (20 s for a cell
    holding a 1 MB string)."""
    lines = lines[node.lineno - 1:node.end_lineno]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0].encode()[node.col_offset:node.end_col_offset].decode(errors="replace")[:limit]
    first = lines[0].encode()[node.col_offset:].decode(errors="replace")
    last = lines[-1].encode()[:node.end_col_offset].decode(errors="replace")
    return "\n".join([first, *lines[1:-1], last])[:limit]


@functools.lru_cache(maxsize=1024)
def bound_names(cell: str, depth: int = 3) -> frozenset[str] | None:
    """The names ``cell`` assigns, defines or imports, those of its ``%time``-like magics' code too (``x = !ls``
    and ``%time model = build()`` bind x and model; magics inside magics ``depth`` deep), or None when it cannot
    be read (see :func:`parse`). Remembered for the last 1,024 cells: each check that finds a name undefined asks
    again about every failed cell."""
    parsed = parse(cell) if isinstance(cell, str) else None
    if parsed is None:
        return None
    names = set()
    for node in ast.walk(parsed.tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif depth > 0 and (code := magic_code(node)) is not None:
            names |= bound_names(code, depth - 1) or set()
    return frozenset(names)
