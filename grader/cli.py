"""``grader``: a thin command line over :mod:`grader.grading` and :mod:`grader.notebook`.

Exit codes: 0 when grading completed (whatever the score); 2 when the grader could not grade (bad
arguments, missing path); 1 for ``grader stubs --check`` when exercises/ is out of date.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

import nbformat

from grader import exercise as exercises
from grader import diagnosis, messages, report
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
    g.add_argument("--exercises", nargs="+", metavar="DAY", default=(),
                   help="grade only these days (e.g. day93), each found anywhere under path (missing: 0 points)")
    g.add_argument("--cell-timeout", type=float, help="seconds one cell may run")
    g.add_argument("--total-timeout", type=float, help="seconds the whole notebook may run")
    s = commands.add_parser("stubs", help="write exercises/dayNN/dayNN.ipynb from solutions/ (solution regions removed)")
    s.add_argument("--check", action="store_true", help="only report whether exercises/ is up to date")
    # ---- batch: a whole class on Dask (grader.batch)
    b = commands.add_parser("batch", help="grade a class's submissions in parallel into a gradebook and pages")
    b.add_argument("submissions", type=Path, help="folder of learner folders, zips or notebooks named by learner")
    b.add_argument("--out", type=Path, required=True, help="folder for results, gradebook.csv and summaries")
    b.add_argument("--workers", type=int, help="local workers (default: one per GPU, else one per CPU core)")
    b.add_argument("--scheduler", help="address of an existing Dask scheduler (default: DASK_SCHEDULER_ADDRESS, "
                   "else a local cluster)")
    b.add_argument("--device", choices=["auto", "cpu", "gpu"], default="auto")
    b.add_argument("--per-gpu", type=int, default=1, help="local workers sharing each GPU (default 1)")
    b.add_argument("--no-warm", action="store_true", help="a fresh grading process per submission (slower; by "
                   "default each worker keeps one warm process that grades submission after submission)")
    b.add_argument("--force", action="store_true", help="grade every learner again, even if already graded")
    b.add_argument("--lang", help="zh-TW or en (default: GRADER_LANG, else the locale)")
    b.add_argument("--seed", type=int, help="one seed for the whole class (default: the last run's, else fresh)")
    b.add_argument("--timeout", type=float, help="seconds one submission may take in all (default: from the days)")
    b.add_argument("--cell-timeout", type=float, help="seconds one cell may run")
    b.add_argument("--memory-limit", type=int, help="MB of address space per grading process (0: none)")
    b.add_argument("--public-only", action="store_true", help="run only the public checks")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.add_argument("--exercises", nargs="+", metavar="DAY", help="grade and count only these days (e.g. day93 day94)")
    b.add_argument("--learners", nargs="+", metavar="ID", help="regrade only these learners (or @file.txt, one a line); "
                   "the others' files are left as they are, the class files rebuilt")
    b.add_argument("--adjustments", type=Path, help="CSV or YAML of adjustments by hand: learner, exercise, check "
                   "(* for the whole exercise), score or points, reason, by")
    b.add_argument("--due", help="deadline, e.g. 2026-12-01T23:59+08:00: git repositories are graded at their last "
                   "commit before it; later commits are marked late")
    b.add_argument("--late-policy", help="penalty for late work, e.g. 10%%/day,max=3d (needs --due)")
    b.add_argument("--due-file-times", action="store_true",
                   help="with --due, mark zips and bare notebooks late by their file times")
    b.add_argument("--roster", type=Path, help="GitHub Classroom roster CSV (identifier, github_username, ...)")
    b.add_argument("--similarity-threshold", type=float, default=None,
                   help="share of solution code two learners must have in common to be flagged (default 0.6)")
    # ---- platforms: the learner-facing release (GitHub Classroom) and the Gradescope autograder
    r = commands.add_parser("release", help="write the learner-facing repository (no solutions, no hidden checks)")
    r.add_argument("out", type=Path)
    r.add_argument("--hidden-repo", type=Path, help="also write the instructor's private hidden-checks repository here")
    r.add_argument("--runs-on", action="append", help="runner label for the Classroom workflow, repeatable "
                   "(default: ubuntu-latest; e.g. --runs-on self-hosted --runs-on gpu)")
    r.add_argument("--lang", default="zh-TW", help="feedback language of the workflow (default: zh-TW)")
    r.add_argument("--python", default="3.11", help="Python version the workflow sets up (default: 3.11)")
    r.add_argument("--secret", default="GRADER_HIDDEN_TOKEN", help="name of the token secret")
    r.add_argument("--variable", default="GRADER_HIDDEN_REPO", help="name of the variable naming the private repository")
    r.add_argument("--force", action="store_true", help="replace OUT's contents (its .git is kept)")
    r.add_argument("--package-url", help="what the notebooks' setup cells pip-install in Colab, and the Colab badges' "
                   "repository, e.g. git+https://github.com/ORG/cnn-exercises@v1")
    z = commands.add_parser("gradescope", help="write a Gradescope autograder zip")
    z.add_argument("out", type=Path)
    z.add_argument("--exercises", nargs="+", help="days to grade (default: all)")
    z.add_argument("--public-visibility", default="visible", help="visibility of public checks (default: visible)")
    z.add_argument("--hidden-visibility", default="after_published",
                   help="visibility of hidden checks (default: after_published)")
    z.add_argument("--time-budget", type=float, default=540.0,
                   help="seconds after which no new day starts (default: 540, for Gradescope's 600 s limit)")
    z.add_argument("--lang", default="zh-TW", help="feedback language (default: zh-TW)")
    return parser


def _progress_printer(lang: str):
    """On a terminal, ``grader grade`` says which exercise it is grading (on stderr); elsewhere nothing."""
    if not sys.stderr.isatty():
        return None

    def show(exercise: str, done: int, total: int) -> None:
        key = "grade_progress_done" if done == total else "grade_progress"
        print(messages.text(key, exercise=exercise, done=done, total=total).in_lang(lang), file=sys.stderr, flush=True)
    return show


def _grade(args: argparse.Namespace) -> int:
    try:
        lang = messages.resolve_lang(args.lang) if args.lang else None
        result = grade(args.path, lang=lang, seed=args.seed, hidden=not args.public_only,
                       cell_timeout_s=args.cell_timeout, total_timeout_s=args.total_timeout,
                       progress=_progress_printer(messages.resolve_lang(lang)), only=tuple(args.exercises))
    except GradingError as error:
        print(f"grader: {error.text.in_lang(messages.resolve_lang(args.lang))}",
              file=sys.stderr)
        return 2
    except ValueError as error:
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
    return stale + diagnosis.write_tables(check=check)   # the public checks' tables, from the diagnoses


def _stubs(args: argparse.Namespace) -> int:
    stale = stubs(check=args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return 1 if args.check and stale else 0


def _release(args: argparse.Namespace) -> int:
    from grader.release import hidden_repository, release

    try:
        out = release(args.out, runs_on=tuple(args.runs_on or ("ubuntu-latest",)), lang=messages.resolve_lang(args.lang),
                      python=args.python, secret=args.secret, variable=args.variable, force=args.force,
                      package_url=args.package_url)
        print(f"wrote the learner repository: {out}")
        if not args.package_url:
            print("grader: " + messages.text("release_no_package_url").in_lang(messages.resolve_lang(args.lang)),
                  file=sys.stderr)
        if args.hidden_repo:
            print(f"wrote the private hidden-checks repository: {hidden_repository(args.hidden_repo, force=args.force)}")
    except ValueError as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from grader.gradescope import Config, available, build

    try:
        config = Config(exercises=tuple(args.exercises or available()), lang=messages.resolve_lang(args.lang),
                        public_visibility=args.public_visibility, hidden_visibility=args.hidden_visibility,
                        time_budget_s=args.time_budget)
        print(f"wrote the Gradescope autograder: {build(args.out, config=config)}")
    except ValueError as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    return 0


def _batch(args: argparse.Namespace) -> int:
    """Exit 0: every learner graded; 1: some could not be (listed); 2: the batch could not run; 130: Ctrl-C."""
    from grader.batch import BatchError, run_batch, term_from

    try:
        result = run_batch(args.submissions, out=args.out, workers=args.workers, scheduler=args.scheduler,
                           device=args.device, force=args.force, lang=args.lang, seed=args.seed,
                           timeout_s=args.timeout, cell_timeout_s=args.cell_timeout, memory_mb=args.memory_limit,
                           hidden=not args.public_only, progress=not args.quiet, term=term_from(args),
                           per_gpu=args.per_gpu, warm=not args.no_warm)
    except (BatchError, ValueError) as error:
        print(f"grader: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"grader: {messages.text('batch_interrupted').in_lang(_lang_or_english(args.lang))}", file=sys.stderr)
        return 130
    print(result.line(messages.resolve_lang(args.lang)), file=sys.stderr)
    return 1 if result.failed else 0


def _lang_or_english(lang: str | None) -> str:
    """``--lang`` resolved; English when it is not a language (its own error says so, in English)."""
    try:
        return messages.resolve_lang(lang)
    except ValueError:
        return "en"


def safe_streams() -> None:
    """Never crash on the output stream: a console whose encoding lacks a character (a Windows code page such as
    cp1252 and a zh-TW report) gets it as a backslash escape instead of a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # not a text stream we can change (replaced, or closed)
            continue


def main(argv: list[str] | None = None) -> int:
    safe_streams()
    _exit_on_signals()
    args = _parser().parse_args(argv)
    if args.command in ("release", "gradescope"):
        return {"release": _release, "gradescope": _gradescope}[args.command](args)
    if args.command == "batch":
        return _batch(args)
    return {"grade": _grade, "stubs": _stubs}[args.command](args)


def _exit_on_signals() -> None:
    """SIGTERM and SIGHUP (a CI job cancelled, ``timeout``) end the run as Ctrl-C does: ``SystemExit`` (status
    128 + the signal) in the main thread, so every kernel, cgroup and temporary folder is closed by the context
    manager that opened it. A second signal while that cleanup runs is not raised again (the cleanup finishes)."""
    if threading.current_thread() is not threading.main_thread():
        return
    raised = []

    def stop(signum, frame):
        if not raised:
            raised.append(signum)
            raise SystemExit(128 + signum)

    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, stop)


if __name__ == "__main__":
    sys.exit(main())
