"""An app on the trained sales + pricing store, with its database on SQLite or PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from tests.serving.api_keys import keys_setting


@pytest.fixture
def plan_client(
    tmp_path: Path, sales_pricing_template: Path, database_url: str
) -> Iterator[TestClient]:
    """Keyed app with sales and pricing champions; its application database is `database_url`."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sales_pricing_template, home / "mlflow.db")
    settings = Settings(
        home=home, api_keys=keys_setting(), auth_enabled=True, database_url=database_url
    )
    with TestClient(create_app(settings, ModelStore.from_settings(settings))) as client:
        yield client
