"""benchmarks/suite_cpu.py: the kinds it sorts processes into, and the CPU it counts for a command's processes."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import suite_cpu  # noqa: E402 - benchmarks/suite_cpu.py

from grader import sandbox  # noqa: E402
from grader.job import CHILD_PREAMBLE  # noqa: E402
from grader.kernel import KERNEL_MAIN  # noqa: E402


def test_command_lines_are_sorted_into_the_kinds_the_readme_reports():
    kind = suite_cpu.kind_of
    assert kind("1", "python -m grader.sandbox {} -- python -m ipykernel_launcher -f c.json") == "kernel ?"
    assert kind("1", " ".join([*sandbox.launcher_argv({}), "python", "-c", KERNEL_MAIN, "-f", "c.json"])) == "kernel ?"
    assert kind("1", "python -c import sys;exec(eval(sys.stdin.readline()))") == "pytest worker (xdist)"
    assert kind("1", f"python -c {CHILD_PREAMBLE} 0 1") == "grading child (worker/job)"
    assert kind("1", "python -m grader.cli grade day93.ipynb") == "grader command line"
    assert kind("1", "python -m grader.gradescope") == "Gradescope entry point"
    assert kind("1", "/usr/bin/sleep 30") == "sleep"
    assert kind("1", "") == "(no command line)"


def test_a_commands_own_cpu_is_counted_by_kind(capsys):
    # its own kind ("python -c suite_cpu_burn"): other processes on the machine (a parallel run's) are not in it
    burn = "suite_cpu_burn = 1\nimport time\nend = time.process_time() + 1.5\nwhile time.process_time() < end: pass"
    assert suite_cpu.main(["--interval", "0.2", "--", sys.executable, "-c", burn]) == 0
    rows = {line.split(" | ")[0].strip("| "): line for line in capsys.readouterr().out.splitlines()
            if line.startswith("| python -c suite_cpu_burn |")}
    assert len(rows) == 1, rows
    cpu_s = float(next(iter(rows.values())).split(" | ")[1])
    assert 1 <= cpu_s <= 3, rows    # 1.5 s burnt; whole seconds printed
