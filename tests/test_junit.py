"""JUnit XML: parsed with the standard library, its counts equal the canonical JSON's."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import samples
from grader import exercise as exercises
from grader import junit
from grader.environment import describe
from grader.results import CheckResult, Execution, ExerciseResult, GradeResult, Status, Text

FAILURE = {"failed", "not_attempted"}
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
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == _counts(checks)
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
        {"tests": "6", "failures": "2", "errors": "2", "skipped": "1"}
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert [child.tag for child in cases["passed"]] == []
    assert cases["failed"].find("failure").get("message") == "failed <&>"
    assert cases["not_attempted"].find("failure").get("type") == "not_attempted"
    assert cases["error (hidden)"].find("error") is not None and cases["timeout"].find("error") is not None
    assert cases["skipped"].find("skipped") is not None and cases["passed"].get("time") == "0.250"
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["metric.test_accuracy"] == "0.5" and props["score"] == "1"
