"""Whole-system fixtures: real servers started per test and stopped after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.lodestar_process import Server


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
