"""Regenerate SECURITY.md from a fresh run of the corpus: grades every entry of tests/corpus.py twice and
writes the table of what was tried, expected, observed and contained (tests/test_corpus.py checks it).

    python benchmarks/security_report.py
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    env = {**os.environ, "GRADER_WRITE_SECURITY": "1"}
    sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", str(ROOT / "tests" / "test_corpus.py")],
                             cwd=ROOT, env=env))
