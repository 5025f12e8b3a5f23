"""The kernel's file-system view is an allow-list: proved from inside a real sandboxed kernel.

Files are planted, world-readable so that only the view can keep them out, in places a learner would look:
a sibling folder of the repository (another checkout with its solutions and hidden checks), a folder under the
host's ``/tmp`` and ``/var/tmp``, a copy of the datasets in the grader's HOME, the repository's own
``solutions/``, ``datasets/`` and ``.git``, and, during a batch, the submissions folder (a classmate's notebook)
and the ``--out`` folder. A cell in the kernel tries ``os.listdir``, ``open``, ``os.stat`` and ``glob`` on each,
and walks every folder of its view but the system's, looking for the planted token in any name; the kernel must
find nothing, while it can still read its own notebook, import NumPy and the grader's public package.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grader import exercise as exercises
from grader.kernel import Kernel, kernel_env

PROBE = r'''
import glob, json, os, sys
TARGETS = json.loads({targets!r})
TOKEN = {token!r}
found = []
for target in TARGETS:
    for name, probe in (("listdir", os.listdir), ("stat", os.stat), ("open", lambda p: open(p, "rb").read(1)),
                        ("glob", lambda p: glob.glob(p + "/*") or glob.glob(p) or (_ for _ in ()).throw(OSError()))):
        try:
            probe(target)
            found.append([name, target])
        except OSError:
            pass
SKIP = ("/proc", "/sys", "/usr", sys.base_prefix, sys.prefix)
for folder, subfolders, files in os.walk("/"):
    subfolders[:] = [s for s in subfolders if not os.path.join(folder, s).startswith(SKIP)]
    found += [["walk", os.path.join(folder, n)] for n in subfolders + files if TOKEN in n]
import numpy, grader
own = [os.path.exists({notebook!r}), os.path.isfile(os.path.join(os.path.dirname(grader.__file__), "checks.py")),
       os.listdir(os.path.join(os.path.dirname(grader.__file__), "hidden"))]
repository = os.path.dirname(os.path.dirname(grader.__file__))
skeleton = {{p: sorted(os.listdir(p)) for p in (repository, os.path.dirname(repository)) if os.path.isdir(p)}}
raise RuntimeError("probe: " + json.dumps({{"found": found, "own": own, "root": sorted(os.listdir("/")),
                                          "skeleton": skeleton, "cwd": os.getcwd()}}))
'''
SYSTEM_TOP = {"bin", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "opt", "proc", "root", "sbin", "sys",
              "tmp", "usr", "var"}


def _plant(folder: Path, token: str, files: dict[str, bytes]) -> list[str]:
    """World-readable files under ``folder`` (mode 755 folders, 644 files); the paths to probe."""
    planted = [str(folder)]
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o644)
        planted += [str(path.parent), str(path)]
    for current, _, _ in os.walk(folder):
        os.chmod(current, 0o755)
    return sorted(set(planted))


@pytest.fixture(scope="module")
def planted():
    """Places outside the allowed set, each holding a file whose name carries the token."""
    token = f"probe{secrets.token_hex(5)}"
    solution = exercises.get("day93").solution.read_bytes()
    hidden = (exercises.PACKAGE_DIR / "hidden" / "day93.py").read_bytes()
    places = {
        exercises.ROOT.parent / f"checkout-{token}": {f"solutions/day93/{token}.ipynb": solution,
                                                      f"grader/hidden/{token}.py": hidden},
        Path("/tmp") / f"host-tmp-{token}": {f"{token}.txt": b"secret"},
        Path("/var/tmp") / f"host-var-tmp-{token}": {f"{token}.txt": b"secret"},
        Path.home() / f"datasets-copy-{token}": {f"mnist/{token}.npz": b"labels"},
    }
    targets = []
    for folder, files in places.items():
        targets += _plant(folder, token, files)
    targets += [str(exercises.get("day93").solution), str(exercises.ROOT / "solutions"),
                str(exercises.ROOT / "datasets"), str(exercises.ROOT / ".git"), str(exercises.ROOT / "README.md"),
                str(exercises.PACKAGE_DIR / "hidden" / "day93.py")]
    yield token, targets
    for folder in places:
        shutil.rmtree(folder, ignore_errors=True)


def _probe_cell(token: str, targets: list[str], notebook: str) -> str:
    return PROBE.format(targets=json.dumps(targets), token=token, notebook=notebook)


def _verdict(evalue: str) -> dict:
    assert evalue.startswith("probe: "), evalue
    return json.loads(evalue[len("probe: "):])


def _assert_nothing_found(verdict: dict) -> None:
    assert verdict["found"] == [], f"the kernel reached what it must not: {verdict['found']}"
    assert verdict["own"] == [True, True, []], "the kernel must still read its notebook and the public package"
    python_top = {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, exercises.PACKAGE_DIR)}
    assert set(verdict["root"]) <= SYSTEM_TOP | python_top, f"the kernel's / holds more than the system: {verdict['root']}"
    repository = str(exercises.PACKAGE_DIR.parent)
    assert verdict["skeleton"][repository] == ["grader"], "only the grader package of the checkout is in view"
    beside = Path(repository).parent
    own_session = Path(verdict["cwd"]).parent  # its own session folder is bound at the same path, so its way there shows
    ways = {own_session.relative_to(beside).parts[0]} if own_session.is_relative_to(beside) else set()
    assert set(verdict["skeleton"][str(beside)]) - ways == {Path(repository).name}, verdict["skeleton"]


def test_a_kernel_sees_nothing_outside_the_allow_list(tmp_path, planted):
    token, targets = planted
    (tmp_path / "work").mkdir()
    (tmp_path / "home").mkdir()
    (tmp_path / "work" / "day93.ipynb").write_text("{}")
    began = time.perf_counter()
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={})) as kernel:
        started = time.perf_counter() - began
        run = kernel.run(_probe_cell(token, targets, str(tmp_path / "work" / "day93.ipynb")), timeout=120)
        view = kernel.sandbox
    print(f"kernel start {started:.2f} s, of which the allow-list view {view.get('view_ms')} ms")
    assert view["filesystem"].startswith("allow-list"), view
    assert str(exercises.PACKAGE_DIR / "hidden") in view["hidden"]
    assert run.outcome == "error" and run.ename == "RuntimeError", run
    _assert_nothing_found(_verdict(run.evalue))


def _notebook(cells: list[str]):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def test_during_a_batch_no_kernel_sees_the_submissions_or_the_out_folder(tmp_path, planted):
    """A classmate's notebook in the submissions folder and the results in ``--out`` cannot be listed or
    opened by the learner graded after them; the classmate's grade is untouched."""
    from grader import batch

    token, targets = planted
    submissions, out = tmp_path / f"submissions-{token}", tmp_path / f"out-{token}"
    classmate = submissions / f"alice-{token}" / "day93" / "day93.ipynb"
    classmate.parent.mkdir(parents=True)
    classmate.write_bytes(exercises.get("day93").solution.read_bytes())
    folders = [str(submissions), str(classmate.parent), str(classmate), str(out), str(out / "learners"),
               str(out / "learners" / f"alice-{token}"), str(out / "learners" / f"alice-{token}" / "result.json")]
    probe = _probe_cell(token, targets + folders, "day93.ipynb")
    prober = submissions / f"zed-{token}" / "day93" / "day93.ipynb"
    prober.parent.mkdir(parents=True)
    nbformat.write(_notebook([probe]), prober)
    for current, _, files in os.walk(submissions):
        os.chmod(current, 0o755)
        for name in files:
            os.chmod(os.path.join(current, name), 0o644)
    result = batch.run_batch(submissions, out=out, workers=1, seed=7, cell_timeout_s=60, timeout_s=300,
                             progress=False)
    assert sorted(result.graded) == sorted([f"alice-{token}", f"zed-{token}"]), result.failed
    alice = json.loads((out / "learners" / f"alice-{token}" / "result.json").read_text())
    assert alice["score"] == alice["max_score"] > 0
    zed = json.loads((out / "learners" / f"zed-{token}" / "result.json").read_text())
    failures = zed["exercises"][0]["execution"]["failures"]
    assert len(failures) == 1 and failures[0]["ename"] == "RuntimeError", failures
    verdict = _verdict(failures[0]["evalue"])
    verdict["own"][0] = True  # the prober's own notebook is named like every notebook: checked in the test above
    _assert_nothing_found(verdict)


