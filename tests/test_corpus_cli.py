"""Hostile entries of tests/corpus.py through the other ways in: ``grader grade`` as CI runs it, a class batch
holding corpus entries; the sandbox report and the size cap. Split from tests/test_corpus.py (which grades every
entry twice in-process and renders SECURITY.md) so that the two run on both pytest-xdist workers at once."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from corpus import CASES
from corpus_context import SEED, STARTUP_ALLOWANCE_S, ctx, server, short_sessions_folder, _sessions_root  # noqa: F401
from grader import exercise as exercises
from grader.grading import grade


CLI_CASES = ("other_checkout_solution", "result_links", "result_fifo", "int_2_64", "npy_9_tib", "keras_zip_bomb",
             "forged_stream_int", "deep_home_then_crash", "check_breaker_dict_for_number", "markup_in_exception")


@pytest.mark.parametrize("name", CLI_CASES)
def test_the_cli_exits_0_with_a_json_for_hostile_entries(name, tmp_path, ctx):
    """One entry of each kind through ``grader grade PATH --json``, as CI runs it: exit 0, a JSON result."""
    case = next(c for c in CASES if c.name == name)
    path = case.build(tmp_path, ctx)
    env = {**os.environ, "TMPDIR": str(short_sessions_folder(None))}
    done = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(path), "--json", str(tmp_path / "r.json"),
                           "--seed", str(SEED), "--lang", "en", "--format", "md",
                           "--cell-timeout", str(case.cell_timeout_s), "--total-timeout", str(case.total_timeout_s)],
                          capture_output=True, text=True, timeout=case.total_timeout_s + 2 * STARTUP_ALLOWANCE_S,
                          env=env)
    assert done.returncode == 0, f"{name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    data = json.loads((tmp_path / "r.json").read_text())
    exercise = data["exercises"][0]
    honest = sum(c["max_score"] for c in exercise["checks"] if c.get("function") not in case.lost)
    assert exercise["score"] <= honest
    assert not [line for line in done.stdout.splitlines() if re.match(r"^#+\s*Total: 140", line.strip())]


def test_the_sandbox_report_says_what_was_applied(tmp_path):
    result = grade(exercises.get("day93").solution, seed=SEED).exercises[0]
    sandbox = result.execution.sandbox
    assert sandbox["network"] in ("cut", "open") and "limits" in sandbox
    assert sandbox["limits"]["memory_bytes"] > 0 and sandbox["rlimits"]["RLIMIT_CORE"] == 0
    if os.geteuid() == 0:  # root can always unshare: the full sandbox must be there
        assert sandbox["network"] == "cut" and sandbox["pid_namespace"] is True
        assert sandbox["user"].startswith("uid ")
        assert str(exercises.PACKAGE_DIR / "hidden") in sandbox["hidden"]
    assert result.score == result.max_score


def test_a_notebook_over_the_size_cap_is_refused_before_anything_runs(tmp_path, ctx):
    case = next(c for c in CASES if c.name == "notebook_100mb")
    path = case.build(tmp_path, ctx)
    assert path.stat().st_size > 100 * 2**20
    result = grade(path, seed=SEED).exercises[0]
    assert result.execution.kernel_start_s == 0 and result.execution.cells_run == 0, "a kernel was started"
    assert "over the 50 MB limit" in result.execution.problem.en and result.score == 0


def test_a_batch_holding_corpus_entries_loses_nothing(tmp_path, ctx):
    from grader import batch

    names = ("not_valid_json", "os_exit", "infinite_loop", "forged_result_files", "fork_bomb", "write_outside")
    folder = tmp_path / "class"
    for name in names:
        case = next(c for c in CASES if c.name == name)
        built = case.build(tmp_path / "built", ctx)
        (folder / name / "day93").mkdir(parents=True)
        (folder / name / "day93" / "day93.ipynb").write_bytes(built.read_bytes())
    result = batch.run_batch(folder, out=tmp_path / "out", workers=1, seed=SEED, cell_timeout_s=3,
                             timeout_s=120, progress=False)
    assert set(result.graded) == set(names), f"lost or failed in the batch: {result.failed}"
    escaped = [p for p in ctx["outside"] if os.path.exists(p)]
    assert not escaped
