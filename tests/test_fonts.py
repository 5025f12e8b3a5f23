"""matplotlib's font list: built once by the grader, copied into each fresh kernel's folder, never into a HOME
the learner has had."""
import json
import os
import shutil
from pathlib import Path

import matplotlib
import pytest

from grader import fonts
from kernels import fresh_kernel

READ_LIST = """import os, json
folder = os.environ["MPLCONFIGDIR"]
names = sorted(os.listdir(folder))
before = [os.stat(os.path.join(folder, n)).st_mtime_ns for n in names]
import matplotlib.font_manager
after = [os.stat(os.path.join(folder, n)).st_mtime_ns for n in sorted(os.listdir(folder))]
print(json.dumps({"names": names, "rebuilt": before != after, "owner": os.stat(folder).st_uid == os.getuid(),
                  "writable": os.access(folder, os.W_OK)}))
"""


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """A font-list cache of this test's own (and the process's remembered list forgotten before and after)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    fonts.font_list.cache_clear()
    yield tmp_path / "cache" / "cnn-grader"
    fonts.font_list.cache_clear()


def test_a_fresh_kernel_reads_the_graders_font_list_without_rebuilding_it(tmp_path):
    with fresh_kernel(tmp_path) as kernel:
        run = kernel.run(READ_LIST, timeout=60)
    assert run.ok and "not a writable directory" not in run.stdout, run
    seen = json.loads(run.stdout)
    assert seen == {"names": [fonts.font_list().name], "rebuilt": False, "owner": True, "writable": True}
    assert (tmp_path / "home" / ".matplotlib" / seen["names"][0]).read_bytes() == fonts.font_list().read_bytes()


def test_a_restarted_kernel_gets_nothing_written_into_the_home_its_learner_had(tmp_path):
    """At a restart HOME is the learner's: a link they put where the font list goes is not written through."""
    target = tmp_path / "elsewhere"
    target.mkdir()
    with fresh_kernel(tmp_path) as kernel:
        planted = kernel.run(f"import os, shutil\nfolder = os.environ['MPLCONFIGDIR']\nshutil.rmtree(folder)\n"
                             f"os.symlink({str(target)!r}, folder)", timeout=30)
        assert planted.ok, planted
        kernel.restart()
        assert kernel.run("print('answers')", timeout=30).stdout == "answers\n"
    assert list(target.iterdir()) == [] and (tmp_path / "home" / ".matplotlib").is_symlink()


def test_the_list_is_built_once_with_an_empty_home_and_then_reused(own_cache, tmp_path, monkeypatch):
    """A font of the grader's own HOME (which no kernel sees) is not in the list; a second grader process finds
    the list kept and builds nothing."""
    home_fonts = tmp_path / "home" / ".fonts"
    home_fonts.mkdir(parents=True)
    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    shutil.copyfile(bundled, home_fonts / "GradersOwn.ttf")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    built = fonts.font_list()
    assert built is not None and built.parent.parent == own_cache and built.name.startswith("fontlist-v")
    listed = json.loads(built.read_text())
    assert any(entry["fname"].endswith("DejaVuSans.ttf") for entry in listed["ttflist"])
    assert "GradersOwn" not in built.read_text() and str(tmp_path / "home") not in built.read_text()
    fonts.font_list.cache_clear()
    monkeypatch.setattr(fonts, "_build", lambda folder: pytest.fail("built again"))
    assert fonts.font_list() == built


def test_without_a_font_list_nothing_is_seeded_and_grading_goes_on(own_cache, tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "BUILD", "raise SystemExit(3)")
    assert fonts.font_list() is None and fonts.seed(tmp_path / "config") == []
    assert not (tmp_path / "config").exists()
    fonts.font_list.cache_clear()
    monkeypatch.setattr("grader.environment.version", lambda package: "not installed")
    assert fonts.font_list() is None and not list(own_cache.glob("*/fontlist*"))


def test_an_existing_folder_is_left_as_it_is(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "mine.txt").write_text("kept")
    assert fonts.seed(folder) == [] and os.listdir(folder) == ["mine.txt"]
    assert fonts.seed(tmp_path / "new") == [tmp_path / "new", tmp_path / "new" / fonts.font_list().name]


def test_a_font_installed_since_makes_a_new_list(own_cache, tmp_path, monkeypatch):
    """A CJK font installed for Chinese titles after the list was kept: the next grader builds a new one, as a
    fresh kernel would have found the font."""
    root = tmp_path / "fonts"
    (root / "truetype" / "dejavu").mkdir(parents=True)
    monkeypatch.setattr(fonts, "FONT_ROOTS", (str(root), str(tmp_path / "missing")))
    first = fonts.font_list()
    assert first is not None and fonts.fingerprint() in first.parent.name
    fonts.font_list.cache_clear()
    assert fonts.font_list() == first   # nothing changed: the kept list
    (root / "truetype" / "noto").mkdir()
    shutil.copyfile(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf",
                    root / "truetype" / "noto" / "NotoSansCJKtc.ttf")
    fonts.font_list.cache_clear()
    second = fonts.font_list()
    assert second is not None and second.parent != first.parent
    monkeypatch.setattr(fonts.sys, "prefix", "/another/python")
    assert fonts.fingerprint() != second.parent.name.rsplit("-", 1)[1]


def test_a_kernel_whose_learner_removed_the_list_gets_none_again_at_a_restart(tmp_path):
    """At a restart HOME is the learner's: what they removed stays removed (matplotlib builds its own, as before)."""
    with fresh_kernel(tmp_path) as kernel:
        assert kernel.run("import os, shutil\nshutil.rmtree(os.environ['MPLCONFIGDIR'])", timeout=30).ok
        kernel.restart()
        assert kernel.run("print('answers')", timeout=30).stdout == "answers\n"
    assert not (tmp_path / "home" / ".matplotlib").exists()


def test_no_cache_folder_without_an_absolute_home(own_cache, tmp_path, monkeypatch):
    """A relative XDG_CACHE_HOME (or no HOME at all): nothing is written relative to the grader's folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert fonts.cache_folder() is None and fonts.font_list() is None and fonts.seed(tmp_path / "config") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == []
