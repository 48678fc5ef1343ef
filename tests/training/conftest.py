"""Training fixtures: the per-test settings made the ones the in-process CLI reads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.core.settings import Settings, get_settings
from tests.store_homes import home_from

CliHome = Callable[[Path], Path]
"""Makes a copy of a store template the home `lodestar` commands run in-process read."""


@pytest.fixture
def cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """`settings` (a fresh home), which `lodestar` commands run in-process now read."""
    monkeypatch.setattr("training.cli.options.get_settings", lambda: settings)
    monkeypatch.setattr("training.cli.pricing.get_settings", lambda: settings)
    return settings


@pytest.fixture
def cli_home(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CliHome]:
    """Homes for the CLI: LODESTAR_HOME a copy of the given template, the application database
    at `database_url` (SQLite or PostgreSQL), LODESTAR_USER ann; settings read afresh."""

    def make(template: Path) -> Path:
        folder = home_from(template, tmp_path / "home")
        monkeypatch.setenv("LODESTAR_HOME", str(folder))
        monkeypatch.setenv("LODESTAR_DATABASE_URL", database_url)
        monkeypatch.setenv("LODESTAR_USER", "ann")
        get_settings.cache_clear()
        return folder

    yield make
    get_settings.cache_clear()
