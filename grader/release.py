"""``grader release OUT``: the repository a learner receives (a GitHub Classroom template repository).

It holds ``exercises/`` (stubs and public checks), ``datasets/``, the grader without its hidden checks (their
counts only, in ``grader/hidden_counts.json``), a bilingual README, a ``pyproject.toml`` and the Classroom
workflow. No ``solutions/``, no ``grader/hidden/``, no solution region: :func:`leaks` scans every written
file for the solutions' code and the hidden checks' source, and the release is refused if it finds any.
``hidden_repository(DIR)`` writes the instructor's private repository that the workflow fetches at grading time.
"""
from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import nbformat

from grader import classroom
from grader import exercise as exercises
from grader.notebook import BEGIN, END, make_stub, notebook_text, solution_lines

SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", "hidden"}
MIN_LINE = 8  # shorter lines ("else:", "return out") are too common to prove a leak

PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "cnn-grader"
version = "{version}"
description = "CNN exercises (day 93-98) with their public checks / 卷積神經網路練習與公開檢查"
readme = "README.md"
requires-python = "{python}"
dependencies = [
{dependencies}
]

[project.scripts]
grader = "grader.cli:main"

[project.entry-points.pytest11]
grader = "grader.plugin"

[project.optional-dependencies]
notebook = ["jupyterlab>=4"]

[tool.setuptools]
packages = ["grader", "grader.course", "grader.data"]

[tool.setuptools.package-dir]
"grader.course" = "exercises"
"grader.data" = "datasets"

[tool.setuptools.package-data]
grader = ["checks.ini", "hidden_counts.json"]
"grader.course" = ["day*/test_day*.py", "day*/day*.ipynb"]
"grader.data" = ["fashion-mnist/fashion-mnist-subset.npz", "fashion-mnist/fashion-vgg16-random-features.npz",
                 "fashion-mnist/COPYRIGHT"]

[tool.pytest.ini_options]
# `pytest` alone runs the days that do not train; `pytest exercises/day97` runs a training day when asked.
testpaths = ["exercises/day93", "exercises/day94", "exercises/day95", "exercises/day96"]
addopts = "-p no:cacheprovider"
"""

GITIGNORE = "__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n.pytest_cache/\n.grader/\n.grader-hidden/\n"


# ---------------------------------------------------------------- what must never ship

def _public_text() -> str:
    """Everything a release legitimately copies: a line found here is no evidence of a leak."""
    files = [p for p in exercises.PACKAGE_DIR.glob("*.py")] + list((exercises.ROOT / "exercises").rglob("*"))
    files = [p for p in files if p.is_file() and p.suffix in (".py", ".ipynb", ".md")]
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in files]
    return "\n".join(texts + [s for p in files if p.suffix == ".ipynb" for s in _cell_sources(p)])


def _solution_lines() -> set[str]:
    lines = set()
    for path in (exercises.ROOT / "solutions").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                lines.update(solution_lines(cell.source))
    return lines


def _hidden_lines() -> set[str]:
    return {line.strip() for path in (exercises.PACKAGE_DIR / "hidden").rglob("*") if path.is_file()
            and path.suffix in (".py", ".json", ".txt", ".csv") for line in path.read_text(encoding="utf-8").splitlines()}


def forbidden_lines() -> set[str]:
    """Lines of the solutions' regions and of the hidden checks that appear nowhere a learner may see."""
    public = _public_text()
    return {line for line in _solution_lines() | _hidden_lines() if len(line) >= MIN_LINE and line not in public}


def leaks(folder: Path, forbidden: set[str] | None = None) -> list[str]:
    """``path: what`` for each file in ``folder`` holding a solution marker or a forbidden line."""
    forbidden = forbidden_lines() if forbidden is None else forbidden
    found = []
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file() and ".git" not in p.parts):
        text = path.read_bytes().decode("utf-8", errors="replace")
        lines = {line.strip() for line in text.splitlines()}
        sources = [text] + (_cell_sources(path) if path.name.endswith(".ipynb") else [])
        found += [f"{path}: code inside {BEGIN} ... {END}" for source in sources if region_code(source)]
        lines |= {line.strip() for source in sources[1:] for line in source.splitlines()}
        found += [f"{path}: {line}" for line in sorted(lines & forbidden)]
    return found


