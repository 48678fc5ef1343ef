"""Serving fixtures: a store with two trained sales versions, API keys per role, app clients."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.serving.app_clients import AppFactory, app_client, app_of, keyed_settings
from tests.store_homes import home_from


@pytest.fixture
def serving_settings(tmp_path: Path, sales_template: Path) -> Settings:
    """Settings on a private copy of the trained store, with one API key per role."""
    return keyed_settings(home_from(sales_template, tmp_path / "home"), refresh_seconds=0.2)


@pytest.fixture
def serving_store(serving_settings: Settings) -> ModelStore:
    return ModelStore.from_settings(serving_settings)


@pytest.fixture
def client(serving_settings: Settings, serving_store: ModelStore) -> Iterator[TestClient]:
    """The app with keys configured and the sales champion loaded (lifespan ran)."""
    yield from app_client(serving_settings, serving_store)


@pytest.fixture(scope="module")
def keyed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppFactory]:
    """Factory: a keyed app over a fresh copy of a store template (settings overrides as
    keywords), its lifespan running until the module's tests are done."""
    with contextlib.ExitStack() as running:

        def open_app(template: Path, **overrides: Any) -> TestClient:
            home = home_from(template, tmp_path_factory.mktemp("app"))
            return running.enter_context(app_of(keyed_settings(home, **overrides)))

        yield open_app


@pytest.fixture(scope="module")
def shared_client(keyed_app: AppFactory, sales_template: Path) -> TestClient:
    """One keyed app per test module for read-only tests (nothing may move its aliases)."""
    return keyed_app(sales_template)


@pytest.fixture(scope="module")
def pricing_client(keyed_app: AppFactory, sales_pricing_template: Path) -> TestClient:
    """Sales v1 and pricing v1 champions behind keyed auth (one app for the module)."""
    return keyed_app(sales_pricing_template)
