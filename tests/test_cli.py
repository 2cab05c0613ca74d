"""The lazy command line: `aisac --help` lists every command without importing any part; each loads when run."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from aisac.cli import COMMANDS, app, load

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name, (_, short) in COMMANDS.items():
        assert name in result.output and short in result.output


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listing_matches_the_command_and_its_help_runs(name) -> None:
    command = load(name)
    assert (command.help or "").split("\n")[0].strip() == COMMANDS[name][1]
    result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Usage: aisac " + name in " ".join(result.output.split())


def test_help_imports_no_part() -> None:
    """Start-up cost is the parts' imports (stix2, DuckDB, FastAPI ...): `aisac --help` must load none."""
    code = (
        "import sys; sys.argv = ['aisac', '--help']\n"
        "from aisac.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('duckdb', 'stix2', 'fastapi', 'pyarrow', 'numpy', 'sqlalchemy', 'pydantic')\n"
        "print(sorted(m for m in sys.modules if m.startswith('aisac.') or m.split('.')[0] in heavy), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "['aisac.cli']"


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["nosuch"])
    assert result.exit_code == 2 and "No such command" in result.output
