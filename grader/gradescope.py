"""Gradescope: the autograder zip, and the ``results.json`` its ``run_autograder`` writes.

``grader gradescope OUT.zip`` packs ``setup.sh`` (Python and the pinned requirements), ``run_autograder``,
``config.json`` (:class:`Config`), the grader with its hidden checks, the public checks and ``datasets/``.
At grading time ``run_autograder`` calls ``python -m grader.gradescope run``, which grades each day's
notebook found under ``<root>/submission`` and rewrites ``<root>/results/results.json`` after every day: days
not graded yet are already listed at 0 points, so a global timeout still leaves the finished days' credit.
The root is ``/autograder`` unless ``GRADER_AUTOGRADER_ROOT`` says otherwise (tests use a fake tree).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import stat
import sys
import time
import tomllib
import zipfile
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from grader import discovery
from grader import exercise as exercises
from grader import messages, report
from grader.results import CheckResult, ExerciseResult, GradeResult, Status, Text, write_atomic

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_ROOT = Path("/autograder")
SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


@dataclass(frozen=True)
class Config:
    """How the autograder grades; written into the zip as ``config.json``."""

    exercises: tuple[str, ...] = ("day93",)  # grader gradescope: every day with public checks (available())
    public_visibility: str = "visible"
    hidden_visibility: str = "after_published"
    visibility: str = "visible"            # the results as a whole
    stdout_visibility: str = "hidden"      # the grader's log, never the learner's business
    time_budget_s: float = 540.0           # start no new day after this (Gradescope's default limit is 600 s)
    lang: str = "zh-TW"

    def __post_init__(self):
        for name in ("public_visibility", "hidden_visibility", "visibility", "stdout_visibility"):
            if getattr(self, name) not in VISIBILITIES:
                raise ValueError(f"Invalid {name} {getattr(self, name)!r}; choose one of {', '.join(VISIBILITIES)}")
        for exercise_id in self.exercises:
            if not exercises.get(exercise_id).public_checks.is_file():
                raise ValueError(f"{exercise_id} has no public checks ({exercises.get(exercise_id).public_checks})")
        messages.resolve_lang(self.lang)

    @classmethod
    def read(cls, path: Path) -> "Config":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(**{**data, "exercises": tuple(data.get("exercises", cls.exercises))})


def available() -> tuple[str, ...]:
    """The days that have their exercise folder and public checks here."""
    return tuple(e.id for e in exercises.EXERCISES.values() if e.public_checks.is_file())


# ---------------------------------------------------------------- results.json

def _visibility(check: CheckResult, config: Config) -> str:
    return config.hidden_visibility if check.hidden else config.public_visibility


def _output(check: CheckResult, lang: str) -> str:
    text = report.status_label(check, lang)
    if check.message is not None:
        text += f": {check.message.in_lang(lang)}"
    return report.visible("\n".join([text, *check.traceback[-report.TRACEBACK_LINES:]]))  # output_format text


def _test(exercise: ExerciseResult, number: str, check: CheckResult, config: Config) -> dict:
    kind = "hidden" if check.hidden else "public"
    return {"score": check.score, "max_score": check.max_score,
            "status": "passed" if check.status == Status.PASSED else "failed",
            "name": f"{exercise.id} {check.id}", "name_format": "text", "number": number,
            "output": _output(check, config.lang), "output_format": "text",
            "tags": [t for t in (exercise.id, kind, check.function) if t], "visibility": _visibility(check, config),
            "extra_data": {"status": check.status.value, "hidden": check.hidden}}


def _summary(exercise: ExerciseResult, lang: str) -> list[str]:
    """What the learner sees at once: how the notebook ran and the public checks (hidden ones wait)."""
    lines = [f"{exercise.id}: {exercises.get(exercise.id).title.in_lang(lang)}"]
    lines += [n.in_lang(lang) for n in exercise.execution.file_notes]   # "Graded X; also found and not graded: Y"
    if exercise.execution.problem is not None:
        lines.append(exercise.execution.problem.in_lang(lang))
    lines += report.cell_failure_lines(exercise.execution, lang)
    public = [c for c in exercise.checks if not c.hidden]
    hidden = len(exercise.checks) - len(public)
    lines.append(messages.public_summary(passed=sum(c.status == Status.PASSED for c in public),
                                         total=len(public), hidden=hidden).in_lang(lang))
    return lines + [""]


def leaderboard(done: list[ExerciseResult]) -> list[dict]:
    """Each day's figures (day97: test accuracy) as leaderboard columns."""
    board = []
    for exercise in done:
        for name, value in exercise.metrics.items():
            entry = {"name": f"{name.replace('_', ' ').capitalize()} ({exercise.id})", "value": round(value, 6)}
            board.append({**entry, "order": "asc"} if "loss" in name else entry)
    return board


