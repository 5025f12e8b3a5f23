import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

pytest_plugins = ["pytester"]

# Seconds each test file took in a full CI-like run (`pytest -n 3 --dist loadfile --junitxml`, summed per file;
# 2026-12-01, 26 min wall on a 2-core machine about 1.8 times slower than CI's usual one; test_corpus.py less the
# 72 s its dict_million_keys entry no longer takes). Only the order matters: with `--dist loadfile` each file runs
# whole on one worker, in collection order as workers free up, so the longest files go first and the short ones
# fill in at the end (the longest-first rule; without it test_worker and test_batch started last and one worker
# idled for minutes). A file not listed counts as 0 s and runs after the listed ones. Refresh from a run's JUnit
# XML: the sum of <testcase time> per classname, rounded.
SECONDS = {
    "test_corpus.py": 991, "test_day98.py": 583, "test_day97.py": 538, "test_batch.py": 285, "test_worker.py": 234,
    "test_session.py": 163, "test_regrade.py": 155, "test_gradescope.py": 150, "test_day94.py": 123,
    "test_corpus_cli.py": 120, "test_day96.py": 118, "test_wheel.py": 117, "test_cli.py": 98,
    "test_classroom.py": 98, "test_release.py": 93, "test_language.py": 84, "test_term.py": 77, "test_day95.py": 75,
    "test_day93.py": 74, "test_kernel.py": 70, "test_diagnosis.py": 51, "test_plugin.py": 48,
    "test_hostile_limits.py": 45, "test_environment.py": 41, "test_learner.py": 35, "test_pool.py": 34,
    "test_discovery.py": 28, "test_junit.py": 21, "test_sandbox.py": 18, "test_weightless_models.py": 14,
    "test_grader_faults.py": 9,
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