def region_code(source: str) -> list[str]:
    """The code inside marked solution regions (an example region holding only ``...`` is documentation)."""
    return [line for line in solution_lines(source) if line != "..."]


def _cell_sources(path: Path) -> list[str]:
    """A notebook holds its code as JSON strings: the cells' own text, to look inside."""
    try:
        return [cell.source for cell in nbformat.read(path, as_version=4).cells]
    except Exception:  # noqa: BLE001 - an unreadable notebook was already scanned as text
        return []


# ---------------------------------------------------------------- writing the release

def _copy_tree(source: Path, target: Path, *, notebooks: bool = True) -> None:
    """Copy ``source`` to ``target`` less caches, ``hidden`` and (``notebooks=False``) every ``.ipynb``."""
    shutil.copytree(source, target, ignore=lambda folder, names: [
        n for n in names if n in SKIP or n.endswith(".pyc") or (not notebooks and n.endswith(".ipynb"))])


def _stub_notebooks(out: Path) -> None:
    """Every exercise notebook of the release, made here from ``solutions/`` with the solution regions removed (as
    ``grader stubs`` makes them), never copied from the working tree, where someone may have done the exercise."""
    for exercise in exercises.EXERCISES.values():
        target = out / "exercises" / exercise.id / exercise.notebook_name
        if exercise.solution.is_file() and target.parent.is_dir():
            target.write_text(notebook_text(make_stub(nbformat.read(exercise.solution, as_version=4))),
                              encoding="utf-8")


def _clear(out: Path, *, force: bool) -> None:
    if out.exists() and any(p.name != ".git" for p in out.iterdir()):
        if not force:
            raise ValueError(f"{out} is not empty; pass --force to replace its contents (.git is kept)")
        for path in out.iterdir():
            if path.name != ".git":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _pyproject() -> str:
    project = tomllib.loads((exercises.PACKAGE_DIR.parent / "pyproject.toml").read_text())["project"]
    deps = ",\n".join(f'    "{d}"' for d in project["dependencies"])
    return PYPROJECT.format(version=project["version"], python=project.get("requires-python", ">=3.10"),
                            dependencies=deps)


def hidden_counts() -> dict[str, int]:
    """Per day and per learner function ("day93.feature_map"), so check("fn") says how many of ITS checks are hidden."""
    from grader.grading import planned_from_source

    counts = dict(exercises.hidden_counts())
    for exercise in exercises.EXERCISES.values():  # and their points, for "N hidden checks (P more points)"
        if exercise.hidden_checks is not None:
            counts[f"{exercise.id}.points"] = sum(p.points for p in planned_from_source(exercise.hidden_checks))
    return counts


def release(out: Path, *, runs_on: tuple[str, ...] = ("ubuntu-latest",), lang: str = "zh-TW", python: str = "3.11",
            secret: str = classroom.HIDDEN_SECRET, variable: str = classroom.HIDDEN_VARIABLE,
            force: bool = False, package_url: str | None = None) -> Path:
    """Write the learner-facing repository to ``out``; raises ValueError if anything secret got in.
    ``package_url``: what the notebooks' setup cells pip-install where the grader is missing (Colab), e.g.
    ``git+https://github.com/ORG/cnn-exercises@v1``; also names the repository in the Colab badges."""
    out = Path(out)
    _clear(out, force=force)
    days = tuple(e for e in exercises.EXERCISES if (exercises.ROOT / "exercises" / e).is_dir())
    _copy_tree(exercises.ROOT / "exercises", out / "exercises", notebooks=False)  # notebooks: from solutions/
    _stub_notebooks(out)
    if (exercises.ROOT / "datasets").is_dir():
        _copy_tree(exercises.ROOT / "datasets", out / "datasets")
    _copy_tree(exercises.PACKAGE_DIR, out / "grader")
    (out / "grader" / "hidden_counts.json").write_text(json.dumps(hidden_counts(), indent=2) + "\n")
    (out / "pyproject.toml").write_text(_pyproject(), encoding="utf-8")
    (out / "README.md").write_text(learner_readme(days, secret=secret, variable=variable, package_url=package_url),
                                   encoding="utf-8")
    (out / "INSTRUCTORS.md").write_text(instructors_readme(secret=secret, variable=variable), encoding="utf-8")
    if package_url:
        set_package_url(out, package_url)
    (out / ".gitignore").write_text(GITIGNORE)
    workflow = out / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(classroom.workflow(exercise_ids=days, runs_on=runs_on, lang=lang, python=python,
                                           secret=secret, variable=variable), encoding="utf-8")
    found = leaks(out)
    if found:
        raise ValueError("the release would leak solutions or hidden checks:\n" + "\n".join(found[:20]))
    return out


