"""Database fixtures: the session's trained sales champion and its quarterly cache."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.forecasting.quarterly import QuarterlyCache
from tests.store_homes import store_from


@dataclass(frozen=True)
class Champion:
    """A loaded sales champion: version, forecast set and its quarterly cache."""

    version: str
    payload: Any
    cache: QuarterlyCache


@pytest.fixture(scope="session")
def sales_champion(tmp_path_factory: pytest.TempPathFactory, sales_template: Path) -> Champion:
    """The session's demo sales champion (16 series), loaded once."""
    store = store_from(sales_template, tmp_path_factory.mktemp("champion-home"))
    version, payload = store.load_champion("sales")
    return Champion(version, payload, QuarterlyCache.build(payload))
