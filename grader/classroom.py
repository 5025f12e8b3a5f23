"""GitHub Classroom: the canonical result as the grading reporter's base64 JSON, and the steps of the workflow.

Classroom's ``autograding-grading-reporter`` reads, for each runner (a step id), the environment variable
``<ID>_RESULTS``: base64 of ``{"version": 1, "status", "max_score", "tests": [...]}``. Its total is the sum of
``tests[].score`` and its maximum the sum of ``max_score``, so one test per check gives partial credit.

:func:`workflow` writes ``.github/workflows/classroom.yml`` (one step per day, then the reporter), and
``python -m grader.classroom`` holds the two helpers its steps call:

* ``mode --hidden-dir D``: use the hidden checks fetched into ``D``, or grade the public checks only, and say
  which in the job summary;
* ``finish dayNN --exit-code N``: after ``grader grade . --exercises dayNN --format classroom`` ran (or ran out of
  time, or crashed), write ``result=<base64>`` to ``$GITHUB_OUTPUT`` and the Markdown report to
  ``$GITHUB_STEP_SUMMARY``. A run that produced no valid result is replaced by a result whose checks are all
  marked error or timed out, with their full points as the maximum, so the reporter always finds ``tests``.
"""
from __future__ import annotations

import argparse
import base64
import binascii
import json
import os
import re
import sys
from pathlib import Path


from grader import exercise as exercises
from grader import messages, plugin, report
from grader.environment import describe
from grader.results import (CheckResult, Execution, ExerciseResult, GradeResult, Status, Text, from_json)

OUTPUT_DIR = Path(".grader")
TIMED_OUT = (124, 137)  # what `timeout` returns when it stopped (or killed) the command
TEST_STATUS = {Status.PASSED: "pass", Status.FAILED: "fail", Status.NOT_ATTEMPTED: "fail", Status.SKIPPED: "fail",
               Status.ERROR: "error", Status.TIMEOUT: "error"}
HIDDEN_SECRET = "GRADER_HIDDEN_TOKEN"
HIDDEN_VARIABLE = "GRADER_HIDDEN_REPO"


# ---------------------------------------------------------------- the reporter's JSON

def _number(value: float) -> float | int:
    """Whole points as ints (Classroom shows 3.0 and 3 differently); fractions to two places."""
    return int(value) if float(value).is_integer() else round(value, 2)


# The reporter gets each runner's base64 from one environment variable, and Linux caps one at 128 KiB
# (MAX_ARG_STRLEN): past it node cannot even start and every day's points are lost. A day's payload stays well below.
MAX_PAYLOAD_BYTES = 48 * 1024   # of base64 text
MESSAGE_CHARS = (4000, 1000, 300, 80)  # each test's message is cut to these, in turn, until the payload fits
_WORKFLOW_COMMAND = re.compile(r"(?m)^(\s*):(?=:)")


def _neutral(text: str) -> str:
    """Learner text for the reporter's log: visible characters, and no line that the Actions runner would read as
    a workflow command (``::notice title=Autograding report::...`` would forge the points Classroom records)."""
    return _WORKFLOW_COMMAND.sub(r"\1: ", report.visible(text))


def _counts_as_passed(check: CheckResult) -> bool:
    """A check worth nothing that was skipped (day98 without ImageNet weights) costs nothing: not a failure."""
    return check.status == Status.PASSED or (check.status == Status.SKIPPED and not check.max_score)


def _message(check: CheckResult, lang: str) -> str:
    text = report.status_label(check, lang)
    if check.status == Status.SKIPPED and not check.max_score:
        text += " (0 / 0)"
    if check.message is not None:
        text += f": {check.message.in_lang(lang)}"
    return _neutral("\n".join([text, *check.traceback[-report.TRACEBACK_LINES:]]))


def _test(exercise: ExerciseResult, check: CheckResult, lang: str) -> dict:
    public = exercises.get(exercise.id).public_checks if exercise.id in exercises.EXERCISES else None
    filename = "" if check.hidden or public is None else f"exercises/{exercise.id}/{public.name}"
    kind = messages.label(messages.HEADINGS, "hidden" if check.hidden else "public", lang)
    status = "pass" if _counts_as_passed(check) else TEST_STATUS[check.status]
    return {"name": _neutral(f"{exercise.id} {check.id} ({kind})"), "status": status,
            "score": _number(check.score), "message": _message(check, lang),
            "test_code": f"grader grade exercises/{exercise.id}", "filename": filename, "line_no": 0,
            "duration": int(round(check.duration_s * 1000))}


