"""Every hostile or broken submission of tests/corpus.py, graded twice, must be contained.

Contained means: the same score both times, exactly what the honest parts earn (never more), the grader
process survives with bounded memory, every run ends within the case's time limits, a learner-readable
sentence says what happened, no file appears outside the working copy, no network connection is made, and
a batch of the class-level entries loses no learner (tests/test_corpus_cli.py: the same entries through
`grader grade` and in a class batch). The last test renders SECURITY.md from this run's outcomes
and compares it with the committed file (``GRADER_WRITE_SECURITY=1`` writes it instead: see
``benchmarks/security_report.py``), so the published table is never written by hand.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
from pathlib import Path

import pytest

from corpus import BATCH_CASES, CASES, observe
from corpus_context import SEED, STARTUP_ALLOWANCE_S, ctx, server, short_sessions_folder, _sessions_root  # noqa: F401
from grader import exercise as exercises
from grader import report, sandbox
from grader.grading import grade
from grader.results import to_json
from grader.results import Status
from security import render, security_path

OUTCOMES: dict[str, dict] = {}


def rss_peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def sentinel_state(ctx) -> dict:
    """Content, owner and mode of the root-only sentinels, and of everything inside the sentinel folder."""
    state = {}
    for path in [Path(ctx["sentinel_file"]), Path(ctx["sentinel_dir"]), *sorted(Path(ctx["sentinel_dir"]).iterdir())]:
        info = path.lstat()
        state[str(path)] = (info.st_uid, info.st_gid, oct(info.st_mode), path.read_bytes() if path.is_file() else None)
    return state


def cgroups_left() -> list[str]:
    """This process's kernel cgroups (``grader-PID-*``) still present under /sys/fs/cgroup (3 levels deep)."""
    prefix, found = f"grader-{os.getpid()}-", []
    for folder, subfolders, _ in os.walk("/sys/fs/cgroup"):
        found += [os.path.join(folder, s) for s in subfolders if s.startswith(prefix)]
        subfolders[:] = [s for s in subfolders if folder.count("/") < 5 and not s.startswith(prefix)]
    return found


def render_everywhere(result) -> dict[str, str]:
    """Every report format of ``result``; a renderer that raises fails the case."""
    from rich.console import Console

    rendered = {name: render(result) for name, render in report.RENDERERS.items()}
    console = Console(record=True, width=120, force_terminal=True, color_system="truecolor", file=io.StringIO())
    report.print_terminal(result, console=console)
    rendered["terminal"] = console.export_text()
    return rendered


def assert_learner_text_is_text(rendered: dict[str, str]) -> None:
    """Learner text never becomes markup: no score-like heading, no bold fake total, no live HTML tag."""
    for name in ("md", "classroom"):
        lines = [line.strip() for line in rendered.get(name, "").splitlines()]
        assert not [line for line in lines if re.match(r"^#+\s*Total: 140", line)], f"{name}: a learner heading"
        assert "**bold**" not in rendered.get(name, "") or "\\*\\*bold" in rendered[name], f"{name}: markup"
    assert "<script>" not in rendered.get("html", ""), "html: a live script tag from the learner"
    assert "<script>" not in rendered.get("junit", ""), "junit: unescaped markup"
    assert not [line for line in rendered["terminal"].splitlines() if line.strip().startswith("Total: 140")]


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
def test_corpus_entry_is_contained(case, tmp_path, ctx, monkeypatch):
    path = case.build(tmp_path, ctx)
    sessions = short_sessions_folder(monkeypatch)  # the grader's temporary folders for this case: none may stay
    before_files, before_peak, accepted = protected_files(), rss_peak_kb(), len(ctx["accepted"])
    before_sentinels = sentinel_state(ctx)
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        graded = grade(path, seed=SEED, lang="en", cell_timeout_s=case.cell_timeout_s,
                       total_timeout_s=case.total_timeout_s)
        runs.append((graded, time.perf_counter() - began))
    (graded, first_s), (second_graded, second_s) = runs
    first, second = graded.exercises[0], second_graded.exercises[0]
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
    assert sentinel_state(ctx) == before_sentinels, f"{case.name} changed a root-only file or folder outside"
    assert len(ctx["accepted"]) == accepted, f"{case.name} reached the grader's loopback network"
    assert json.loads(to_json(graded))["exercises"][0]["score"] == first.score
    assert_learner_text_is_text(render_everywhere(graded))
    assert list(sessions.iterdir()) == [], f"{case.name} left temporary folders: {list(sessions.iterdir())}"
    assert sandbox.descendants(os.getpid()) == set(), f"{case.name} left processes behind"
    assert cgroups_left() == [], f"{case.name} left cgroups behind"
    OUTCOMES[case.name]["contained"] = True


def test_batch_bookkeeping_entries_lose_no_learner(tmp_path, ctx):
    """The class-level entries (``BATCH_CASES``) in one class folder beside an honest learner: discovery stays
    bounded, every learner is graded or failed with a reason (none vanishes), gradebook.csv has a row each."""
    import csv

    from grader import batch

    folder = tmp_path / "class"
    (folder / "honest" / "day93").mkdir(parents=True)
    (folder / "honest" / "day93" / "day93.ipynb").write_bytes(exercises.get("day93").solution.read_bytes())
    for case in BATCH_CASES:
        case.build(folder, ctx)
    began = time.perf_counter()
    result = batch.run_batch(folder, out=tmp_path / "out", workers=1, seed=SEED, cell_timeout_s=10, timeout_s=120,
                             progress=False)
    wall = time.perf_counter() - began
    learners = 1 + sum(c.submissions for c in BATCH_CASES)
    accounted = [*result.graded, *(learner for learner, _ in result.failed)]
    assert len(set(accounted)) == len(accounted) == learners, f"learners lost or merged: {result.line()}"
    with open(tmp_path / "out" / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == learners, f"gradebook.csv has {len(rows)} rows for {learners} learners"
    assert wall < 600
    reasons = dict(result.failed)
    for case in BATCH_CASES:
        OUTCOMES[case.name] = {"observed": f"{len(result.graded)} graded, {len(result.failed)} failed with a reason: "
                                           + "; ".join(sorted(r.en for r in reasons.values()))[:200], "contained": True}


def test_security_md_is_this_runs_table():
    """SECURITY.md must be exactly what this run's outcomes render (run the whole file to compare)."""
    everything = (*CASES, *BATCH_CASES)
    if len(OUTCOMES) != len(everything) or not all(o.get("contained") for o in OUTCOMES.values()):
        pytest.fail(f"only {sum(bool(o.get('contained')) for o in OUTCOMES.values())} of {len(everything)} corpus "
                    "entries were graded and contained in this run; SECURITY.md cannot be checked")
    text = render(everything, OUTCOMES, OUTCOMES["infinite_loop"]["sandbox"])
    if os.environ.get("GRADER_WRITE_SECURITY") == "1":
        security_path().write_text(text, encoding="utf-8")
    assert security_path().read_text(encoding="utf-8") == text, \
        "SECURITY.md differs from this run: regenerate it with python benchmarks/security_report.py"


def test_every_kind_of_attack_has_more_than_one_entry():
    """SECURITY.md's threat model names each kind of attack; kinds 1-6 are each tried by several entries."""
    from security import KINDS

    names = {c.name for c in (*CASES, *BATCH_CASES)}
    assert len(names) == len(CASES) + len(BATCH_CASES) >= 70, "corpus entries must be at least 70, uniquely named"
    for title, _, entries in KINDS[:6]:
        assert len(entries) > 1 and set(entries) <= names, f"{title}: {sorted(set(entries) - names)}"
