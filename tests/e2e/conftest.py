"""Whole-system fixtures: real servers started per test and stopped after it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.e2e.lodestar_process import Server, lodestar_env
from training.leads.job import train_leads
from training.pricing.job import train_pricing

KEYS = {"planner": "e2e-planner-key", "pricing": "e2e-pricing-key", "data_scientist": "e2e-ds-key"}
"""One plain API key per role for the servers these tests start."""


@pytest.fixture
def start_server() -> Iterator[Callable[[dict[str, str]], Server]]:
    """Factory that starts servers and stops them all at the end of the test."""
    servers: list[Server] = []

    def start(env: dict[str, str]) -> Server:
        server = Server(env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def every_family_template(
    tmp_path_factory: pytest.TempPathFactory, sales_template: Path, demo_paths: dict[str, Path]
) -> Path:
    """A store with every family's champion: sales v1 (and challenger v2), leads v1, pricing v1."""
    home = tmp_path_factory.mktemp("every-family")
    shutil.copy(sales_template, home / "mlflow.db")
    store = ModelStore.from_settings(Settings(home=home))
    assert train_leads(store, demo_paths["leads"], events=demo_paths["lead_events"]).version == "1"
    assert train_pricing(store, demo_paths["sales"]).version == "1"
    return home / "mlflow.db"


@pytest.fixture
def keyed_server(
    tmp_path: Path,
    every_family_template: Path,
    demo_paths: dict[str, Path],
    start_server: Callable[[dict[str, str]], Server],
) -> Server:
    """`lodestar serve` with API keys over a private copy of the every-family store; training
    runs may read the demo files (LODESTAR_DATA_ROOTS)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(every_family_template, home / "mlflow.db")
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    roots = str(demo_paths["sales"].parent)
    return start_server(lodestar_env(home, LODESTAR_API_KEYS=keys, LODESTAR_DATA_ROOTS=roots))
