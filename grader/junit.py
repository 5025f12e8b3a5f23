"""JUnit XML, as GitLab, Jenkins, Azure and most CI dashboards read it: one ``<testsuite>`` per day.

A check that is incorrect or not attempted is a ``<failure>``; one where the learner's code raised or timed out
is an ``<error>``; a skipped check is ``<skipped>``. Points, the seed and each day's figures go in
``<properties>``.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from grader import messages, report
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


def _testcase(suite: ET.Element, exercise: ExerciseResult, check: CheckResult, lang: str) -> None:
    name = f"{check.id} (hidden)" if check.hidden else check.id
    case = ET.SubElement(suite, "testcase", classname=exercise.id, name=name, time=_seconds(check.duration_s))
    message = "" if check.message is None else check.message.in_lang(lang)
    kind = messages.label(messages.STATUS_LABELS, check.status.value, lang)
    detail = "\n".join([message, *check.traceback[-report.TRACEBACK_LINES:]]).strip()
    if check.status in FAILURES:
        ET.SubElement(case, "failure", message=message or kind, type=check.status.value).text = detail or kind
    elif check.status in ERRORS:
        ET.SubElement(case, "error", message=message or kind, type=check.status.value).text = detail or kind
    elif check.status == Status.SKIPPED:
        ET.SubElement(case, "skipped", message=message or kind)


def _properties(suite: ET.Element, exercise: ExerciseResult, result: GradeResult) -> None:
    props = ET.SubElement(suite, "properties")
    values = {"score": f"{exercise.score:g}", "max_score": f"{exercise.max_score:g}", "seed": str(result.seed),
              "hidden_included": str(result.hidden_included).lower(), "device": result.environment.device,
              **{f"metric.{k}": f"{v:g}" for k, v in exercise.metrics.items()}}
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=value)


def _suite(parent: ET.Element, exercise: ExerciseResult, result: GradeResult) -> None:
    seconds = exercise.execution.kernel_start_s + exercise.execution.run_s + exercise.checks_s
    suite = ET.SubElement(parent, "testsuite", name=exercise.id, **_counts(exercise), time=_seconds(seconds),
                          timestamp=result.started_at.removesuffix("+00:00"))
    _properties(suite, exercise, result)
    for check in exercise.checks:
        _testcase(suite, exercise, check, result.lang)
    lines = report.cell_failure_lines(exercise.execution, result.lang)
    if exercise.execution.problem is not None:
        lines.insert(0, exercise.execution.problem.in_lang(result.lang))
    if lines:
        ET.SubElement(suite, "system-out").text = "\n".join(lines)


def render(result: GradeResult) -> str:
    """``grader grade --format junit``: the whole result as one ``<testsuites>`` document."""
    root = ET.Element("testsuites", name="cnn-grader", tests=str(sum(len(e.checks) for e in result.exercises)),
                      failures=str(sum(e.count(s) for e in result.exercises for s in FAILURES)),
                      errors=str(sum(e.count(s) for e in result.exercises for s in ERRORS)),
                      skipped=str(sum(e.count(Status.SKIPPED) for e in result.exercises)),
                      time=_seconds(result.duration_s))
    for exercise in result.exercises:
        _suite(root, exercise, result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
