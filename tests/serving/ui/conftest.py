"""Workbench fixtures: one app with every family's champion behind keyed auth, signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.database.setup import close_database
from serving.core.auth import Role
from tests.postgres import BACKENDS
from tests.serving.api_keys import KEYS
from tests.serving.app_clients import AppFactory, app_client, keyed_settings
from tests.store_homes import home_from

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


@pytest.fixture(scope="module")
def ui_app(keyed_app: AppFactory, every_family_template: Path) -> TestClient:
    """Sales v1 (v2 a challenger), leads v1 and pricing v1 champions; lifespan ran once."""
    return keyed_app(every_family_template)


@pytest.fixture(scope="module", params=BACKENDS)
def plan_app(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sales_pricing_template: Path,
) -> Iterator[TestClient]:
    """Sales v1 and pricing v1 champions (no leads: plans and price lists need none); the
    application database is the SQLite default under LODESTAR_HOME, then a real PostgreSQL
    database. The lifespan ran once."""
    home = home_from(sales_pricing_template, tmp_path_factory.mktemp("plan-pages"))
    url = None
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_server").create_database()
    settings = keyed_settings(home, database_url=url)
    try:
        yield from app_client(settings)
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
