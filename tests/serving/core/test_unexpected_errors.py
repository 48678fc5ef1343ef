"""An unexpected error: one structured log line with the request id and the traceback,
a JSON 500 naming the request id, and nothing re-raised to the server (item 18)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from serving.core.access_log import JsonFormatter
from serving.core.auth import Role
from serving.core.unexpected import MAX_TRACEBACK_CHARS
from serving.forecasting import routes as forecast_routes
from tests.serving.api_keys import headers_for

PLANNER = headers_for(Role.planner)


def _explode(message: str):  # noqa: ANN202 - a stand-in for a buggy answers function
    def forecast_rows(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(message)

    return forecast_rows


def _records_with_tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.exc_info or "Traceback" in r.getMessage() or "traceback" in getattr(r, "fields", {})
    ]


def test_item18_unexpected_error_is_one_log_line_and_a_json_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(forecast_routes, "forecast_rows", _explode("the cache is corrupt"))
    with caplog.at_level(logging.INFO):
        answer = client.get(
            "/v1/forecasts",
            params={"quarters": "2027Q1"},
            headers={**PLANNER, "X-Request-ID": "trace-500"},
        )
    assert answer.status_code == 500
    body = answer.json()
    assert body["error"] == "InternalError" and body["field"] is None
    assert body["request_id"] == "trace-500" == answer.headers["x-request-id"]
    assert "trace-500" in body["message"] and "corrupt" not in answer.text  # no internals

    logged = _records_with_tracebacks(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    fields = logged[0].fields  # type: ignore[attr-defined]
    assert fields["request_id"] == "trace-500"
    assert fields["path"] == "/v1/forecasts" and fields["method"] == "GET"
    assert fields["error"] == "RuntimeError: the cache is corrupt"
    assert fields["traceback"].count("Traceback (most recent call last)") == 1
    assert "in forecast_rows" in fields["traceback"]
    line = JsonFormatter().format(logged[0])
    assert "\n" not in line and json.loads(line)["traceback"] == fields["traceback"]
    access = [r.fields for r in caplog.records if r.name == "lodestar.access"]  # type: ignore[attr-defined]
    assert [(a["request_id"], a["status"]) for a in access] == [("trace-500", 500)]


def test_item18_a_huge_error_logs_a_bounded_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue saw 834 KB written per 500; the line stays bounded and keeps both ends."""
    monkeypatch.setattr(forecast_routes, "forecast_rows", _explode("x" * 1_000_000))
    with caplog.at_level(logging.ERROR):
        answer = client.get("/v1/forecasts", params={"quarters": "2027Q1"}, headers=PLANNER)
    assert answer.status_code == 500
    (record,) = _records_with_tracebacks(caplog)
    line = JsonFormatter().format(record)
    assert len(line) < MAX_TRACEBACK_CHARS + 2_000
    traceback = record.fields["traceback"]  # type: ignore[attr-defined]
    assert traceback.startswith("Traceback (most recent call last)")
    assert "characters cut" in traceback and traceback.rstrip().endswith("x")


def test_item18_the_client_keeps_working_after_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(forecast_routes, "forecast_rows", _explode("once"))
        assert client.get("/v1/forecasts?quarters=2027Q1", headers=PLANNER).status_code == 500
    assert client.get("/v1/health").status_code == 200
    again = client.get("/v1/forecasts?quarters=2027Q1&level=total", headers=PLANNER)
    assert again.status_code == 200, again.text
