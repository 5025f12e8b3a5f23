"""Matplotlib's font list, built once per machine by the grader and copied into each graded kernel's fresh folder.

Every graded kernel has a fresh HOME, and in it a fresh ``MPLCONFIGDIR`` (:func:`grader.kernel.kernel_env`), so
the first ``import matplotlib.pyplot`` of every kernel scanned the machine's fonts and wrote matplotlib's font
list (``fontlist-v<version>.json``): 0.2-0.35 of a kernel's CPU-seconds, in every notebook that draws
(`import matplotlib.font_manager` in a graded kernel, 2026-12-03, this project's 2-core machine: 0.21-0.38
CPU-seconds with a fresh folder, 0.02 with the list already there).

The list is built by a Python process of the grader's own (never taken from a kernel: a learner may write
anything into their folder) with a kernel's environment and an empty HOME, so it names only fonts of the system
and of matplotlib itself, which the sandbox's view holds (``/usr`` and Python's prefix). Where a font it names is
missing, matplotlib rebuilds the list, as it did before. One difference a learner may see: a font file they copy
into their HOME (``~/.fonts``) before importing matplotlib is no longer found by the scan (matplotlib does not
rescan a list it has); ``matplotlib.font_manager.fontManager.addfont(path)``, the usual Colab recipe, still
works, and a graded kernel draws no pictures (:data:`grader.kernel.PICTURES_OFF`).

The list is kept under the user's cache folder (``$XDG_CACHE_HOME`` or ``~/.cache``, ``cnn-grader/``), written
atomically so parallel graders share it, in a folder named by matplotlib's version and a :func:`fingerprint` of
the Python installation and the system's font folders: a font installed since (a CJK font for Chinese titles)
makes a new list, as a fresh kernel would have found it.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BUILD_TIMEOUT_S = 120
BUILD = "import matplotlib.font_manager"   # loading the font manager writes its list into MPLCONFIGDIR
# The system's font folders: matplotlib's own search path (``font_manager.X11FontDirectories`` and
# ``OSXFontDirectories``, less the user's HOME, which a kernel does not have) and fontconfig's configuration.
FONT_ROOTS = ("/usr/share/fonts", "/usr/local/share/fonts", "/usr/X11R6/lib/X11/fonts", "/usr/X11/lib/X11/fonts",
              "/usr/lib/openoffice/share/fonts", "/etc/fonts", "/Library/Fonts", "/System/Library/Fonts",
              "/Network/Library/Fonts")
FOLDERS_SEEN = 5000   # folders looked at, at most, for the fingerprint


def cache_folder() -> Path | None:
    """Where the grader keeps its font lists: ``$XDG_CACHE_HOME/cnn-grader`` (``~/.cache/cnn-grader``); None when
    that is not an absolute path (no HOME: nothing is written relative to the folder the grader runs in)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cnn-grader" if os.path.isabs(base) else None


@functools.lru_cache(maxsize=1)
def font_list() -> Path | None:
    """The grader's matplotlib font list (a JSON file of matplotlib's own format), built on first use by a
    subprocess (about a CPU-second, once per Python installation, matplotlib version and set of system fonts:
    :func:`fingerprint`). None when matplotlib is not installed or the list cannot be built or kept; the kernels
    then build their own, as matplotlib does."""
    from grader.environment import version as installed   # imported here: graded kernels import this module

    version = installed("matplotlib")
    if version == "not installed":
        return None
    cache = cache_folder()
    if cache is None:
        return None
    folder = cache / f"matplotlib-{version}-{fingerprint()}"
    found = sorted(folder.glob("fontlist-v*.json")) if folder.is_dir() else []
    if found:
        return found[-1]
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        folder.mkdir(parents=True, exist_ok=True)
        return _build(folder)
    return None


def fingerprint() -> str:
    """12 hex digits that change when Python's installation (``sys.prefix``) or a folder under :data:`FONT_ROOTS`
    changes (a font added or removed changes its folder's modification time); links are not followed."""
    digest = hashlib.sha256(sys.prefix.encode())
    seen = 0
    for root in FONT_ROOTS:
        for folder, subfolders, _ in os.walk(root):
            with contextlib.suppress(OSError):
                digest.update(f"{folder}\0{os.stat(folder, follow_symlinks=False).st_mtime_ns}\0".encode())
            seen += 1
            if seen >= FOLDERS_SEEN:
                return digest.hexdigest()[:12]
            subfolders.sort()
    return digest.hexdigest()[:12]


def _build(folder: Path) -> Path | None:
    """Build the list in a scratch folder of ``folder`` with a kernel's environment
    (:func:`grader.kernel.kernel_env`: its variables only, an empty HOME), then move it into ``folder``."""
    from grader.kernel import kernel_env   # imported here: grader.kernel imports this module

    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        env = kernel_env(home=Path(scratch), extra={})
        subprocess.run([sys.executable, "-c", BUILD], env=env, cwd=scratch, check=True, timeout=BUILD_TIMEOUT_S,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        built = sorted(Path(env["MPLCONFIGDIR"]).glob("fontlist-v*.json"))
        if not built:
            return None
        kept = folder / built[-1].name
        os.replace(built[-1], kept)   # atomic: another grader building at once reads a whole file or none
        return kept


def seed(config_dir: Path) -> list[Path]:
    """Create ``config_dir`` (a kernel's ``MPLCONFIGDIR``, in its fresh HOME) holding a copy of :func:`font_list`;
    returns what was created (the folder, then the file), for the caller to hand to the kernel's user. Nothing is
    created, and [] returned, when there is no font list or ``config_dir`` exists already (nothing is written
    through a path that is there)."""
    source = font_list()
    if source is None:
        return []
    try:
        config_dir.mkdir()
    except OSError:
        return []
    target = config_dir / source.name
    try:
        shutil.copyfile(source, target)
    except OSError:
        return [config_dir]
    return [config_dir, target]
