"""`grader release`: the learner's repository holds no solution and no hidden check, and works on its own."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
import yaml

from grader import exercise as exercises
from grader import release
from grader.notebook import solution_lines

ROOT = exercises.ROOT
HIDDEN = exercises.PACKAGE_DIR / "hidden"


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("release")
    out, hidden = base / "classroom-template", base / "classroom-hidden"
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(out), "--hidden-repo", str(hidden),
                          "--runs-on", "self-hosted", "--runs-on", "gpu"], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    return out, hidden


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _sources(path: Path) -> list[str]:
    """A file's text, and for a notebook also each cell's own source (JSON escapes its lines)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix != ".ipynb":
        return [text]
    return [text] + [cell.source for cell in nbformat.read(path, as_version=4).cells]


def _lines(texts) -> set[str]:
    return {line.strip() for text in texts for line in text.splitlines() if line.strip()}


def _secret_lines() -> set[str]:
    """Lines of the solutions' regions and of the hidden checks found in nothing a learner is meant to get."""
    solutions = _lines(line for p in (ROOT / "solutions").rglob("*.ipynb")
                       for cell in nbformat.read(p, as_version=4).cells for line in solution_lines(cell.source))
    hidden = _lines(p.read_text() for p in HIDDEN.glob("*.py"))
    public_files = [p for p in (ROOT / "exercises").rglob("*") if p.is_file()] + \
        [p for p in exercises.PACKAGE_DIR.glob("*.py")]
    public = _lines(s for p in public_files for s in _sources(p))
    return {line for line in solutions | hidden if len(line) >= 8 and line not in public}


def test_the_release_holds_no_solution_and_no_hidden_check(released):
    out, _ = released
    secret = _secret_lines()
    assert len(secret) > 300  # the scan has something to find
    assert not (out / "solutions").exists() and not (out / "grader" / "hidden").exists()
    assert not (out / "tests").exists()
    for path in _files(out):
        sources = _sources(path)
        assert not [line for s in sources for line in solution_lines(s) if line != "..."], f"solution region in {path}"
        assert not _lines(sources) & secret, f"{path} holds solution or hidden-check lines"


