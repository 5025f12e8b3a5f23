"""The kernel pool: a session's folder and sandboxed kernel, launched ahead of the session that will use it.

A fresh kernel takes about 0.5 s to boot (Python, ipykernel, the sandbox). A :class:`Stage` is everything a
session needs before the learner's notebook arrives: its temporary folder (``work``, ``home``, the exercise's
data) and a kernel launched in it, still booting. :func:`prepare` launches one for an exercise and a run seed
and returns at once, so the kernel boots while the grader does other work (the checks of the exercise before
it, or of the submission before it in a warm worker); :func:`take` hands it to the next :class:`Session` of that
exercise and seed, which copies the notebook in and waits for the kernel.

Isolation is unchanged: every stage serves exactly one session and is never reused; nothing of any learner has
run in a stage's kernel before it is taken, nor before the grader's own set-up (its output guard and PICTURES_OFF,
run by ``Kernel.connect`` when the session takes it). A stage not taken is closed when another is prepared for a
different exercise or seed, by :func:`discard`, and at exit.
"""
from __future__ import annotations

import atexit
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader import datasets
from grader.channel import remove_tree
from grader.kernel import Kernel, kernel_env


class LaunchError(Exception):
    """The kernel's process could not be started; the message says why (the session reports it)."""


@dataclass
class Stage:
    """A session's folder and its launched kernel (see module docstring)."""

    exercise_id: str
    seed: int
    folder: Path   # the session folder: removed with everything in it when the session ends
    workdir: Path  # where the notebook goes and the kernel runs
    kernel: Kernel

    def close(self) -> None:
        try:
            self.kernel.close()
        finally:
            remove_tree(self.folder)


_waiting: dict[tuple, Stage] = {}
_warm = [False]


def keep_warm(on: bool = True) -> None:
    """In a process that grades submission after submission (a warm worker, a benchmark): after a submission's
    last exercise, prepare its first one again for the next submission (see :func:`next_after`)."""
    _warm[0] = on


def next_after(exercise_ids: list[str], index: int) -> str | None:
    """The exercise whose stage to prepare while ``exercise_ids[index]`` is checked: the next one, or after the
    last, the first again when :func:`keep_warm` is on (the next submission most likely has the same days)."""
    if index + 1 < len(exercise_ids):
        return exercise_ids[index + 1]
    return exercise_ids[0] if _warm[0] and exercise_ids else None


def build(exercise_id: str, seed: int, kernel_seed: int) -> Stage:
    """A new stage with its kernel launched (not yet answering). ``kernel_seed`` is the seed the kernel is told
    (see :func:`grader.session.kernel_seed`). Raises :class:`LaunchError` when the kernel cannot be launched, and
    what preparing the exercise's data raises (the folder is removed either way)."""
    folder = Path(tempfile.mkdtemp(prefix=f"grader-{exercise_id}-"))
    try:
        workdir, home = folder / "work", folder / "home"
        workdir.mkdir()
        home.mkdir()
        data = datasets.prepare_kernel(exercise_id, workdir / "data", home)
        env = kernel_env(home=home, extra={"GRADER_GRADING": "1", "GRADER_SEED": str(kernel_seed),
                                           "PYTHONHASHSEED": str(kernel_seed), **data})
        kernel = Kernel(workdir=workdir, env=env)
        try:
            kernel.launch()
        except Exception as error:
            raise LaunchError(f"{type(error).__name__}: {error}") from error
    except BaseException:
        remove_tree(folder)
        raise
    return Stage(exercise_id, seed, folder, workdir, kernel)


def _key(exercise_id: str, seed: int) -> tuple:
    """What a stage was built from: the exercise, the seed, and the kernel environment the grader's own
    environment gives (a variable changed since, e.g. GRADER_DATASETS or TF_CPP_MIN_LOG_LEVEL, makes it stale)."""
    drawn = kernel_env(home=Path("~"), extra={})
    return exercise_id, seed, tuple(sorted(drawn.items())), os.environ.get("HOME")


def prepare(exercise_id: str, seed: int, kernel_seed: int) -> None:
    """Launch a stage for the next session of ``exercise_id`` at ``seed`` unless one waits already; a stage
    waiting for anything else is closed. Never raises: without a stage the session starts its own."""
    key = _key(exercise_id, seed)
    if key in _waiting:
        return
    discard()
    try:
        _waiting[key] = build(exercise_id, seed, kernel_seed)
    except Exception:  # noqa: BLE001 - the session will start a kernel itself, and report what goes wrong then
        pass


def take(exercise_id: str, seed: int) -> Stage | None:
    """The stage prepared for this exercise and seed (in this environment), now the caller's to use and close;
    None if there is none (one of this exercise and seed made in another environment is closed)."""
    stage = _waiting.pop(_key(exercise_id, seed), None)
    for key in [k for k in _waiting if k[:2] == (exercise_id, seed)]:
        _waiting.pop(key).close()
    return stage


def discard() -> None:
    """Close every waiting stage."""
    while _waiting:
        _waiting.pop(next(iter(_waiting))).close()


def waiting_pids() -> list[int]:
    """The process ids of the waiting stages' kernel launchers (each kernel runs below its launcher): what a warm
    worker must not kill as strays between submissions."""
    pids = []
    for stage in _waiting.values():
        process = getattr(getattr(getattr(stage.kernel._client, "km", None), "provisioner", None), "process", None)
        if process is not None and process.pid:
            pids.append(int(process.pid))
    return pids


def waiting() -> list[tuple[str, int]]:
    """(exercise, seed) of the stages waiting, oldest first."""
    return [key[:2] for key in _waiting]


atexit.register(discard)
