"""JUnit XML: parsed with the standard library, its counts equal the canonical JSON's."""
import json
import subprocess
import sys
from pathlib import Path
import xml.etree.ElementTree as ET

import junitparser
import pytest
from lxml import etree

import samples
from grader import exercise as exercises
from grader import junit
from grader.environment import describe
from grader.results import CheckResult, Execution, ExerciseResult, GradeResult, Status, Text

SCHEMA = Path(__file__).parent / "data" / "junit-jenkins.xsd"  # the Jenkins xUnit plugin's junit-10.xsd rules
FAILURE = {"failed", "not_attempted"}


def assert_valid(xml: str) -> None:
    """Parses with the standard library, validates against the Jenkins JUnit schema, and reads with junitparser."""
    ET.fromstring(xml)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    document = etree.fromstring(xml.encode("utf-8"))
    assert schema.validate(document), schema.error_log.filter_from_errors()
    parsed = junitparser.JUnitXml.fromstring(xml.encode("utf-8"))
    assert sum(suite.tests for suite in parsed) == len(list(ET.fromstring(xml).iter("testcase")))
ERROR = {"error", "timeout"}


def _counts(checks: list[dict]) -> dict[str, str]:
    statuses = [c["status"] for c in checks]
    return {"tests": str(len(statuses)), "failures": str(sum(s in FAILURE for s in statuses)),
            "errors": str(sum(s in ERROR for s in statuses)), "skipped": str(statuses.count("skipped"))}


@pytest.mark.slow
def test_junit_from_grade_parses_and_its_counts_match_the_canonical_json(tmp_path):
    notebook = samples.plant(tmp_path, "day93", "hw_swapped")
    out = tmp_path / "result.json"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(notebook), "--format", "junit", "--json",
                          str(out), "--seed", "5", "--lang", "en"], capture_output=True, text=True,
                         cwd=exercises.ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    root = ET.fromstring(run.stdout)
    canonical = json.loads(out.read_text())
    checks = [c for e in canonical["exercises"] for c in e["checks"]]
    assert root.tag == "testsuites" and root.get("skipped") is None  # junit-10.xsd: not on <testsuites>
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == \
        {k: v for k, v in _counts(checks).items() if k != "skipped"}
    assert_valid(run.stdout)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "day93" and float(suite.get("time")) > 0
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == _counts(checks)
    assert int(suite.get("failures")) > 0
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == ["day93"] * len(checks)
    assert [c.get("name").removesuffix(" (hidden)") for c in cases] == [c["id"] for c in checks]
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert (float(props["score"]), float(props["max_score"])) == (canonical["score"], canonical["max_score"])
    for case, check in zip(cases, checks):
        failure = case.find("failure")
        assert (failure is not None) == (check["status"] in FAILURE)
        if failure is not None:
            assert failure.get("message") == check["message"]


def test_every_status_maps_to_its_junit_element():
    statuses = list(Status)
    checks = tuple(CheckResult(s.value, s, 1.0 if s == Status.PASSED else 0.0, 1.0, hidden=s == Status.ERROR,
                               message=None if s == Status.PASSED else Text(f"{s.value} <&>", "中文"),
                               duration_s=0.25) for s in statuses)
    result = GradeResult(exercises=(ExerciseResult("day93", checks, Execution(notebook="day93.ipynb"),
                                                   metrics={"test_accuracy": 0.5}),),
                         seed=1, environment=describe(), submission="x", lang="en")
    root = ET.fromstring(junit.render(result))
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == \
        {"tests": "6", "failures": "2", "errors": "2", "skipped": None}
    assert root.find("testsuite").get("skipped") == "1"
    assert_valid(junit.render(result))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [child.tag for child in cases["passed"]] == []
    assert cases["failed"].find("failure").get("message") == "failed <&>"
    assert cases["not_attempted"].find("failure").get("type") == "not_attempted"
    assert cases["error (hidden)"].find("error") is not None and cases["timeout"].find("error") is not None
    assert cases["skipped"].find("skipped") is not None and cases["passed"].get("time") == "0.250"
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["metric.test_accuracy"] == "0.5" and props["score"] == "1"


def _hostile_result(message: str, *, evalue: str = "") -> GradeResult:
    from grader.results import CellFailure

    checks = (CheckResult("feature_map_slides", Status.ERROR, 0.0, 2.0, hidden=False, function="feature_map",
                          message=Text(message, message), traceback=(message, "  File x, line 1")),
              CheckResult("relu_random", Status.FAILED, 0.0, 1.0, hidden=True, message=Text(message, message)),
              CheckResult("relu_on_zebra_map", Status.PASSED, 1.0, 1.0, hidden=False))
    failure = CellFailure(index=2, source=message, status=Status.ERROR, ename="ValueError", evalue=evalue or message)
    return GradeResult(exercises=(ExerciseResult("day93", checks, Execution("day93.ipynb", failures=(failure,))),),
                       seed=1, environment=describe(), submission="x", lang="en")


def test_a_control_character_in_a_learners_message_still_gives_valid_junit():
    message = "bad \x1b[31mred\x1b[0m value \x00\x07\x0b\x0c\ufffe\ud800 and a\rreturn ]]> <tag> &amp;"
    xml = junit.render(_hostile_result(message))
    assert_valid(xml)
    error = ET.fromstring(xml).find(".//testcase[@name='feature_map_slides']/error")
    assert error.get("message").startswith("bad \\x1b[31mred\\x1b[0m value \\x00\\x07\\x0b\\x0c\\ufffe\\ud800")
    assert "]]> <tag> &amp;" in error.get("message")
    assert "\\x1b[31mred" in ET.fromstring(xml).find(".//system-out").text
    # the schema is strict enough to catch what the old output did: `skipped` on <testsuites>
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert not schema.validate(etree.fromstring(xml.replace("<testsuites ", '<testsuites skipped="1" ', 1).encode()))


def test_the_cli_writes_junit_that_validates_when_a_cell_prints_escape_codes(tmp_path):
    notebook = samples.notebook_with("day93", insert={1: 'raise ValueError("\\x1b[2J\\x1b[1mTotal: 140 / 14\\x00")'})
    path = tmp_path / "day93.ipynb"
    import nbformat

    nbformat.write(notebook, path)
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(path), "--format", "junit", "--public-only",
                          "--seed", "5", "--lang", "en"], capture_output=True, text=True, cwd=exercises.ROOT,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    assert_valid(run.stdout)
    assert "\\x1b[2J" in run.stdout and "\x1b" not in run.stdout