def test_home_links_count_only_when_the_grader_made_them_and_the_walk_is_bounded(tmp_path):
    """The view holds the targets of links in HOME (cached weights the grader linked there) only when the
    grader's user owns the link: a link the kernel planted (its own user id) is never followed, and a
    1200-level folder tree left by the kernel neither recurses nor stalls the restart."""
    from grader.kernel import _reach

    home, weights, planted = tmp_path / "home", tmp_path / "weights.h5", tmp_path / "checkout"
    weights.write_bytes(b"w")
    planted.mkdir()
    (home / ".keras" / "models").mkdir(parents=True)
    (home / ".keras" / "models" / "weights.h5").symlink_to(weights)
    (home / "kernel-link").symlink_to(planted)
    os.lchown(home / "kernel-link", 2**21 + 7, 2**21 + 7)
    here = os.getcwd()
    try:
        _deep_tree(home, 1200, planted)
        began = time.perf_counter()
        reached = _reach({"HOME": str(home)}, links_by=os.geteuid())
        assert str(weights) in reached and str(planted) not in reached
        assert time.perf_counter() - began < 30
        assert str(weights) not in _reach({"HOME": str(home)}, links_by=None)
    finally:
        _remove_deep_tree(home, 1200)
        os.chdir(here)


def _deep_tree(home: Path, depth: int, target: Path) -> None:
    """``depth`` nested folders ``d`` under ``home`` (built level by level, as a kernel would), a link at the end."""
    os.chdir(home)
    for _ in range(depth):
        os.mkdir("d")
        os.chdir("d")
    os.symlink(target, "deep-link")