def hidden_repository(out: Path, *, force: bool = False) -> Path:
    """Write the instructor's private repository: the hidden checks the Classroom workflow fetches."""
    out = Path(out)
    _clear(out, force=force)
    for path in sorted((exercises.PACKAGE_DIR / "hidden").iterdir()):
        if path.is_file() and path.name != "__init__.py" and path.suffix != ".pyc":
            shutil.copy2(path, out / path.name)
    (out / "README.md").write_text(hidden_readme(), encoding="utf-8")
    return out


# ---------------------------------------------------------------- the READMEs

LEARNER_README = """\
# CNN exercises / 卷積神經網路練習

Auto-graded exercises for the CNN module (day 93-98) of the 100-day machine-learning course. Each day is one
Jupyter notebook in `exercises/dayNN/`: read it, replace every `raise NotImplementedError` with your code,
check your work as you go, and push. Feedback comes in 繁體中文 and English.

百日機器學習課程卷積神經網路單元（第 93-98 天）的自動批改練習。每天一個 Jupyter notebook，放在
`exercises/dayNN/`：閱讀說明，把每個 `raise NotImplementedError` 換成你的程式碼，邊寫邊檢查，完成後推送 (push)。
回饋有繁體中文與英文。

## Start / 開始

**In Colab / 在 Colab 上** (nothing to install / 不用安裝): open a day with its badge; the notebook's first cell installs
the checker with pip, then `check` and `hint` are ready. 點徽章開啟當天的 notebook，第一格會先安裝檢查工具。

{badges}

**On your computer / 在自己的電腦上** (Python 3.10-3.12; VS Code's Jupyter extension works too):

```bash
python -m venv .venv && source .venv/bin/activate   # Windows: .venv\\Scripts\\activate
python -m pip install -e ".[notebook]"               # the checker, TensorFlow and JupyterLab
jupyter lab                                          # opens in your browser / 在瀏覽器開啟
```

## Doing an exercise / 做練習

1. Open `exercises/day93/day93.ipynb`. Replace each `raise NotImplementedError` with your code.
   開啟 `exercises/day93/day93.ipynb`，把每個 `raise NotImplementedError` 換成你的程式碼。
2. Inside the notebook, check one function: `check("feature_map")`; the whole day: `check()`. Stuck?
   `hint("feature_map")` gives one more hint each time (never the code).
   在 notebook 裡檢查一個函式：`check("feature_map")`；檢查當天全部：`check()`。卡住了？每呼叫一次
   `hint("feature_map")` 就多一個提示（不會給程式碼）。
3. From a terminal, run all public checks of a day: `pytest exercises/day93`
   (or a full report: `grader grade exercises/day93 --public-only`).
   在終端機執行當天所有公開檢查：`pytest exercises/day93`（或完整報告：`grader grade exercises/day93 --public-only`）。
   `pytest` alone runs days 93-96; the training days run when asked: `pytest exercises/day97`.
   只打 `pytest` 會執行第 93-96 天；要訓練的天數請指定：`pytest exercises/day97`。

| day | exercise / 練習 | functions you write / 你要寫的函式 |
| --- | --- | --- |
{table}

`datasets/` holds the data the later days use, offline. / `datasets/` 是後面幾天要用的離線資料。

## Public and hidden checks / 公開檢查與隱藏檢查

The public checks (`exercises/dayNN/test_dayNN.py`) use the slides' examples. When your work is graded, more
checks run: hidden ones, with fresh random inputs every time. So "5 of 5 public checks passed" is not yet a full
score: make your functions right for any input, not just for the examples. Do not edit the public checks or
`.github/`: grading uses its own copies.

公開檢查（`exercises/dayNN/test_dayNN.py`）用的是投影片的例子。正式批改時還會執行更多檢查：隱藏檢查，每次都用新的
隨機輸入。所以「公開檢查 5 / 5 通過」還不是滿分：你的函式要對任何輸入都正確，而不只是對例子正確。請不要修改公開檢查或
`.github/`：批改時使用的是它自己的版本。

## Submitting / 繳交

```bash
git add exercises && git commit -m "day93" && git push
```

Every push is graded by GitHub Actions ("Autograding Tests"). Open the **Actions** tab, then the latest run: its
summary shows every check with its points and feedback, and each day's points count even when some checks fail
(partial credit). A notebook that runs too long is stopped; the checks then report a timeout.

每次推送都會由 GitHub Actions（"Autograding Tests"）批改。打開 **Actions** 分頁中最新的一次執行：摘要列出每一項檢查的
分數與回饋；即使有些檢查沒通過，其他檢查的分數照樣計入（部分給分）。執行太久的 notebook 會被停止，檢查會顯示逾時。

## Feedback language / 回饋語言

繁體中文 unless you choose English: `check("feature_map", lang="en")`, `pytest --grader-lang en`,
`grader grade --lang en`, or the environment variable `GRADER_LANG=en`.
回饋預設為繁體中文；要英文請用上面的選項或設定環境變數 `GRADER_LANG=en`。

## For instructors / 給講師

Setting this repository up as a GitHub Classroom assignment: see [INSTRUCTORS.md](INSTRUCTORS.md).
設定 GitHub Classroom 作業的步驟請見 [INSTRUCTORS.md](INSTRUCTORS.md)。
"""

