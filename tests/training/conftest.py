"""Training fixtures: the per-test settings made the ones the in-process CLI reads."""

from __future__ import annotations

import pytest

from engine.core.settings import Settings


@pytest.fixture
def cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """`settings` (a fresh home), which `lodestar` commands run in-process now read."""
    monkeypatch.setattr("training.cli.options.get_settings", lambda: settings)
    monkeypatch.setattr("training.cli.pricing.get_settings", lambda: settings)
    return settings