def _status(result: GradeResult) -> str:
    checks = [c for e in result.exercises for c in e.checks]
    if checks and all(_counts_as_passed(c) for c in checks):
        return "pass"
    if checks and all(TEST_STATUS[c.status] == "error" for c in checks):
        return "error"
    return "fail"


def _trim(text: str, limit: int, lang: str) -> str:
    if len(text) <= limit:
        return text
    note = messages.text("text_trimmed", dropped=len(text) - limit).in_lang(lang)
    return text[:limit] + "\n" + note


def payload(result: GradeResult) -> dict:
    """The reporter's JSON for ``result`` (one runner: usually one day); its base64 stays under
    ``MAX_PAYLOAD_BYTES``: long messages and tracebacks are cut (with a note saying so) until it fits."""
    tests = [_test(e, c, result.lang) for e in result.exercises for c in e.checks]
    data = {"version": 1, "status": _status(result), "max_score": _number(result.max_score), "tests": tests}
    for limit in MESSAGE_CHARS:
        if len(encode(data)) <= MAX_PAYLOAD_BYTES:
            return data
        data["tests"] = [{**t, "message": _trim(t["message"], limit, result.lang)} for t in tests]
    if len(encode(data)) > MAX_PAYLOAD_BYTES:  # thousands of checks: keep the points, drop the words
        data["tests"] = [{**t, "message": "", "test_code": ""} for t in data["tests"]]
    return data


def encode(data: dict) -> str:
    return base64.b64encode(json.dumps(data, ensure_ascii=False).encode("utf-8")).decode("ascii")


def decode(text: str) -> dict:
    """What the reporter does with ``<ID>_RESULTS``: base64-decode, then parse the JSON."""
    return json.loads(base64.b64decode(text.strip(), validate=True).decode("utf-8"))


def render(result: GradeResult) -> str:
    """``grader grade --format classroom``: one line of base64."""
    return encode(payload(result)) + "\n"


def totals(data: dict) -> tuple[float, float]:
    """(points, max points) as the reporter adds them up; a runner whose max_score is falsy counts for nothing."""
    if not data.get("max_score"):
        return 0.0, 0.0
    return sum(t.get("score", 0) for t in data["tests"]), data["max_score"]


# ---------------------------------------------------------------- a result when grading produced none

class _Planner:
    """A pytest plugin object: records the checks a run would have (id, points, hidden), running none."""

    def __init__(self):
        self.planned: list[tuple[str, float, bool, str]] = []
        self.files: set[Path] = set()

    def pytest_collection_modifyitems(self, items) -> None:
        for item in items:
            self.planned.append((item.name.removeprefix("test_"), plugin._points(item), plugin.is_hidden(item),
                                 plugin._target(item)))
            self.files.add(Path(item.path).resolve())


def planned_checks(exercise: exercises.Exercise, *, hidden: bool) -> list[tuple[str, float, bool, str]]:
    """The checks that grade ``exercise`` (collected by pytest, not run)."""
    from grader.grading import check_files, planned_from_source, run_pytest_on_checks

    planner = _Planner()
    files = check_files(exercise, hidden=hidden)
    run_pytest_on_checks(files, ["--collect-only"], planner)
    # a file pytest cannot load still counts its checks (read from its source), so the day's maximum holds
    return planner.planned + [(p.id, p.points, p.hidden, p.function) for f in files if f.resolve() not in planner.files
                              for p in planned_from_source(f)]


def fallback(exercise_id: str, *, status: Status, reason: Text, hidden: bool, lang: str,
             notebook: str = "") -> GradeResult:
    """A result for a day whose grading ran out of time or crashed: every check ``status``, 0 points of its max."""
    exercise = exercises.get(exercise_id)
    checks = tuple(CheckResult(id=name, status=status, score=0.0, max_score=points, hidden=is_hidden,
                               function=target, message=reason)
                   for name, points, is_hidden, target in planned_checks(exercise, hidden=hidden))
    execution = Execution(notebook=notebook or str(exercise.stub.relative_to(exercises.ROOT)), problem=reason)
    return GradeResult(exercises=(ExerciseResult(id=exercise_id, checks=checks, execution=execution),), seed=0,
                       environment=describe(), submission=f"exercises/{exercise_id}", lang=lang,
                       hidden_included=hidden)


# ---------------------------------------------------------------- the workflow's steps

def _append(variable: str, text: str) -> None:
    """Append to the file GitHub names in ``variable`` ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_STEP_SUMMARY)."""
    name = os.environ.get(variable)
    if not name:
        sys.stdout.write(text)
        return
    with open(name, "a", encoding="utf-8") as handle:
        handle.write(text)


