"""Serving test apps: settings with one API key per role, and a TestClient whose lifespan runs
while a fixture yields it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from tests.serving.api_keys import keys_setting

AppFactory = Callable[..., TestClient]
"""The keyed_app fixture's factory: (template, **settings overrides) -> a running keyed app."""


def keyed_settings(home: Path, **overrides: Any) -> Settings:
    """Settings for `home` with the test key of every role and auth on (overrides win)."""
    return Settings(**{"home": home, "api_keys": keys_setting(), "auth_enabled": True, **overrides})


def app_of(settings: Settings, store: ModelStore | None = None) -> TestClient:
    """A client of the app over `settings` (and `store`, else the settings' own); entering it
    runs the lifespan."""
    return TestClient(create_app(settings, store or ModelStore.from_settings(settings)))


def app_client(settings: Settings, store: ModelStore | None = None) -> Iterator[TestClient]:
    """app_of, entered, for a fixture to `yield from`: the lifespan runs until teardown."""
    with app_of(settings, store) as client:
        yield client
