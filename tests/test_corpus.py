"""Every hostile or broken submission of tests/corpus.py, graded twice, must be contained.

Contained means: the same score both times, exactly what the honest parts earn (never more), the grader
process survives with bounded memory, every run ends within the case's time limits, a learner-readable
sentence says what happened, no file appears outside the working copy, no network connection is made, and
a batch holding corpus entries loses nothing. The last test renders SECURITY.md from this run's outcomes
and compares it with the committed file (``GRADER_WRITE_SECURITY=1`` writes it instead: see
``benchmarks/security_report.py``), so the published table is never written by hand.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import socket
import threading
import time
from pathlib import Path

import pytest

from corpus import CASES, observe
from grader import exercise as exercises
from grader import report
from grader.grading import grade
from grader.results import Status
from security import render, security_path

SEED = 7
OUTCOMES: dict[str, dict] = {}
STARTUP_ALLOWANCE_S = 90  # kernel starts (up to 4 with restarts), checks and calls, on top of the notebook's limit


def rss_peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


@pytest.fixture(scope="module")
def server():
    """A TCP server on the grader's loopback; it counts every connection it accepts."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection.recv(100))
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture(scope="module")
def ctx(server):
    token = secrets.token_hex(6)
    outside = [f"/tmp/corpus-{token}", f"/var/tmp/corpus-{token}", f"/dev/shm/corpus-{token}",
               str(Path.home() / f"corpus-{token}"), str(exercises.ROOT / f"corpus-{token}"),
               str(exercises.PACKAGE_DIR / "hidden" / f"corpus-{token}")]
    yield {"outside": outside, "port": server[0], "sentinel": f"/tmp/corpus-payload-{token}",
           "hidden": str(exercises.PACKAGE_DIR / "hidden" / "day93.py"),
           "solution": str(exercises.get("day93").solution), "labels": str(exercises.ROOT / "datasets" / "mnist" / "mnist.npz"),
           "target": str(exercises.PACKAGE_DIR / "hidden" / "day93.py"), "accepted": server[1]}
    for path in [*outside, f"/tmp/corpus-payload-{token}"]:
        Path(path).unlink(missing_ok=True)


def protected_files() -> dict[str, str]:
    """Digests of the files a submission would most like to change."""
    files = [exercises.PACKAGE_DIR / "hidden" / "day93.py", exercises.get("day93").solution]
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def sentences(result) -> str:
    execution = result.execution
    said = [] if execution.problem is None else [execution.problem.en]
    said += report.cell_failure_lines(execution, "en") + [f.note.en for f in execution.failures if f.note]
    said += [c.message.en for c in result.checks if c.message is not None]
    return "\n".join(said)


def honest_score(case, result) -> float:
    return sum(c.max_score for c in result.checks if c.function not in case.lost)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_entry_is_contained(case, tmp_path, ctx):
    path = case.build(tmp_path, ctx)
    before_files, before_peak, accepted = protected_files(), rss_peak_kb(), len(ctx["accepted"])
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        result = grade(path, seed=SEED, lang="en", cell_timeout_s=case.cell_timeout_s,
                       total_timeout_s=case.total_timeout_s).exercises[0]
        runs.append((result, time.perf_counter() - began))
    (first, first_s), (second, second_s) = runs
    honest = honest_score(case, first)
    observed = observe(first)
    OUTCOMES[case.name] = {"observed": observed, "seconds": round(max(first_s, second_s), 1),
                           "sandbox": first.execution.sandbox}
    assert first.score == second.score, f"{case.name}: graded twice, scored {first.score} then {second.score}"
    assert observe(second) == observed
    assert first.score == honest, f"{case.name}: scored {first.score}, the honest parts earn {honest}: {observed}"
    assert max(first_s, second_s) < case.total_timeout_s + STARTUP_ALLOWANCE_S
    assert rss_peak_kb() - before_peak < 1024 * 1024, "the grader's memory grew by more than 1 GiB"
    assert case.says in sentences(first), f"{case.name}: no sentence says {case.says!r}:\n{sentences(first)}"
    if first.score < first.max_score:
        assert sentences(first).strip(), "a lost point must be explained to the learner"
    escaped = [p for p in [*ctx["outside"], ctx["sentinel"]] if os.path.exists(p)]
    assert not escaped, f"{case.name} wrote outside its working copy: {escaped}"
    assert protected_files() == before_files
    assert len(ctx["accepted"]) == accepted, f"{case.name} reached the grader's loopback network"
    OUTCOMES[case.name]["contained"] = True


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


def test_a_notebook_over_the_size_cap_is_refused_quickly(tmp_path, ctx):
    case = next(c for c in CASES if c.name == "notebook_100mb")
    path = case.build(tmp_path, ctx)
    assert path.stat().st_size > 100 * 2**20
    began = time.perf_counter()
    result = grade(path, seed=SEED).exercises[0]
    assert time.perf_counter() - began < 10
    assert "larger than" in result.execution.problem.en and result.score == 0


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


def test_security_md_is_this_runs_table():
    """SECURITY.md must be exactly what this run's outcomes render (run the whole file to compare)."""
    if len(OUTCOMES) != len(CASES) or not all(o.get("contained") for o in OUTCOMES.values()):
        pytest.fail(f"only {sum(bool(o.get('contained')) for o in OUTCOMES.values())} of {len(CASES)} corpus "
                    "entries were graded and contained in this run; SECURITY.md cannot be checked")
    text = render(CASES, OUTCOMES, OUTCOMES["infinite_loop"]["sandbox"])
    if os.environ.get("GRADER_WRITE_SECURITY") == "1":
        security_path().write_text(text, encoding="utf-8")
    assert security_path().read_text(encoding="utf-8") == text, \
        "SECURITY.md differs from this run: regenerate it with python benchmarks/security_report.py"
