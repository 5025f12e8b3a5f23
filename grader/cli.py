"""``grader``: a thin command line over :mod:`grader.grading` and :mod:`grader.notebook`.

Exit codes: 0 when grading completed (whatever the score); 2 when the grader could not grade (bad
arguments, missing path); 1 for ``grader stubs --check`` when exercises/ is out of date.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from grader import exercise as exercises
from grader import messages, report
from grader.grading import GradingError, grade
from grader.notebook import make_stub, notebook_text
from grader.results import to_json, write_atomic


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Grade the CNN exercises (day93-day98).")
    commands = parser.add_subparsers(dest="command", required=True)
    g = commands.add_parser("grade", help="grade a notebook, a dayNN folder, or a folder of dayNN folders")
    g.add_argument("path", type=Path)
    g.add_argument("--json", type=Path, help="also write the canonical JSON result to this file")
    g.add_argument("--format", choices=["terminal", *report.RENDERERS], default="terminal",
                   help="what to print (default: a terminal report)")
    g.add_argument("--lang", help="zh-TW or en (default: GRADER_LANG, else the locale)")
    g.add_argument("--seed", type=int, help="seed for the hidden checks' random inputs (default: fresh)")
    g.add_argument("--public-only", action="store_true", help="run only the public checks")
    g.add_argument("--cell-timeout", type=float, help="seconds one cell may run")
    g.add_argument("--total-timeout", type=float, help="seconds the whole notebook may run")
    s = commands.add_parser("stubs", help="write exercises/dayNN/dayNN.ipynb from solutions/ (solution regions removed)")
    s.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    return parser


def _grade(args: argparse.Namespace) -> int:
    try:
        lang = messages.resolve_lang(args.lang) if args.lang else None
        result = grade(args.path, lang=lang, seed=args.seed, hidden=not args.public_only,
                       cell_timeout_s=args.cell_timeout, total_timeout_s=args.total_timeout)
    except (GradingError, ValueError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    if args.json:
        write_atomic(args.json, to_json(result))
    if args.format == "terminal":
        report.print_terminal(result)
    else:
        sys.stdout.write(report.RENDERERS[args.format](result))
    return 0


def stubs(*, check: bool) -> list[Path]:
    """Write (or with ``check``, only compare) every exercise's stub; returns the stubs that were out of date."""
    stale = []
    for exercise in exercises.EXERCISES.values():
        text = notebook_text(make_stub(nbformat.read(exercise.solution, as_version=4)))
        current = exercise.stub.read_text(encoding="utf-8") if exercise.stub.exists() else None
        if current != text:
            stale.append(exercise.stub)
            if not check:
                exercise.stub.parent.mkdir(parents=True, exist_ok=True)
                exercise.stub.write_text(text, encoding="utf-8")
    return stale


def _stubs(args: argparse.Namespace) -> int:
    stale = stubs(check=args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return 1 if args.check and stale else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"grade": _grade, "stubs": _stubs}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
