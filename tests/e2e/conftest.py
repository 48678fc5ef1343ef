"""Whole-system fixtures: real servers started per test and stopped after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.lodestar_process import Server, lodestar_env
from tests.store_homes import home_from

KEYS = {"planner": "e2e-planner-key", "pricing": "e2e-pricing-key", "data_scientist": "e2e-ds-key"}
"""One plain API key per role for the servers these tests start."""


@pytest.fixture
def start_server() -> Iterator[Callable[..., Server]]:
    """Factory that starts servers (Server's arguments) and stops them all at the end of the
    test."""
    servers: list[Server] = []

    def start(env: dict[str, str], log_path: Path | None = None, **options: Any) -> Server:
        server = Server(env, log_path, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sales_home(tmp_path: Path, sales_template: Path) -> Path:
    """A LODESTAR_HOME holding a private copy of the sales store (restarts fastest)."""
    return home_from(sales_template, tmp_path / "home")


@pytest.fixture
def keyed_server(
    tmp_path: Path,
    every_family_template: Path,
    demo_paths: dict[str, Path],
    start_server: Callable[..., Server],
) -> Server:
    """`lodestar serve` with API keys over a private copy of the every-family store; training
    runs may read the demo files (LODESTAR_DATA_ROOTS)."""
    home = home_from(every_family_template, tmp_path / "home")
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    roots = str(demo_paths["sales"].parent)
    return start_server(lodestar_env(home, LODESTAR_API_KEYS=keys, LODESTAR_DATA_ROOTS=roots))
