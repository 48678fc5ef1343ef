"""Shared fixtures: temporary MLflow stores (copied from one migrated template) and demo data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.core.logs import quiet_libraries
from engine.core.settings import Settings
from engine.demo import write_demo_data
from engine.registry.store import ModelStore
from tests.lead_loop import leads_template, loop_leads_csv  # noqa: F401 - shared fixtures
from tests.postgres import database_url, postgres_server  # noqa: F401 - shared fixtures
from tests.store_homes import StoreTemplates, home_from

SMALL_DEMO = {
    "n_regions": 2,
    "stores_per_region": 2,
    "n_products": 4,
    "n_weeks": 120,
    "n_leads": 800,
}
"""Demo sizes for tests: 16 weekly series, 800 leads; trains in seconds."""


@pytest.fixture(autouse=True)
def _no_outside_tracking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never write to a tracking server the developer happens to have configured."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _quiet() -> None:
    quiet_libraries()


@pytest.fixture(scope="session")
def _store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated MLflow SQLite database, made once per session."""
    home = tmp_path_factory.mktemp("template")
    ModelStore(f"sqlite:///{home / 'mlflow.db'}", home / "artifacts").experiment_id("sales")
    return home / "mlflow.db"


@pytest.fixture
def settings(tmp_path: Path, _store_template: Path) -> Settings:
    """Settings whose LODESTAR_HOME is a fresh folder holding a ready MLflow database."""
    home = home_from(_store_template, tmp_path / "home")
    return Settings(home=home, auth_enabled=False, refresh_seconds=0.2)


@pytest.fixture
def store(settings: Settings) -> ModelStore:
    """A real MLflow tracking store and registry in a temporary folder."""
    return ModelStore.from_settings(settings)


@pytest.fixture(scope="session")
def demo_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small generated demo files (sales, leads, lead_events, truth), written once."""
    return write_demo_data(tmp_path_factory.mktemp("demo"), seed=7, **SMALL_DEMO)


@pytest.fixture(scope="session")
def shared_data_dir() -> Path:
    """The real public data sets beside the repo; tests that need them skip when absent."""
    path = Settings().data_dir
    if not path.is_absolute():
        path = (Path(__file__).resolve().parent.parent / path).resolve()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the real data folder {path} (set LODESTAR_DATA_DIR)")
        pytest.skip(f"real data folder {path} is absent (set LODESTAR_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def store_templates(
    tmp_path_factory: pytest.TempPathFactory, _store_template: Path, demo_paths: dict[str, Path]
) -> StoreTemplates:
    """Trained store templates, each trained at most once per session."""
    return StoreTemplates(tmp_path_factory, _store_template, demo_paths)


@pytest.fixture(scope="session")
def sales_template(store_templates: StoreTemplates) -> Path:
    """A store holding sales v1 (champion) and v2 (a challenger)."""
    return store_templates.sales


@pytest.fixture(scope="session")
def sales_pricing_template(store_templates: StoreTemplates) -> Path:
    """sales_template plus a pricing v1 champion."""
    return store_templates.sales_pricing


@pytest.fixture(scope="session")
def every_family_template(store_templates: StoreTemplates) -> Path:
    """A store with every family's champion: sales v1 (and challenger v2), pricing v1, leads v1."""
    return store_templates.every_family
