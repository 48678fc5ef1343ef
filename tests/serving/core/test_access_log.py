"""Access log: one JSON line per request with id, role and timing, and never a key."""

from __future__ import annotations

import json
import logging
import os

import pytest
from fastapi.testclient import TestClient

from serving.core.access_log import JsonFormatter
from serving.core.auth import Role
from tests.serving.api_keys import KEYS, headers_for


def _access_records(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [r.fields for r in caplog.records if r.name == "lodestar.access"]


def test_one_line_per_request_with_id_role_and_timing(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lodestar.access"):
        ok = client.get(
            "/v1/forecasts",
            params={"quarters": "2027Q1", "level": "total"},
            headers={**headers_for(Role.planner), "X-Request-ID": "trace-42"},
        )
        denied = client.get("/v1/models", headers=headers_for(Role.planner))
        anonymous = client.get("/v1/health")
    records = _access_records(caplog)
    assert [r["status"] for r in records] == [ok.status_code, 403, 200]
    assert records[0]["request_id"] == "trace-42" == ok.headers["x-request-id"]
    assert records[1]["request_id"] == denied.headers["x-request-id"] != "trace-42"
    assert records[0]["role"] == "planner" and records[2]["role"] is None
    assert records[0]["path"] == "/v1/forecasts" and records[0]["method"] == "GET"
    assert all(r["duration_ms"] >= 0 for r in records)
    assert anonymous.headers["x-request-id"]


def test_keys_never_reach_the_log(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    formatter = JsonFormatter()
    with caplog.at_level(logging.DEBUG, logger="lodestar"):
        for role in Role:
            client.get("/v1/models", headers=headers_for(role))
            client.get("/v1/models", headers={"Authorization": f"Bearer {KEYS[role]}"})
        client.get("/v1/models", headers={"X-API-Key": "guessed-secret-123"})
    lines = [formatter.format(r) for r in caplog.records]
    text = "\n".join(lines) + caplog.text
    assert lines
    for secret in [*KEYS.values(), "guessed-secret-123"]:
        assert secret not in text
    parsed = [json.loads(line) for line in lines if '"event": "request"' in line]
    n = 2 * len(Role)
    assert len(parsed) == n + 1 and {p["key_id"] for p in parsed[:n]} != {None}


def test_a_bad_request_id_is_replaced(client: TestClient) -> None:
    answer = client.get("/v1/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert answer.headers["x-request-id"] != "bad id\twith spaces"
    assert len(answer.headers["x-request-id"]) == 32


def test_each_line_names_the_worker_process() -> None:
    """Behind several server workers, a line says which process wrote it."""
    record = logging.LogRecord("lodestar.access", logging.INFO, __file__, 1, "request", None, None)
    assert json.loads(JsonFormatter().format(record))["pid"] == os.getpid()
