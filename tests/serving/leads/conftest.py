"""Lead-loop app fixture: a keyed app on a home holding the session's leads champion."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from tests.serving.leads.loop_keys import keys_setting

LoopApp = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def loop_app(tmp_path: Path, leads_template: Path) -> LoopApp:
    """Start a keyed app on this test's home (same database each time); settings as given."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    if not (home / "mlflow.db").exists():
        shutil.copy(leads_template, home / "mlflow.db")

    @contextmanager
    def start(**overrides: Any) -> Iterator[TestClient]:
        values: dict[str, Any] = {
            "home": home,
            "api_keys": keys_setting(),
            "auth_enabled": True,
            "refresh_seconds": 60,
        }
        settings = Settings(**{**values, **overrides})
        with TestClient(create_app(settings, ModelStore.from_settings(settings))) as client:
            yield client

    return start
