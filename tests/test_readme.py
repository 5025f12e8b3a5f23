"""The README's quick start is what CI runs: `.ci/run` calls exactly the README's test command, nothing else."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_exactly_the_readme_test_command():
    commands = readme_commands()
    assert len(commands) == 2 and "pytest" in commands[1]
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.startswith("#")]
    steps = [line for line in ci if not line.startswith(("set ", "cd ", "export "))]
    assert steps == [commands[1]], f".ci/run runs {steps}, the README says {commands[1]!r}"


def test_the_test_extra_brings_what_the_readme_command_uses():
    pyproject = (ROOT / "pyproject.toml").read_text()
    if " -n " in readme_commands()[1]:
        assert "pytest-xdist" in pyproject.split("test = [")[1].split("]")[0]