def choose_checks(hidden_dir: Path, *, fetched: bool, lang: str, secret: str = HIDDEN_SECRET,
                  variable: str = HIDDEN_VARIABLE) -> bool:
    """Use the hidden checks in ``hidden_dir`` if the fetch step succeeded and put some there (a folder of that name
    committed by the learner is never trusted); else public checks only. True when hidden checks are used."""
    hidden_dir = Path(hidden_dir).resolve()
    found = fetched and hidden_dir.is_dir() and any(exercises.DAY.match(p.stem) for p in hidden_dir.glob("day*.py"))
    if found:
        _append("GITHUB_ENV", f"GRADER_HIDDEN_DIR={hidden_dir}\nGRADER_CHECKS=\n")
        _append("GITHUB_STEP_SUMMARY", messages.text("platform_hidden_included").in_lang(lang) + "\n\n")
        return True
    note = messages.text("platform_public_only", secret=secret, variable=variable).in_lang(lang)
    _append("GITHUB_ENV", "GRADER_CHECKS=--public-only\n")
    _append("GITHUB_STEP_SUMMARY", f"> **{note}**\n\n")
    print(f"::warning title=Public checks only::{note}")
    return False


def _valid(b64: Path, canonical: Path) -> GradeResult | None:
    """The canonical result of a finished run, if both its files are there and agree; else None."""
    try:
        data = decode(b64.read_text(encoding="utf-8"))
        result = from_json(canonical.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, binascii.Error):
        return None
    return result if data.get("tests") and data.get("max_score") else None


def _reason(exercise_id: str, exit_code: int, log: Path, limit_s: float) -> tuple[Status, Text]:
    if exit_code in TIMED_OUT:
        return Status.TIMEOUT, messages.text("platform_timeout", exercise=exercise_id, seconds=limit_s)
    last = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-1:] if log.is_file() else []
    # Only the grader's own one-line refusals are shown: a crash's traceback could quote check source.
    reason = last[0].removeprefix("grader: ")[:300] if last and last[0].startswith("grader: ") else \
        f"exit status {exit_code}"
    return Status.ERROR, messages.text("platform_crash", exercise=exercise_id, reason=reason)


def finish(exercise_id: str, *, exit_code: int, limit_s: float, hidden: bool, lang: str,
           folder: Path = OUTPUT_DIR) -> GradeResult:
    """Write the step's ``result`` output and job summary from ``folder/dayNN.{b64,json}`` (or a fallback)."""
    result = _valid(folder / f"{exercise_id}.b64", folder / f"{exercise_id}.json") if exit_code == 0 else None
    if result is None:
        status, reason = _reason(exercise_id, exit_code, folder / f"{exercise_id}.log", limit_s)
        result = fallback(exercise_id, status=status, reason=reason, hidden=hidden, lang=lang)
    _append("GITHUB_OUTPUT", f"result={render(result).strip()}\n")
    _append("GITHUB_STEP_SUMMARY", report.markdown(result) + "\n")
    points, most = totals(payload(result))
    print(f"{exercise_id}: {points:g} / {most:g}")
    return result


# ---------------------------------------------------------------- the workflow file

HEADER = """\
# GitHub Classroom autograding for the CNN exercises, written by `grader release`.
# One step per day grades that day's notebook and reports every check's points to Classroom's reporter
# (partial credit). Hidden checks are fetched at grading time from the instructor's private repository
# named by the variable {variable}, read with the secret {secret}; without them only the public checks
# are graded and the job summary says so. See README.md, "For instructors".
name: Autograding Tests
'on':
  push:
  repository_dispatch:
permissions: {{checks: write, actions: read, contents: read}}
jobs:
  run-autograding-tests:
    runs-on: {runs_on}
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: {job_minutes}
    env:
      GRADER_LANG: {lang}
      GRADER_HIDDEN_REPO: ${{{{ vars.{variable} }}}}
      GRADER_HAS_HIDDEN_TOKEN: ${{{{ secrets.{secret} != '' }}}}
      PYTHONUNBUFFERED: '1'
    steps:
    - uses: actions/checkout@v4
    - name: Set up Python
      uses: actions/setup-python@v5
      with: {{python-version: '{python}', cache: pip}}
    - name: Install the grader
      timeout-minutes: 30
      run: python -m pip install -e .
    - name: Fetch hidden checks
      id: hidden
      if: env.GRADER_HAS_HIDDEN_TOKEN == 'true' && env.GRADER_HIDDEN_REPO != ''
      continue-on-error: true
      uses: actions/checkout@v4
      with:
        repository: ${{{{ vars.{variable} }}}}
        token: ${{{{ secrets.{secret} }}}}
        path: .grader-hidden
        persist-credentials: false
    - name: Choose checks
      env:
        GRADER_HIDDEN_FETCHED: ${{{{ steps.hidden.outcome }}}}
      run: python -m grader.classroom mode --hidden-dir .grader-hidden --secret {secret} --variable {variable}
"""

