"""Running the `lodestar` CLI in-process, as main() runs it, and capturing what it says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.core.settings import get_settings
from training.cli.app import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`lodestar *args`: its exit code (0 when it ends without one), stdout and stderr."""
    with pytest.raises(SystemExit) as ended:
        main(args)
    said = capsys.readouterr()
    return int(ended.value.code or 0), said.out, said.err


def cli_home(folder: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Yield `folder` as the CLI's LODESTAR_HOME, with the application database at
    `database_url` and LODESTAR_USER ann; settings are read afresh inside and after."""
    monkeypatch.setenv("LODESTAR_HOME", str(folder))
    monkeypatch.setenv("LODESTAR_DATABASE_URL", database_url)
    monkeypatch.setenv("LODESTAR_USER", "ann")
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()