def test_the_scan_finds_a_planted_solution_or_hidden_check(released, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(released[0], copy)
    assert release.leaks(copy) == []
    shutil.copy(exercises.get("day93").solution, copy / "exercises" / "day93" / "day93.ipynb")
    shutil.copy(HIDDEN / "day94.py", copy / "grader" / "extra.py")
    found = "\n".join(release.leaks(copy))
    assert "day93.ipynb: code inside" in found and "extra.py" in found


def test_the_release_has_everything_a_learner_and_classroom_need(released):
    out, hidden = released
    days = [d.name for d in sorted((ROOT / "exercises").iterdir()) if d.is_dir() and exercises.DAY.match(d.name)]
    for day in days:
        assert (out / "exercises" / day / f"{day}.ipynb").read_bytes() == (ROOT / "exercises" / day /
                                                                            f"{day}.ipynb").read_bytes()
        assert (out / "exercises" / day / f"test_{day}.py").is_file()
    datasets = {p.relative_to(ROOT / "datasets"): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in _files(ROOT / "datasets") if "__pycache__" not in p.parts}
    assert datasets == {p.relative_to(out / "datasets"): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in _files(out / "datasets")}
    data_files = [tomllib.loads(text)["tool"]["setuptools"]["package-data"]["grader.data"]
                  for text in ((out / "pyproject.toml").read_text(), (ROOT / "pyproject.toml").read_text())]
    assert data_files[0] == data_files[1]            # a non-editable install of the release carries the same data
    counts = json.loads((out / "grader" / "hidden_counts.json").read_text())
    for day in days:
        if (HIDDEN / f"{day}.py").is_file():
            assert counts[day] == (HIDDEN / f"{day}.py").read_text().count("\ndef test_") > 0
    workflow = yaml.safe_load((out / ".github" / "workflows" / "classroom.yml").read_text())
    job = workflow["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == ["self-hosted", "gpu"] and job["steps"][-1]["with"]["runners"] == ",".join(days)
    readme = (out / "README.md").read_text()
    for phrase in ("pytest exercises/day93", 'check("feature_map")', 'hint("feature_map")', "colab-badge.svg",
                   "INSTRUCTORS.md", "給講師", "公開檢查"):
        assert phrase in readme
    assert readme.count("colab.research.google.com/github/") == len(days)
    assert "GRADER_HIDDEN_TOKEN" not in readme   # learners first: the set-up is in INSTRUCTORS.md
    instructors = (out / "INSTRUCTORS.md").read_text()
    for phrase in ("GRADER_HIDDEN_TOKEN", "GRADER_HIDDEN_REPO", "Contents: Read-only", "給講師"):
        assert phrase in instructors
    assert sorted(p.name for p in hidden.glob("day*.py")) == sorted(p.name for p in HIDDEN.glob("day*.py"))
    assert all((hidden / p.name).read_bytes() == p.read_bytes() for p in HIDDEN.glob("day*.py"))


def test_release_refuses_a_non_empty_folder_without_force(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(tmp_path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 2 and "--force" in run.stderr and (tmp_path / "old.txt").exists()


@pytest.mark.slow
def test_in_a_copy_pip_install_and_pytest_run_the_public_checks(released, tmp_path):
    repo = tmp_path / "learner"
    shutil.copytree(released[0], repo)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADER_", "PYTHON"))}
    env.update(GRADER_LANG="en", MPLBACKEND="Agg", PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}")
    env.pop("VIRTUAL_ENV", None)
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", "."],
                             cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert install.returncode == 0, install.stderr
    where = subprocess.run([python, "-c", "import grader; print(grader.__file__)"], cwd=tmp_path, capture_output=True,
                           text=True, env=env, timeout=120)
    assert Path(where.stdout.strip()).resolve() == (repo / "grader" / "__init__.py").resolve()

    def pytest_day93():
        return subprocess.run([python, "-m", "pytest", "exercises/day93"], cwd=repo, capture_output=True, text=True,
                              env=env, timeout=600)

    stub = pytest_day93()
    assert stub.returncode == 1, stub.stdout[-3000:]
    assert "5 failed" in stub.stdout and "not written yet" in stub.stdout
    assert "0 of 5 public checks passed; 6 more checks run when your work is graded." in stub.stdout

    shutil.copy(exercises.get("day93").solution, repo / "exercises" / "day93" / "day93.ipynb")
    solved = pytest_day93()
    assert solved.returncode == 0, solved.stdout[-3000:]
    assert "5 passed" in solved.stdout and "5 of 5 public checks passed; 6 more checks" in solved.stdout

    # check() inside the notebook: run the solved notebook's code cells as the learner's kernel would
    script = ("import nbformat\nnb = nbformat.read('exercises/day93/day93.ipynb', as_version=4)\n"
              "for cell in nb.cells:\n    if cell.cell_type == 'code':\n        exec(cell.source, globals())\n")
    practice = subprocess.run([python, "-c", script], cwd=repo, capture_output=True, text=True, env=env, timeout=300)
    assert practice.returncode == 0, practice.stderr[-3000:]
    assert "public checks passed" in practice.stdout and "✘" not in practice.stdout


def test_release_with_a_package_url_points_the_setup_cells_and_the_badges_at_it(tmp_path):
    from grader.release import PLACEHOLDER_PACKAGE, release

    out = release(tmp_path / "r", package_url="git+https://github.com/acme/cnn-exercises@v2")
    for notebook in sorted((out / "exercises").glob("day*/day*.ipynb")):
        text = notebook.read_text(encoding="utf-8")
        assert "git+https://github.com/acme/cnn-exercises@v2" in text and PLACEHOLDER_PACKAGE not in text
    readme = (out / "README.md").read_text()
    assert "colab.research.google.com/github/acme/cnn-exercises/blob/v2/exercises/day93/day93.ipynb" in readme
    pyproject = (out / "pyproject.toml").read_text()
    assert '"grader.course" = "exercises"' in pyproject and '"exercises/day97"' not in pyproject
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q"], cwd=out, capture_output=True,
                               text=True, timeout=600)
    days = {line.split("/")[1] for line in collected.stdout.splitlines() if line.startswith("exercises/")}
    assert days == {"day93", "day94", "day95", "day96"}, collected.stdout[-2000:]   # no training unless asked


def _repository_copy(tmp_path: Path) -> Path:
    """The parts of this repository a release is made from, copied, so a test may change them."""
    copy = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.pyc")
    for folder in ("grader", "exercises", "solutions", "datasets"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    return copy


def test_a_stub_someone_edited_in_the_working_tree_is_not_what_the_release_ships(tmp_path):
    """Trying the exercises fills in exercises/day93/day93.ipynb; the release still ships the stub made from
    solutions/, and no other notebook lying in exercises/."""
    from grader.notebook import make_stub, notebook_text

    copy = _repository_copy(tmp_path)
    shutil.copy(copy / "solutions" / "day93" / "day93.ipynb", copy / "exercises" / "day93" / "day93.ipynb")
    shutil.copy(copy / "solutions" / "day94" / "day94.ipynb", copy / "exercises" / "day94" / "day94 (1).ipynb")
    out = tmp_path / "release"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}, "GRADER_ROOT": str(copy),
           "PYTHONPATH": str(copy)}
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(out)], capture_output=True, text=True,
                         cwd=copy, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    shipped = (out / "exercises" / "day93" / "day93.ipynb").read_text(encoding="utf-8")
    assert shipped == notebook_text(make_stub(nbformat.read(exercises.get("day93").solution, as_version=4)))
    assert "raise NotImplementedError" in shipped
    assert not (out / "exercises" / "day94" / "day94 (1).ipynb").exists()
    assert release.leaks(out) == []


@pytest.mark.slow
def test_grading_in_a_release_says_the_hidden_checks_are_not_included(released):
    out, _ = released
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}, "PYTHONPATH": str(out),
           "GRADER_ROOT": str(out)}
    for fmt, total in (("terminal", "Total: 0 / 5"), ("md", "# Total: 0 / 5")):
        run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "exercises/day93", "--lang", "en",
                              "--format", fmt], capture_output=True, text=True, cwd=out, env=env, timeout=300)
        assert run.returncode == 0, run.stderr
        from grader.grading import planned_from_source

        hidden = exercises.hidden_check_count("day93")
        points = sum(p.points for p in planned_from_source(HIDDEN / "day93.py"))
        assert total in run.stdout and hidden > 0 and points > 0
        assert f"Not included here: {hidden} hidden checks ({points:g} more points) run only when your work is " \
            "graded" in " ".join(run.stdout.split())


def test_a_release_without_a_package_url_says_what_it_breaks(tmp_path):
    """The README's Classroom steps once left --package-url out, and `grader release` wrote notebooks whose setup
    cell stops on Colab without a word; it now says so, in the language asked for."""
    run = subprocess.run([sys.executable, "-m", "grader.cli", "release", str(tmp_path / "r"), "--lang", "en"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "No --package-url: the notebooks' setup cells stop on Colab" in run.stderr
