"""Serving fixtures: a store with two trained sales versions, API keys per role, app clients."""

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
def serving_settings(tmp_path: Path, sales_template: Path) -> Settings:
    """Settings on a private copy of the trained store, with one API key per role."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sales_template, home / "mlflow.db")
    return Settings(home=home, api_keys=keys_setting(), auth_enabled=True, refresh_seconds=0.2)


@pytest.fixture
def serving_store(serving_settings: Settings) -> ModelStore:
    return ModelStore.from_settings(serving_settings)


@pytest.fixture
def client(serving_settings: Settings, serving_store: ModelStore) -> Iterator[TestClient]:
    """The app with keys configured and the sales champion loaded (lifespan ran)."""
    with TestClient(create_app(serving_settings, serving_store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def shared_client(
    tmp_path_factory: pytest.TempPathFactory, sales_template: Path
) -> Iterator[TestClient]:
    """One keyed app per test module for read-only tests (nothing may move its aliases)."""
    home = tmp_path_factory.mktemp("shared-home")
    shutil.copy(sales_template, home / "mlflow.db")
    settings = Settings(home=home, api_keys=keys_setting(), auth_enabled=True)
    with TestClient(create_app(settings, ModelStore.from_settings(settings))) as test_client:
        yield test_client