def results(done: list[ExerciseResult], *, config: Config, seconds: float, seed: int,
            device: str = "") -> dict:
    """Gradescope's ``results.json`` for the days in ``done`` (graded, or stand-ins at 0 points)."""
    tests = [_test(e, f"{i}.{j}", c, config)
             for i, e in enumerate(done, start=1) for j, c in enumerate(e.checks, start=1)]
    data = {"score": round(sum(t["score"] for t in tests), 6), "execution_time": int(round(seconds)),
            "output": report.visible("\n".join(line for e in done for line in _summary(e, config.lang))),
            "output_format": "text", "test_output_format": "text", "test_name_format": "text",
            "visibility": config.visibility, "stdout_visibility": config.stdout_visibility,
            "extra_data": {"seed": seed, "device": device, "lang": config.lang}, "tests": tests}
    board = leaderboard(done)
    return {**data, "leaderboard": board} if board else data


def render(result: GradeResult, *, config: Config | None = None) -> str:
    """``grader grade --format gradescope``: the ``results.json`` of an already graded result."""
    config = config or Config(exercises=tuple(e.id for e in result.exercises), lang=result.lang)
    data = results(list(result.exercises), config=config, seconds=result.duration_s, seed=result.seed,
                   device=result.environment.device)
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# ---------------------------------------------------------------- grading a submission

def find_notebook(submission: Path, exercise: exercises.Exercise) -> Path:
    """The exercise's notebook anywhere in the submission, by :mod:`grader.discovery`'s one rule."""
    return discovery.notebook_for(submission, exercise)


def _stand_in(exercise_id: str, *, status: Status, reason: Text, lang: str) -> ExerciseResult:
    from grader.classroom import fallback

    return fallback(exercise_id, status=status, reason=reason, hidden=True, lang=lang).exercises[0]


def _grade_one(exercise: exercises.Exercise, notebook: Path, *, seed: int, lang: str,
               seconds_left: float) -> ExerciseResult:
    from grader.grading import grade_exercise

    try:
        return grade_exercise(exercise, notebook, seed=seed, hidden=True, lang=lang,
                              total_timeout_s=max(30.0, min(exercise.total_timeout_s, seconds_left)))
    except Exception as error:  # noqa: BLE001 - one day's crash must not cost the other days their credit
        reason = messages.text("platform_crash", exercise=exercise.id, reason=type(error).__name__)
        return _stand_in(exercise.id, status=Status.ERROR, reason=reason, lang=lang)


def run(*, root: Path = DEFAULT_ROOT, config: Config) -> dict:
    """Grade ``root/submission`` day by day, rewriting ``root/results/results.json`` after each day."""
    from grader.environment import device

    began, seed, out = time.monotonic(), secrets.randbits(64), Path(root) / "results" / "results.json"
    # Days not graded yet say so (a global timeout may still stop the run there); only a day that the time
    # budget keeps from starting says the budget was used up.
    pending = {i: _stand_in(i, status=Status.SKIPPED, lang=config.lang,
                            reason=messages.text("platform_pending", exercise=i)) for i in config.exercises}
    done: list[ExerciseResult] = []

    def write() -> dict:
        data = results(done + [pending[i] for i in config.exercises[len(done):]], config=config,
                       seconds=time.monotonic() - began, seed=seed, device=device())
        write_atomic(out, json.dumps(data, ensure_ascii=False, indent=1))
        return data

    data = write()
    for exercise_id in config.exercises:
        left = config.time_budget_s - (time.monotonic() - began)
        if left <= 0:
            pending.update({i: _stand_in(i, status=Status.SKIPPED, lang=config.lang, reason=messages.text(
                "platform_not_reached", exercise=i, seconds=config.time_budget_s))
                for i in config.exercises[len(done):]})
            data = write()
            break
        exercise = exercises.get(exercise_id)
        submission = Path(root) / "submission"
        choice = discovery.choice_for(submission, exercise)
        graded = _grade_one(exercise, Path(choice.chosen.location) if choice else submission / exercise.notebook_name,
                            seed=seed, lang=config.lang, seconds_left=left)
        done.append(discovery.annotate(graded, choice) if choice else graded)
        data = write()
    return data


# ---------------------------------------------------------------- the zip

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image: Python {python} and the pinned packages.
set -euo pipefail
SOURCE="$(cd "$(dirname "${{BASH_SOURCE[0]}}")" && pwd)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3 python3-pip ca-certificates
python3 -m pip install -q uv || python3 -m pip install -q --break-system-packages uv
python3 -m uv venv --python {python} /autograder/venv
python3 -m uv pip install --python /autograder/venv/bin/python -r "$SOURCE/requirements.txt"
# matplotlib's font list for the graded kernels, built into the image once rather than at each submission
(cd "$SOURCE" && PYTHONPATH="$SOURCE" /autograder/venv/bin/python -c "from grader import fonts; fonts.font_list()") || true
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this for every submission. It writes results/results.json under the autograder root
# (/autograder, or GRADER_AUTOGRADER_ROOT) after each day, so a global timeout keeps the finished days.
# Gradescope copies this file to /autograder/run_autograder and runs that copy, so the grader is looked for in
# <root>/source (the zip's contents), not beside this file; beside it only when run from an unpacked zip by hand.
set -u
ROOT="${GRADER_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
if [ ! -f "$SOURCE/config.json" ]; then
    SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fi
PYTHON="${GRADER_PYTHON:-$ROOT/venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
unset GRADER_HIDDEN_DIR
export GRADER_ROOT="$SOURCE" PYTHONPATH="$SOURCE${PYTHONPATH:+:$PYTHONPATH}"
cd "$SOURCE"
exec "$PYTHON" -m grader.gradescope run --root "$ROOT" --config "$SOURCE/config.json"
"""


def requirements(project: Path = exercises.PACKAGE_DIR.parent / "pyproject.toml") -> str:
    """The project's dependencies pinned to the versions installed here (plus Keras, which TensorFlow brings)."""
    names = [_name(spec) for spec in tomllib.loads(project.read_text())["project"]["dependencies"]] + ["keras"]
    return "".join(f"{name}=={_installed(name)}\n" for name in dict.fromkeys(names))


def _name(spec: str) -> str:
    for stop in "<>=!~[; ":
        spec = spec.split(stop)[0]
    return spec.strip()


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        raise ValueError(f"{name} is not installed here, so its version cannot be pinned") from None


def _add(archive: zipfile.ZipFile, name: str, text: str, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def _add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not SKIP & set(path.relative_to(folder).parts) and path.suffix != ".pyc":
            archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def build(out: Path, *, config: Config | None = None) -> Path:
    """Write the autograder zip to ``out`` (default config: every day with public checks)."""
    config = config or Config(exercises=available())
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    python = ".".join(map(str, sys.version_info[:2]))
    with zipfile.ZipFile(out, "w") as archive:
        _add(archive, "setup.sh", SETUP.format(python=python), executable=True)
        _add(archive, "run_autograder", RUN, executable=True)
        _add(archive, "requirements.txt", requirements())
        _add(archive, "config.json", json.dumps(asdict(config), indent=2) + "\n")
        _add_tree(archive, exercises.PACKAGE_DIR, "grader")
        for exercise_id in config.exercises:
            _add_tree(archive, exercises.ROOT / "exercises" / exercise_id, f"exercises/{exercise_id}")
        if (exercises.ROOT / "datasets").is_dir():
            _add_tree(archive, exercises.ROOT / "datasets", "datasets")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description="Gradescope's run_autograder")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--root", type=Path, default=Path(os.environ.get("GRADER_AUTOGRADER_ROOT") or DEFAULT_ROOT))
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    data = run(root=args.root, config=Config.read(args.config))
    print(f"score {data['score']:g} / {sum(t['max_score'] for t in data['tests']):g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