def _remove_deep_tree(home: Path, depth: int) -> None:
    """Undo :func:`_deep_tree` level by level (``shutil.rmtree`` recurses once per level)."""
    os.chdir(home)
    reached = 0
    while reached < depth and os.path.isdir("d"):
        os.chdir("d")
        reached += 1
    if os.path.lexists("deep-link"):
        os.unlink("deep-link")
    for _ in range(reached):
        os.chdir("..")
        os.rmdir("d")


def test_other_kernels_cgroups_are_out_of_sight(tmp_path):
    """/sys stays (CPU and GPU discovery read it), but /sys/fs/cgroup, where every grader kernel's cgroup and its
    process list live, is an empty read-only folder in the kernel's view."""
    for name in ("work", "home"):
        (tmp_path / name).mkdir()
    env = kernel_env(home=tmp_path / "home", extra={})
    with Kernel(workdir=tmp_path / "work", env=env) as other, Kernel(workdir=tmp_path / "work", env=env) as kernel:
        assert other.alive()
        run = kernel.run("import os\nprint(os.listdir('/sys/fs/cgroup'), len(os.listdir('/sys/devices/system/cpu')) > 0)",
                         timeout=60)
        view = kernel.sandbox
    assert os.geteuid() != 0 or view["filesystem"].startswith("allow-list"), view  # root can always build it
    if view["filesystem"].startswith("allow-list"):
        assert view["cgroups_view"] in ("covered", "absent")
        assert run.ok and run.stdout.strip() == "[] True", run


ANSWERS = r'''
import importlib, importlib.machinery, pathlib, sys
import grader.practice, grader.datasets, grader.environment   # what the notebooks import
package = pathlib.Path(grader.__file__).parent
got = {{}}
for module in {modules!r}:
    try:
        importlib.import_module(f"grader.{{module}}")
        got[module] = "imported"
    except ImportError as error:
        got[module] = type(error).__name__
    for path in [package / f"{{module}}.py", *(package / "__pycache__").glob(f"{{module}}.*.pyc")]:
        try:
            got[str(path)] = len(path.read_bytes())
        except OSError as error:
            got[str(path)] = type(error).__name__
    try:
        compiled = next((package / "__pycache__").glob(f"{{module}}.*.pyc"))
        importlib.machinery.SourcelessFileLoader("stolen", str(compiled)).load_module()
        got[f"{{module}} compiled"] = "loaded"
    except (StopIteration, ImportError, OSError, EOFError, ValueError) as error:
        got[f"{{module}} compiled"] = type(error).__name__
print(got)
'''


def test_the_graders_answer_modules_cannot_be_imported_or_read_by_a_kernel(tmp_path):
    """grader.mnist and grader.transfer hold the references the public checks compare with (a learner's machine
    needs them); a graded kernel imports what the notebooks import, but neither of these, nor reads their source or
    a compiled copy, even one written after it started (as the grader's first import of the public checks writes
    it, where bytecode is written: planted here after the kernel started, then removed)."""
    import ast
    import importlib.util
    import py_compile

    from grader import sandbox

    for name in ("work", "home"):
        (tmp_path / name).mkdir()
    planted = []
    with Kernel(workdir=tmp_path / "work", env=kernel_env(home=tmp_path / "home", extra={})) as kernel:
        try:
            for module in sandbox.ANSWER_MODULES:
                source = exercises.PACKAGE_DIR / f"{module}.py"
                compiled = Path(importlib.util.cache_from_source(str(source)))
                if not compiled.exists():
                    py_compile.compile(str(source), cfile=str(compiled), doraise=True)
                    planted.append(compiled)
            run = kernel.run(ANSWERS.format(modules=sandbox.ANSWER_MODULES), timeout=120)
            view = kernel.sandbox
        finally:
            for path in planted:
                path.unlink(missing_ok=True)
    assert run.ok, run
    got = ast.literal_eval(run.stdout.strip())
    assert os.geteuid() != 0 or view["filesystem"].startswith("allow-list"), view
    for module in sandbox.ANSWER_MODULES:
        assert got[module] != "imported" and got[f"{module} compiled"] != "loaded", got
        assert got[str(exercises.PACKAGE_DIR / f"{module}.py")] in (0, "FileNotFoundError", "PermissionError"), got
        assert not any(f"__pycache__/{module}." in path for path in got), got  # no compiled copy in sight
