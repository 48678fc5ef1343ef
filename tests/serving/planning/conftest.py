"""An app on the trained sales + pricing store, with its database on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.serving.app_clients import app_client, keyed_settings
from tests.store_homes import home_from


@pytest.fixture
def plan_client(
    tmp_path: Path, sales_pricing_template: Path, database_url: str
) -> Iterator[TestClient]:
    """Keyed app with sales and pricing champions; its application database is `database_url`."""
    home = home_from(sales_pricing_template, tmp_path / "home")
    yield from app_client(keyed_settings(home, database_url=database_url))
