"""An unexpected error over real HTTP (item 18): a uvicorn server in this process, so a route
can be made to fail for real; the kept-alive connection survives the 500 and the whole log
holds the traceback once, in one JSON line with the request id.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.access_log import JsonFormatter
from serving.forecasting import routes as forecast_routes
from tests.e2e import raw_http
from tests.e2e.conftest import KEYS
from tests.e2e.lodestar_process import free_port

PLANNER = {"X-API-Key": KEYS["planner"]}


class _Capture(logging.Handler):
    """Every record of every logger, rendered as the server renders ours (JSON lines)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()
        self.json = JsonFormatter()
        self.plain = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if any(seen is record for seen in self.records):  # reached through two loggers watched
            return
        self.records.append(record)
        lodestar = record.name.startswith("lodestar")
        text = self.json.format(record) if lodestar else self.plain.format(record)
        self.stream.write(text + "\n")


@pytest.fixture
def failing_server(
    sales_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[int, _Capture]]:
    """uvicorn serving the app whose forecast answer raises, and a capture of every log."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("['reasons'] not in index")

    monkeypatch.setattr(forecast_routes, "forecast_rows", broken)
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    settings = Settings(home=sales_home, api_keys=keys)
    app = create_app(settings, ModelStore.from_settings(settings))
    capture = _Capture()
    root = logging.getLogger()
    watched = [root, logging.getLogger("lodestar"), *map(logging.getLogger, ("uvicorn.error",))]
    for logger in watched:
        logger.addHandler(capture)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="info", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield port, capture
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        for logger in watched:
            logger.removeHandler(capture)


def test_item18_a_500_keeps_the_connection_and_logs_the_traceback_once(
    failing_server: tuple[int, _Capture],
) -> None:
    port, capture = failing_server
    answers = raw_http.on_one_connection(
        port,
        [
            ("GET", "/v1/forecasts?quarters=2027Q1", {**PLANNER, "X-Request-ID": "keep-1"}),
            ("GET", "/v1/health", {}),
            ("GET", "/v1/forecasts?quarters=2027Q1", {**PLANNER, "X-Request-ID": "keep-2"}),
            ("GET", "/v1/health", {}),
        ],
    )
    assert [a.status for a in answers] == [500, 200, 500, 200]
    for answer, request_id in ((answers[0], "keep-1"), (answers[2], "keep-2")):
        body = json.loads(answer.body)
        assert body["error"] == "InternalError" and body["request_id"] == request_id
        assert answer.headers["content-type"] == "application/json"

    time.sleep(0.2)
    log = capture.stream.getvalue()
    assert log.count("Traceback (most recent call last)") == 2  # once per failed request
    assert "Exception in ASGI application" not in log
    errors = [json.loads(line) for line in log.splitlines() if '"unexpected error"' in line]
    assert [e["request_id"] for e in errors] == ["keep-1", "keep-2"]
    assert all("KeyError" in e["error"] and "in broken" in e["traceback"] for e in errors)
    tracebacks = [line for line in log.splitlines() if "Traceback" in line]
    assert len(tracebacks) == 2 and all(line.startswith("{") for line in tracebacks)
