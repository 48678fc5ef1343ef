"""`lodestar` starts without the heavy libraries only some commands need (start-up time): no
MLflow, plotting, web server, boosting, statsforecast or database until a command uses them."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("mlflow", "matplotlib", "uvicorn", "lightgbm", "statsforecast", "sqlalchemy", "alembic")


def _imported_after(code: str) -> set[str]:
    probe = f"import sys; {code}; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in done.stdout.split()}


def test_building_the_cli_imports_none_of_the_heavy_libraries() -> None:
    loaded = _imported_after("import training.cli.app")
    assert "typer" in loaded and "engine" in loaded  # the probe really built the CLI
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("command", [["--help"], ["forecast", "--help"], ["models", "--help"]])
def test_help_pages_load_none_of_them_either(command: list[str]) -> None:
    code = (
        "from training.cli.app import app; "
        f"app(args={command!r}, standalone_mode=False, prog_name='lodestar')"
    )
    loaded = _imported_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
