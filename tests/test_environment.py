"""Where grading ran, said in both languages; TensorFlow imported without its log lines; progress per exercise."""
import subprocess
import sys

import pytest

from grader import environment, messages
from grader import exercise as exercises
from grader.grading import grade

TF_NOISE = ("absl::InitializeLog", "cuInit", "cudart_stub", "oneDNN custom operations", "cpu_feature_guard")


def test_the_device_line_exists_in_both_languages():
    assert environment.device_text("CPU: 2 cores").zh_tw == "CPU：2 核心"
    assert environment.device_text("CPU: 2 cores").en == "CPU: 2 cores"
    assert environment.device_text("GPU: NVIDIA H200").zh_tw == "圖形處理器 GPU：NVIDIA H200"
    assert environment.device_text(environment.device()).zh_tw != environment.device()


@pytest.mark.slow
@pytest.mark.parametrize("start", ["quiet_tensorflow", "preload_keras"])   # preload_keras: a grading child's start
def test_tensorflow_imports_without_its_start_up_log_lines(start):
    script = (f"from grader.environment import {start}\n{start}()\n"
              "import tensorflow as tf\nprint(float(tf.constant(2.0) * 3), tf.get_logger().level)\n"
              "import sys\nprint('still mine', file=sys.stderr)")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("TF_", "CUDA_"))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "6.0 40"   # and TensorFlow's own logger at ERROR
    assert "still mine" in done.stderr   # the learner's own stderr is kept
    assert [line for line in done.stderr.splitlines() if any(n in line for n in TF_NOISE)] == []


def test_the_filter_keeps_other_stderr_and_drops_tensorflow_log_lines():
    lines = ["I0000 00:00:1796042956.478671   11633 port.cc:153] oneDNN custom operations are on.",
             "E0000 00:00:1796042905.249666    8813 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)",
             "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
             "Traceback (most recent call last):"]
    assert [line for line in lines if not environment.TF_LOG_LINE.match(line)] == ["Traceback (most recent call last):"]


@pytest.mark.slow
def test_grade_reports_progress_per_exercise(tmp_path):
    import shutil

    for day in ("day93", "day95"):
        shutil.copytree(exercises.ROOT / "solutions" / day, tmp_path / day)
    calls = []
    result = grade(tmp_path, seed=1, hidden=False, progress=lambda *args: calls.append(args))
    assert [e.id for e in result.exercises] == ["day93", "day95"]
    assert calls == [("day93", 0, 2), ("day95", 1, 2), ("day95", 2, 2)]
    line = messages.text("grade_progress", exercise="day95", done=1, total=2)
    assert line.zh_tw == "正在批改 day95（已完成 1 / 2）……"


@pytest.mark.slow
def test_grader_grade_on_a_terminal_says_which_exercise_it_is_grading(tmp_path):
    import os
    import pty
    import shutil

    for day in ("day93", "day95"):
        shutil.copytree(exercises.ROOT / "solutions" / day, tmp_path / day)
    main, terminal = pty.openpty()   # stderr on a terminal, stdout a pipe
    env = {k: v for k, v in os.environ.items() if k != "GRADER_LANG"}
    done = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(tmp_path), "--public-only"],
                          stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=600, env=env)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert done.returncode == 0
    lines = shown.decode().splitlines()
    assert [line for line in lines if line.startswith("正在批改")] == ["正在批改 day93（已完成 0 / 2）……",
                                                                      "正在批改 day95（已完成 1 / 2）……"]
    assert "已批改完成 2 / 2。" in lines
    assert "正在批改" not in done.stdout   # a pipe gets the report only
