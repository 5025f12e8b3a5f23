"""JUnit XML, as GitLab, Jenkins, Azure and most CI dashboards read it: one ``<testsuite>`` per day.

A check that is incorrect or not attempted is a ``<failure>``; one where the learner's code raised or timed out
is an ``<error>``; a skipped check is ``<skipped>``. Points, the seed and each day's figures go in
``<properties>``.

Every string goes through :func:`grader.report.visible` first: XML 1.0 forbids most control characters even as
character references, so a learner's ESC or NUL is written as the text ``\\x1b``. The document follows the
Jenkins xUnit plugin's JUnit schema (``junit-10.xsd``): ``<testsuites>`` carries no ``skipped`` attribute (each
``<testsuite>`` does).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from grader import report
from grader.results import CheckResult, ExerciseResult, GradeResult, Status

FAILURES = (Status.FAILED, Status.NOT_ATTEMPTED)
ERRORS = (Status.ERROR, Status.TIMEOUT)


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _counts(exercise: ExerciseResult) -> dict[str, str]:
    return {"tests": str(len(exercise.checks)),
            "failures": str(sum(exercise.count(s) for s in FAILURES)),
            "errors": str(sum(exercise.count(s) for s in ERRORS)),
            "skipped": str(exercise.count(Status.SKIPPED))}


def _sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    """A child element whose attribute values are made valid XML 1.0 (see :func:`grader.report.visible`)."""
    return ET.SubElement(parent, tag, {k: report.visible(v) for k, v in attributes.items()})


def _testcase(suite: ET.Element, exercise: ExerciseResult, check: CheckResult, lang: str) -> None:
    name = f"{check.id} (hidden)" if check.hidden else check.id
    case = _sub(suite, "testcase", classname=exercise.id, name=name, time=_seconds(check.duration_s))
    message = "" if check.message is None else check.message.in_lang(lang)
    kind = report.status_label(check, lang)
    detail = report.visible("\n".join([message, *check.traceback[-report.TRACEBACK_LINES:]]).strip())
    if check.status in FAILURES:
        _sub(case, "failure", message=message or kind, type=check.status.value).text = detail or kind
    elif check.status in ERRORS:
        _sub(case, "error", message=message or kind, type=check.status.value).text = detail or kind
    elif check.status == Status.SKIPPED:
        _sub(case, "skipped", message=message or kind)


def _properties(suite: ET.Element, exercise: ExerciseResult, result: GradeResult) -> None:
    props = ET.SubElement(suite, "properties")
    values = {"score": f"{exercise.score:g}", "max_score": f"{exercise.max_score:g}", "seed": str(result.seed),
              "hidden_included": str(result.hidden_included).lower(), "device": result.environment.device,
              **{f"metric.{k}": f"{v:g}" for k, v in exercise.metrics.items()}}
    for name, value in values.items():
        _sub(props, "property", name=name, value=value)


def _suite(parent: ET.Element, exercise: ExerciseResult, result: GradeResult) -> None:
    seconds = exercise.execution.kernel_start_s + exercise.execution.run_s + exercise.checks_s
    suite = _sub(parent, "testsuite", name=exercise.id, **_counts(exercise), time=_seconds(seconds),
                 timestamp=result.started_at.removesuffix("+00:00"))
    _properties(suite, exercise, result)
    for check in exercise.checks:
        _testcase(suite, exercise, check, result.lang)
    lines = report.cell_failure_lines(exercise.execution, result.lang)
    if exercise.execution.problem is not None:
        lines.insert(0, exercise.execution.problem.in_lang(result.lang))
    if lines:
        ET.SubElement(suite, "system-out").text = report.visible("\n".join(lines))


def render(result: GradeResult) -> str:
    """``grader grade --format junit``: the whole result as one ``<testsuites>`` document."""
    root = ET.Element("testsuites", name="cnn-grader", tests=str(sum(len(e.checks) for e in result.exercises)),
                      failures=str(sum(e.count(s) for e in result.exercises for s in FAILURES)),
                      errors=str(sum(e.count(s) for e in result.exercises for s in ERRORS)),
                      time=_seconds(result.duration_s))  # no `skipped` here: junit-10.xsd allows it on suites only
    for exercise in result.exercises:
        _suite(root, exercise, result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
