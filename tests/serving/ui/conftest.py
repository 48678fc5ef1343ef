"""Workbench fixtures: one app with every family's champion behind keyed auth, signed-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.database.setup import close_database
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import Role
from tests.postgres import BACKENDS
from tests.serving.api_keys import KEYS, keys_setting
from training.leads.job import train_leads
from training.pricing.job import train_pricing

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


@pytest.fixture(scope="module")
def ui_app(
    tmp_path_factory: pytest.TempPathFactory, sales_template: Path, demo_paths: dict[str, Path]
) -> Iterator[TestClient]:
    """Sales v1 (v2 a challenger), leads v1 and pricing v1 champions; lifespan ran once."""
    home = tmp_path_factory.mktemp("workbench")
    shutil.copy(sales_template, home / "mlflow.db")
    settings = Settings(home=home, api_keys=keys_setting(), auth_enabled=True)
    store = ModelStore.from_settings(settings)
    assert train_leads(store, demo_paths["leads"], events=demo_paths["lead_events"]).promoted
    assert train_pricing(store, demo_paths["sales"]).promoted
    with TestClient(create_app(settings, store)) as client:
        yield client


@pytest.fixture(scope="module", params=BACKENDS)
def plan_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sales_pricing_template: Path,
) -> Iterator[TestClient]:
    """Sales v1 and pricing v1 champions (no leads: plans and price lists need none); the
    application database is the SQLite default under LODESTAR_HOME, then a real PostgreSQL
    database. The lifespan ran once."""
    home = tmp_path_factory.mktemp("plan-pages")
    shutil.copy(sales_pricing_template, home / "mlflow.db")
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database()
    settings = Settings(home=home, api_keys=keys_setting(), auth_enabled=True, database_url=url)
    try:
        with TestClient(create_app(settings, ModelStore.from_settings(settings))) as client:
            yield client
    finally:
        close_database(settings.database_uri)
        if url is not None:
            request.getfixturevalue("postgres_server").drop_database(url)


@pytest.fixture
def plan_sign_in(plan_app: TestClient) -> Callable[[Role], TestClient]:
    """A fresh browser-like client on the plan app, signed in with a role's key."""

    def signed_in(role: Role) -> TestClient:
        return signed_in_with(plan_app, KEYS[role])

    return signed_in


def signed_in_with(app_client: TestClient, key: str) -> TestClient:
    """A fresh browser-like client on an app, signed in through the form with `key`."""
    client = TestClient(app_client.app)
    page = client.get("/signin")
    answer = client.post(
        "/signin",
        data={"api_key": key, "csrf_token": csrf_of(page.text), "next": ""},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def sign_in(ui_app: TestClient) -> Callable[[Role], TestClient]:
    """A fresh browser-like client on the shared app, signed in with a role's key."""

    def signed_in(role: Role) -> TestClient:
        return signed_in_with(ui_app, KEYS[role])

    return signed_in
