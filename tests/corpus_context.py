"""What the corpus tests (tests/test_corpus.py, tests/test_corpus_cli.py) share: the seed, the places a hostile
entry aims at (``ctx``, with a loopback ``server`` that counts connections) and a short folder for the grader's
temporary folders. Imported by both modules, so each gets its own module-scoped instances."""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from grader import exercise as exercises

SEED = 7
STARTUP_ALLOWANCE_S = 90  # kernel starts (up to 4 with restarts), checks and calls, on top of the notebook's limit


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


def _plant(path: Path, data: bytes, *, mode: int = 0o644) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(mode)
    return str(path)


@pytest.fixture(scope="module")
def ctx(server, tmp_path_factory):
    """What the cases aim at, all outside any working copy and owned by the grader's user: places a learner
    would like to write, world-readable places outside the kernel's allow-list (another checkout of the
    repository beside this one, a dataset copy, a batch's submissions and --out folders under the host's /tmp),
    and a root-only sentinel file (mode 600) and folder (mode 700) whose content, owner and mode must not change."""
    token = secrets.token_hex(6)
    outside = [f"/tmp/corpus-{token}", f"/var/tmp/corpus-{token}", f"/dev/shm/corpus-{token}",
               str(Path.home() / f"corpus-{token}"), str(exercises.ROOT / f"corpus-{token}"),
               str(exercises.PACKAGE_DIR / "hidden" / f"corpus-{token}")]
    checkout = exercises.ROOT.parent / f"corpus-checkout-{token}"
    klass = Path("/tmp") / f"corpus-class-{token}"
    copy = Path.home() / f"corpus-datasets-{token}"
    sentinel_dir = Path(tempfile.mkdtemp(prefix="corpus-sentinel-", dir="/var/tmp"))
    places = {
        "checkout_solution": _plant(checkout / "solutions" / "day93" / "day93.ipynb",
                                    exercises.get("day93").solution.read_bytes()),
        "checkout_hidden": _plant(checkout / "grader" / "hidden" / "day93.py",
                                  (exercises.PACKAGE_DIR / "hidden" / "day93.py").read_bytes()),
        "dataset_copy": _plant(copy / "mnist" / "mnist.npz", b"test labels"),
        "classmate": _plant(klass / "submissions" / "alice" / "day93" / "day93.ipynb",
                            exercises.get("day93").solution.read_bytes()),
        "out_result": _plant(klass / "out" / "learners" / "alice" / "result.json", b'{"score": 14}'),
        "sentinel_file": _plant(Path(tempfile.mkdtemp(prefix="corpus-sentinel-file-", dir="/var/tmp")) / "secret",
                                b"root only", mode=0o600),
        "sentinel_dir": str(sentinel_dir),
    }
    _plant(sentinel_dir / "inside", b"root only", mode=0o600)
    sentinel_dir.chmod(0o700)
    for folder in (checkout, klass, copy):
        for current, _, _ in os.walk(folder):
            os.chmod(current, 0o755)
    listed = [str(klass / "out"), str(klass / "out" / "learners"), str(klass / "submissions"),
              str(klass / "submissions" / "alice"), str(checkout), str(copy)]
    yield {"outside": outside, "port": server[0], "sentinel": f"/tmp/corpus-payload-{token}",
           "hidden": str(exercises.PACKAGE_DIR / "hidden" / "day93.py"),
           "solution": str(exercises.get("day93").solution), "labels": str(exercises.ROOT / "datasets" / "mnist" / "mnist.npz"),
           "target": str(exercises.PACKAGE_DIR / "hidden" / "day93.py"), "accepted": server[1],
           "checkout": str(checkout), "listed": listed, **places}
    for path in [*outside, f"/tmp/corpus-payload-{token}"]:
        Path(path).unlink(missing_ok=True)
    for folder in (checkout, klass, copy, sentinel_dir, Path(places["sentinel_file"]).parent):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def _sessions_root():
    """A short folder for the grader's temporary folders (kernel sockets live there: 107 bytes at most)."""
    root = Path(tempfile.mkdtemp(prefix="cs-"))
    SESSIONS.append(root)
    yield
    shutil.rmtree(root, ignore_errors=True)


SESSIONS: list[Path] = []


def short_sessions_folder(monkeypatch) -> Path:
    folder = Path(tempfile.mkdtemp(dir=SESSIONS[-1]))
    if monkeypatch is not None:
        monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder
