"""The exercises: one name per course day (``day93``), used for folders, notebooks, checks and reports."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from grader.results import Text

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("GRADER_ROOT") or PACKAGE_DIR.parent)
COURSE_DIR = PACKAGE_DIR / "course"   # a built wheel's copy of exercises/ (package data, see pyproject.toml)
DAY = re.compile(r"^day\d\d$")


def exercises_dir() -> Path:
    """The learner's exercise folders (``dayNN/dayNN.ipynb`` and ``dayNN/test_dayNN.py``): the checkout's
    ``exercises/`` (a clone or an editable install), else the copy installed inside the package (a wheel)."""
    checkout = ROOT / "exercises"
    return checkout if checkout.is_dir() or not COURSE_DIR.is_dir() else COURSE_DIR


def hidden_dir() -> Path:
    """Where the hidden checks are: ``grader/hidden``, or the folder named by ``GRADER_HIDDEN_DIR`` (a Classroom
    workflow checks them out there from the instructor's private repository at grading time)."""
    folder = os.environ.get("GRADER_HIDDEN_DIR")
    return Path(folder).resolve() if folder else PACKAGE_DIR / "hidden"


@functools.cache
def checks_digest() -> str:
    """sha256 (hex) of everything that decides a score: the grader's own files (its modules, ``checks.ini``,
    ``hidden_counts.json``), the public checks (``exercises/dayNN/``, notebooks left out), the hidden checks
    (:func:`hidden_dir`) and the datasets the accuracy checks use, by relative path and content. A batch re-grades
    a learner graded under another digest (:meth:`grader.job.Settings.key`): changed checks, data or a new grader
    version never leave old scores standing. Computed once per process (about 130 files, 14 MB: 0.1 s)."""
    digest = hashlib.sha256()
    places = [(PACKAGE_DIR, "grader"), (hidden_dir(), "hidden"), (exercises_dir(), "exercises"),
              (ROOT / "datasets", "datasets")]
    for root, label in places:
        files = sorted(p for p in Path(root).rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix != ".ipynb") if Path(root).is_dir() else []
        for path in files:
            digest.update(f"{label}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class Exercise:
    id: str
    title: Text
    functions: tuple[str, ...]
    cell_timeout_s: float = 60.0
    total_timeout_s: float = 600.0
    call_timeout_s: float = 20.0
    calls_budget_s: float = 300.0  # every learner call of the checks together (honest day93: under 40 s loaded)
    keras: bool = True  # its checks import Keras (and TensorFlow: 5-10 s on 2 cores, paid once per grading process)

    @property
    def notebook_name(self) -> str:
        return f"{self.id}.ipynb"

    @property
    def public_checks(self) -> Path:
        return exercises_dir() / self.id / f"test_{self.id}.py"

    @property
    def hidden_checks(self) -> Path | None:
        path = hidden_dir() / f"{self.id}.py"
        return path if path.is_file() else None

    @property
    def solution(self) -> Path:
        return ROOT / "solutions" / self.id / self.notebook_name

    @property
    def stub(self) -> Path:
        return exercises_dir() / self.id / self.notebook_name


EXERCISES: dict[str, Exercise] = {e.id: e for e in (
    Exercise("day93", Text("Compute a feature map", "計算特徵圖"),
             ("conv_single_step", "feature_map", "feature_maps", "relu"), keras=False),
    Exercise("day94", Text("Padding and stride", "填補與步長"),
             ("conv_output_size", "keras_output_size", "zero_pad", "conv_forward")),
    Exercise("day95", Text("Max and mean pooling", "最大池化與平均池化"), ("pool_forward",)),
    Exercise("day96", Text("Build a Keras CNN", "用 Keras 建立 CNN"),
             ("conv_params", "dense_params", "separable_conv_params", "conv_output_shape", "build_model"),
             call_timeout_s=60.0, calls_budget_s=600.0),
    Exercise("day97", Text("Train MNIST to 99% test accuracy", "訓練 MNIST 到 99% 測試準確率"),
             ("scale_images", "format_labels", "build_convnet", "trained_model", "training_history"),
             cell_timeout_s=1200.0, total_timeout_s=1800.0, call_timeout_s=120.0, calls_budget_s=1800.0),
    Exercise("day98", Text("VGG16 transfer learning", "VGG16 遷移學習"),
             ("prepare_images", "preprocess", "build_conv_base", "extract_features", "build_head", "train_head",
              "build_end_to_end", "unfreeze_top_block"),
             cell_timeout_s=900.0, total_timeout_s=1800.0, call_timeout_s=300.0, calls_budget_s=1800.0),
)}


def get(exercise_id: str) -> Exercise:
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise ValueError(f"Unknown exercise {exercise_id!r}; known: {', '.join(EXERCISES)}") from None


def for_function(name: str) -> Exercise:
    """The exercise whose learner writes the function ``name``."""
    for exercise in EXERCISES.values():
        if name in exercise.functions:
            return exercise
    known = ", ".join(f for e in EXERCISES.values() for f in e.functions)
    raise ValueError(f"No exercise has a function named {name!r}; known: {known}")


TARGET = re.compile(r"""@pytest\.mark\.target\(\s*["']([A-Za-z_]\w*)["']""")


def hidden_check_count(exercise_id: str, function: str | None = None) -> int:
    """How many hidden checks grade ``exercise_id`` (or only its learner function ``function``): read from their
    source (``def test_`` lines; ``@pytest.mark.target("fn")`` markers per function), or from a release's
    ``grader/hidden_counts.json`` (``{"day93": 8, "day93.feature_map": 6, ...}``)."""
    hidden = get(exercise_id).hidden_checks
    if hidden is not None:
        source = hidden.read_text(encoding="utf-8")
        if function is not None:
            return sum(1 for name in TARGET.findall(source) if name == function)
        return sum(1 for line in source.splitlines() if line.startswith("def test_"))
    counts = PACKAGE_DIR / "hidden_counts.json"
    key = exercise_id if function is None else f"{exercise_id}.{function}"
    return int(json.loads(counts.read_text()).get(key, 0)) if counts.is_file() else 0


def hidden_counts() -> dict[str, int]:
    """Every count :func:`hidden_check_count` answers, for a release's ``hidden_counts.json``."""
    counts = {e: hidden_check_count(e) for e in EXERCISES}
    counts.update({f"{e.id}.{f}": hidden_check_count(e.id, f) for e in EXERCISES.values() for f in e.functions})
    return counts
