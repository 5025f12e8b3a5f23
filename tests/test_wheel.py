"""A learner without a checkout: the grader from a built (non-editable) wheel, each notebook alone in an empty folder.

One virtual environment holds the wheel-installed grader; its other dependencies (TensorFlow, nbclient, ...) come
from this interpreter's site-packages through a ``.pth`` line, which makes them importable but does not run that
folder's own ``.pth`` files, so the checkout's editable install is NOT importable there. Days 97 and 98 train for
minutes: their notebooks are not run here; their non-training functions are checked from the wheel instead.
"""
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from pathlib import Path

import nbformat
import pytest

from grader import exercise as exercises

pytestmark = pytest.mark.slow
ROOT = exercises.ROOT
QUICK_DAYS = ("day93", "day94", "day95", "day96")
KERNEL = "grader-wheel"

RUN_NOTEBOOK = textwrap.dedent('''
    import json, sys
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(sys.argv[1], as_version=4)
    NotebookClient(nb, kernel_name=sys.argv[3], allow_errors=True, timeout=600,
                   resources={"metadata": {"path": sys.argv[4]}}).execute()
    nbformat.write(nb, sys.argv[2])
''')


def run(*command, env=None, timeout=900, cwd=None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def build_wheel(folder: Path) -> Path:
    """``pip wheel . --no-deps`` on a clean copy of the sources (no stale build/ folder), into folder/wheels."""
    source = folder / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "mnist")
    for name in ("grader", "exercises", "datasets"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation", "-w", folder / "wheels")
    return next((folder / "wheels").glob("cnn_grader-*.whl"))


def shared_dependencies(folder: Path) -> Path:
    """A folder of links to everything in this interpreter's site-packages except the grader's own install
    (its editable finder and its metadata: pip must not think the grader is installed already)."""
    folder.mkdir()
    for site in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        for entry in Path(site).iterdir():
            hidden = entry.name.startswith(("cnn_grader", "__editable__")) or entry.name in ("grader", "tests")
            if not hidden and not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


def make_venv(folder: Path) -> Path:
    """A venv whose dependencies are this interpreter's, but without the grader."""
    run(sys.executable, "-m", "venv", folder / "venv")
    python = folder / "venv" / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (site / "shared-dependencies.pth").write_text(f"{shared_dependencies(folder / 'shared')}\n")
    run(python, "-m", "ipykernel", "install", "--prefix", folder / "venv", "--name", KERNEL)
    return python


def clean_env(folder: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON", "JUPYTER", "PIP_"))}
    env.update(HOME=str(folder / "home"), MPLBACKEND="Agg", PATH=f"{folder / 'venv' / 'bin'}{os.pathsep}{env['PATH']}",
               LC_ALL="C.UTF-8", LANG="C.UTF-8", **extra)
    (folder / "home").mkdir(exist_ok=True)
    return env


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    folder = tmp_path_factory.mktemp("learner")
    wheel = build_wheel(folder)
    python = make_venv(folder)
    return folder, wheel, python


def grader_location(python: Path, env: dict) -> str | None:
    done = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"], capture_output=True,
                          text=True, env=env, cwd=env["HOME"])
    return done.stdout.strip() if done.returncode == 0 else None


def execute_alone(folder: Path, python: Path, notebook: Path, env: dict) -> nbformat.NotebookNode:
    """Copy the notebook alone into an empty folder, execute it there in the venv's kernel, return the result."""
    alone = Path(tempfile.mkdtemp(dir=folder, prefix=f"alone-{notebook.parent.parent.name}-{notebook.stem}-"))
    shutil.copy(notebook, alone / notebook.name)
    script = folder / "run_notebook.py"
    script.write_text(RUN_NOTEBOOK)
    out = alone / "executed.ipynb"
    run(python, script, alone / notebook.name, out, KERNEL, alone, env=env, cwd=alone)
    return nbformat.read(out, as_version=4)


def check_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith("check(")]


def text_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def errors_of(nb) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == "error"]


def test_a_notebook_alone_installs_the_grader_from_a_local_wheel_then_its_checks_pass(venv):
    folder, wheel, python = venv
    env = clean_env(folder, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheel.parent), GRADER_PACKAGE="cnn-grader")
    assert grader_location(python, env) is None, "the grader must not be importable before the setup cell"
    nb = execute_alone(folder, python, exercises.get("day93").solution, env)
    assert errors_of(nb) == []
    installed = grader_location(python, env)
    assert installed is not None and installed.startswith(str(folder / "venv")), installed
    for cell in check_cells(nb):
        assert "公開檢查通過" in text_of(cell) and "✘" not in text_of(cell), text_of(cell)


def install(folder: Path, python: Path, wheel: Path) -> dict:
    env = clean_env(folder, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheel.parent))
    if grader_location(python, env) is None:
        run(python, "-m", "pip", "install", "--quiet", wheel, env=env)
    assert grader_location(python, env).startswith(str(folder / "venv"))
    return env


@pytest.mark.parametrize("day", QUICK_DAYS)
def test_each_solution_alone_runs_without_error_and_its_checks_pass(venv, day):
    folder, wheel, python = venv
    env = install(folder, python, wheel)
    nb = execute_alone(folder, python, exercises.get(day).solution, env)
    assert errors_of(nb) == []
    cells = check_cells(nb)
    assert cells
    for cell in cells:
        shown = text_of(cell)
        assert "✔" in shown and "✘" not in shown and "公開檢查通過" in shown, shown
    assert not any("cuInit" in text_of(c) or "absl::InitializeLog" in text_of(c) for c in nb.cells
                   if c.cell_type == "code"), "TensorFlow's log lines reached the notebook"


@pytest.mark.parametrize("day", QUICK_DAYS)
def test_each_stub_alone_reports_not_attempted_not_an_exception(venv, day):
    folder, wheel, python = venv
    env = install(folder, python, wheel)
    nb = execute_alone(folder, python, exercises.get(day).stub, env)
    for cell in check_cells(nb):
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
        assert "尚未作答" in text_of(cell), text_of(cell)


def test_days_97_and_98_non_training_functions_and_data_check_from_the_wheel(venv):
    folder, wheel, python = venv
    env = install(folder, python, wheel)
    script = textwrap.dedent('''
        import json
        import numpy as np
        from grader.practice import check
        from grader.datasets import load_fashion_subset, find, FASHION_SUBSET, HEAD_FEATURES

        def scale_images(images):
            return images.astype("float32")[..., None] / 255

        def prepare_images(images):
            return np.repeat(np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None], 3, axis=-1).astype("float32")

        ns = {"scale_images": scale_images, "format_labels": lambda y: y.astype("int64"),
              "prepare_images": prepare_images}
        statuses = {n: [s.value for s in check(n, namespace=ns)] for n in ns}
        (x, y), _ = load_fashion_subset()
        print(json.dumps({"statuses": statuses, "train": list(x.shape), "data": str(find(FASHION_SUBSET)),
                          "head_features": str(find(HEAD_FEATURES))}))
    ''')
    done = run(python, "-c", script, env=env, cwd=env["HOME"])
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert all(found["statuses"][n] and set(found["statuses"][n]) == {"passed"} for n in found["statuses"]), found
    assert found["train"] == [2000, 28, 28]
    assert found["data"].startswith(str(folder / "venv")), found["data"]   # the wheel's own copy
    assert found["head_features"].startswith(str(folder / "venv")), found   # the hidden head check's, sha256-checked