STEP = """\
    - name: {id}
      id: {id}
      if: ${{{{ !cancelled() }}}}
      timeout-minutes: {minutes}
      env:
        GRADER_TIME_LIMIT_S: '{limit}'
      run: |
        mkdir -p .grader
        status=0
        timeout --kill-after=15 "$GRADER_TIME_LIMIT_S" grader grade . --exercises {id} --format classroom --json .grader/{id}.json $GRADER_CHECKS > .grader/{id}.b64 2> .grader/{id}.log || status=$?
        python -m grader.classroom finish {id} --exit-code "$status"
"""

REPORTER = """\
    - name: Autograding Reporter
      if: ${{{{ !cancelled() }}}}
      uses: classroom-resources/autograding-grading-reporter@v1
      env:
{env}
      with:
        runners: {runners}
"""

CHECKS_MARGIN_S = 240  # kernel start, the checks, TensorFlow imports: on top of the notebook's own time limit


def step_limit_s(exercise: exercises.Exercise) -> int:
    """Seconds `grader grade` gets in a step: the notebook's limit plus a margin; the step itself gets more."""
    return int(exercise.total_timeout_s + CHECKS_MARGIN_S)


def _runs_on(labels: tuple[str, ...]) -> str:
    return labels[0] if len(labels) == 1 else "[" + ", ".join(labels) + "]"


def workflow(*, exercise_ids: tuple[str, ...] = tuple(exercises.EXERCISES), runs_on: tuple[str, ...] = ("ubuntu-latest",),
             lang: str = "zh-TW", python: str = "3.11", secret: str = HIDDEN_SECRET,
             variable: str = HIDDEN_VARIABLE) -> str:
    """The text of ``.github/workflows/classroom.yml``."""
    days = [exercises.get(i) for i in exercise_ids]
    minutes = {e.id: -(-step_limit_s(e) // 60) + 2 for e in days}  # the step outlives `timeout` by 2 minutes
    text = HEADER.format(runs_on=_runs_on(tuple(runs_on)), job_minutes=sum(minutes.values()) + 40, lang=lang,
                         python=python, secret=secret, variable=variable)
    text += "".join(STEP.format(id=e.id, minutes=minutes[e.id], limit=step_limit_s(e)) for e in days)
    env = "\n".join(f'        {e.id.upper()}_RESULTS: "${{{{ steps.{e.id}.outputs.result }}}}"' for e in days)
    return text + REPORTER.format(env=env, runners=",".join(e.id for e in days))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader.classroom", description=__doc__.split("\n")[0])
    steps = parser.add_subparsers(dest="step", required=True)
    mode = steps.add_parser("mode", help="use fetched hidden checks, or grade public checks only")
    mode.add_argument("--hidden-dir", type=Path, default=Path(".grader-hidden"))
    mode.add_argument("--fetched", default=os.environ.get("GRADER_HIDDEN_FETCHED", ""),
                      help="outcome of the fetch step: success, failure or skipped (default: GRADER_HIDDEN_FETCHED)")
    mode.add_argument("--secret", default=HIDDEN_SECRET, help="name of the token secret (for the summary)")
    mode.add_argument("--variable", default=HIDDEN_VARIABLE, help="name of the repository variable (for the summary)")
    done = steps.add_parser("finish", help="write the step's result output and job summary")
    done.add_argument("exercise", choices=list(exercises.EXERCISES))
    done.add_argument("--exit-code", type=int, required=True, help="exit status of `grader grade`")
    done.add_argument("--time-limit", type=float, default=float(os.environ.get("GRADER_TIME_LIMIT_S", 0) or 0),
                      help="seconds `grader grade` was given (default: GRADER_TIME_LIMIT_S)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    lang = messages.resolve_lang(None)
    if args.step == "mode":
        choose_checks(args.hidden_dir, fetched=args.fetched == "success", lang=lang, secret=args.secret,
                      variable=args.variable)
        return 0
    hidden = os.environ.get("GRADER_CHECKS", "").strip() != "--public-only"
    finish(args.exercise, exit_code=args.exit_code, limit_s=args.time_limit, hidden=hidden, lang=lang)
    return 0  # the reporter, not this step, decides whether the job passes


if __name__ == "__main__":
    sys.exit(main())
