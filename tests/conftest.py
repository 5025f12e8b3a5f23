import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest_plugins = ["pytester"]

# Seconds each test file took in a full CI-like run (`pytest -n 3 --dist loadfile --junitxml`, summed per file;
# 2026-12-01, 15 min wall). Only the order matters: with `--dist loadfile` each file runs whole on one worker, in
# collection order as workers free up, so the longest files go first and the short ones fill in at the end (the
# longest-first rule; without it test_worker and test_batch started last and one worker idled for minutes).
# (test_corpus_cli.py: the tests moved out of test_corpus.py, their sum.) A file not listed counts as 0 s and runs
# after the listed ones. Refresh from a run's JUnit XML: the sum of <testcase time> per classname, rounded.
SECONDS = {
    "test_corpus.py": 674, "test_day97.py": 243, "test_day98.py": 240, "test_batch.py": 198, "test_worker.py": 158,
    "test_session.py": 135, "test_corpus_cli.py": 98, "test_day94.py": 82, "test_wheel.py": 79,
    "test_gradescope.py": 77, "test_regrade.py": 77, "test_day96.py": 59, "test_language.py": 50,
    "test_classroom.py": 48, "test_cli.py": 46, "test_term.py": 39, "test_day95.py": 33, "test_release.py": 31,
    "test_kernel.py": 30, "test_day93.py": 28, "test_plugin.py": 26, "test_environment.py": 23,
    "test_hostile_limits.py": 20, "test_pool.py": 19, "test_learner.py": 18, "test_diagnosis.py": 15,
    "test_discovery.py": 12, "test_sandbox.py": 9, "test_junit.py": 9,
}


def pytest_configure(config):
    """Keep the order ``pytest_collection_modifyitems`` gives: pytest-xdist's own reordering of ``--dist loadfile`` (by number of tests per
    file, ``--loadscope-reorder``, on by default) would put test_language's 900 quick tests first and the longest
    files last. Only the controlling process schedules, so this matters there only."""
    if not hasattr(config, "workerinput") and hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config, items):
    """Files longest first (``SECONDS``), the tests of a file in their own order: every worker collects the same
    order, as xdist requires."""
    rank = {}
    for item in items:
        rank.setdefault(item.path, (-SECONDS.get(item.path.name, 0), len(rank)))
    items.sort(key=lambda item: rank[item.path])


@pytest.fixture(scope="module")
def warm_kernels():
    """For a module that grades one exercise at one seed test after test (a day's planted samples): each grading
    launches the next kernel while its checks run (``grader.pool.keep_warm``), so the next test's grading finds
    it booted, as in a warm batch worker. Only for modules that assert nothing about kernels, folders or cgroups
    left while a kernel waits (``grader.pool.waiting()``); the one left waiting is closed at the module's end."""
    from grader import pool

    pool.keep_warm()
    yield
    pool.keep_warm(False)
    pool.discard()
