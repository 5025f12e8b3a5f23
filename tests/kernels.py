"""A fresh sandboxed kernel for tests: a working copy and a HOME under ``root``, closed on exit."""
import contextlib
from pathlib import Path

from grader.kernel import Kernel, kernel_env


@contextlib.contextmanager
def fresh_kernel(root: Path, *, setup: str | None = None, timeout: float = 60, make_work: bool = True):
    """A started kernel in ``root/work`` (made here unless ``make_work`` is false) with HOME ``root/home``;
    ``setup`` is run first and must succeed."""
    if make_work:
        (root / "work").mkdir()
    (root / "home").mkdir()
    with Kernel(workdir=root / "work", env=kernel_env(home=root / "home", extra={})) as kernel:
        if setup is not None:
            assert kernel.run(setup, timeout=timeout).ok
        yield kernel