INSTRUCTORS_README = """\
# For instructors / 給講師

This repository was written by `grader release` from the course's grader project, which keeps the solutions
and the hidden checks. It is ready to push as a GitHub Classroom template repository. The workflow
`.github/workflows/classroom.yml` grades one step per day with `grader grade . --exercises dayNN --format classroom`
and hands every check's points to Classroom's reporter (`classroom-resources/autograding-grading-reporter@v1`),
so partial credit counts; the Markdown report goes to the job summary.

本儲存庫由課程批改專案的 `grader release` 產生（解答與隱藏檢查留在該專案裡），可直接推送為 GitHub Classroom 的範本儲存庫。
以下是第一次設定作業的步驟。

### Step by step / 設定步驟

1. **Write the two repositories** (in the grader project, which has the solutions and hidden checks):
   `grader release classroom-template --hidden-repo classroom-hidden`
   (add `--runs-on self-hosted --runs-on gpu` for a self-hosted GPU runner; `--lang en` for English feedback).
2. **Template repository.** Create a repository in your Classroom organisation (e.g. `cnn-exercises`), push
   `classroom-template/` to it, and tick *Settings → Template repository*.
3. **Private hidden-checks repository.** Create a **private** repository (e.g. `ORG/cnn-hidden-checks`) that
   learners cannot read, and push `classroom-hidden/` to it (one `dayNN.py` per day).
4. **A read-only token.** *Your profile → Settings → Developer settings → Fine-grained personal access tokens →
   Generate new token*: resource owner = the organisation; repository access = *Only select repositories* →
   `cnn-hidden-checks`; permissions: *Contents: Read-only*; nothing else. (The organisation may first have to
   allow fine-grained tokens, under *Organisation settings → Personal access tokens*.)
5. **The secret.** *Organisation settings → Secrets and variables → Actions → Secrets → New organisation
   secret*: name `{secret}`, value = the token, repository access = the assignment repositories (for example
   *Private repositories*). Organisation secrets reach private repositories on GitHub Team plans (free for
   Classroom organisations through GitHub Education); otherwise set the secret on each repository.
6. **The variable.** Same page, *Variables → New organisation variable*: name `{variable}`, value
   `ORG/cnn-hidden-checks`.
7. **The assignment.** In GitHub Classroom create an assignment from the template repository. Leave its
   *autograding tests* list empty: the template's workflow does the grading (tests added in the Classroom UI make
   Classroom write its own `classroom.yml` over it). Points are the sum of the checks' points.
8. **Runner (optional).** GitHub's `ubuntu-latest` runs days 93-96 on CPU. For a GPU, register a self-hosted
   runner for the organisation with a label such as `gpu`, let its runner group serve the assignment repositories,
   and write the release with `--runs-on self-hosted --runs-on gpu`.
9. **Check it.** Accept the assignment with a test account and push: the run's summary must say
   "Graded with the public checks and the instructor's hidden checks". Without the secret or the variable the
   workflow still runs, grades the public checks only and says so (a warning, and a line in the summary).

### How a run grades / 批改流程

- Steps: check out, set up Python, `pip install -e .`, fetch the hidden checks with `actions/checkout`
  (`repository: ${{{{ vars.{variable} }}}}`, `token: ${{{{ secrets.{secret} }}}}`, into `.grader-hidden`, read by
  the grader through `GRADER_HIDDEN_DIR`), then one step per day, then the reporter.
- Each day step gives `grader grade` a time limit (`GRADER_TIME_LIMIT_S`) shorter than the step's
  `timeout-minutes`. If grading runs out of time or crashes, the step still reports every check (0 points, marked
  error), so the reporter always finds `tests` and the day's maximum still counts.
- Limits: the learner owns the repository, so a determined learner can edit the workflow or the checks, and a
  workflow they edit runs with the organisation secret. Treat Classroom's points as feedback and provisional;
  for grades that must hold, regrade the submissions yourself with the grader project (`grader grade`), or use its
  Gradescope autograder (`grader gradescope autograder.zip`).
"""

