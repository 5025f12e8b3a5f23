"""benchmarks/kernel_boot.py: the CPU and wall time it prints are a real kernel's boot, counted by its cgroup."""
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import kernel_boot  # noqa: E402 - benchmarks/kernel_boot.py


def test_a_kernel_boot_is_counted_in_cpu_and_wall_seconds(capsys):
    kernel_boot.main(["--kernels", "2"])
    printed = capsys.readouterr().out
    assert re.search(r"IPython \d+\.\d+", printed) and "2 kernels" in printed, printed
    cpu = float(re.search(r"CPU-seconds a kernel boot: median ([\d.]+)", printed).group(1))
    wall = float(re.search(r"wall seconds a kernel boot: median ([\d.]+)", printed).group(1))
    assert cpu >= 0.2 and wall > 0.2, printed   # Python, IPython and ipykernel imported: never under 0.2 CPU-s