HIDDEN_README = """\
# Hidden checks (private) / 隱藏檢查（私人）

Keep this repository **private**: learners must not read it. The Classroom workflow of the exercises repository
checks it out at grading time (`actions/checkout` with `repository: ${{ vars.GRADER_HIDDEN_REPO }}` and
`token: ${{ secrets.GRADER_HIDDEN_TOKEN }}`) and points the grader at it with `GRADER_HIDDEN_DIR`.

One file per day, `dayNN.py`: pytest checks with `@pytest.mark.points(n)` and `@pytest.mark.target("function")`,
written by `grader release OUT --hidden-repo DIR` from the grader project's `grader/hidden/`. Do not edit them
here: change them in the grader project and write this repository again.

請保持此儲存庫為 **私人**。作業儲存庫的 Classroom workflow 會在批改時取得它，並以 `GRADER_HIDDEN_DIR` 指給批改程式。
"""


def _table(days: tuple[str, ...]) -> str:
    rows = []
    for day in days:
        e = exercises.get(day)
        rows.append(f"| {day} | {e.title.en} / {e.title.zh_tw} | {', '.join(f'`{f}`' for f in e.functions)} |")
    return "\n".join(rows)


PLACEHOLDER_PACKAGE = "git+https://github.com/OWNER/REPO@TAG"   # the notebooks' setup cells until a release sets it
GITHUB_PACKAGE = re.compile(r"^git\+https://github\.com/(?P<repo>[\w.-]+/[\w.-]+?)(?:\.git)?@(?P<ref>[\w./-]+)$")


def colab_badges(days: tuple[str, ...], package_url: str | None) -> str:
    """One "Open in Colab" badge per day, linking the released notebook on GitHub (OWNER/REPO until a
    ``git+https://github.com/OWNER/REPO@TAG`` package URL names the repository and the tag)."""
    found = GITHUB_PACKAGE.match(package_url or "")
    repo, ref = (found["repo"], found["ref"]) if found else ("OWNER/REPO", "main")
    return "\n".join(f"[![Open {d} in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                     f"(https://colab.research.google.com/github/{repo}/blob/{ref}/exercises/{d}/{d}.ipynb) {d}"
                     for d in days)


def set_package_url(out: Path, package_url: str) -> None:
    """Point every released notebook's setup cell at ``package_url`` (what Colab's pip installs)."""
    for path in sorted((out / "exercises").glob("day*/day*.ipynb")):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(PLACEHOLDER_PACKAGE, json.dumps(package_url)[1:-1]), encoding="utf-8")


def learner_readme(days: tuple[str, ...], *, secret: str, variable: str, package_url: str | None = None) -> str:
    return LEARNER_README.format(table=_table(days), badges=colab_badges(days, package_url))


def instructors_readme(*, secret: str, variable: str) -> str:
    return INSTRUCTORS_README.format(secret=secret, variable=variable)


def hidden_readme() -> str:
    return HIDDEN_README
