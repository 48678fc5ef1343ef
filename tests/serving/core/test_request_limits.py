"""Request limits: bounded URLs, quarters and bodies, refused before any work (items 17, 19).

The ASGI-level tests drive the real app with a hand-made `receive`, so they can count how
much of an oversized body the server pulled before it answered.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from engine.core.calendar import MAX_QUARTERS
from engine.core.settings import Settings
from serving.core import routing
from serving.core.auth import Role
from serving.core.limits import MAX_URL_BYTES
from serving.core.routing import OffLoopRoute
from serving.leads import routes as lead_routes
from tests.serving.api_keys import headers_for
from tests.serving.app_clients import AppFactory

LIMIT = 64 * 1024
PLANNER = headers_for(Role.planner)


@pytest.fixture(scope="module")
def small_limit_client(keyed_app: AppFactory, sales_template: Path) -> TestClient:
    """The app with a 64 KB body limit (LODESTAR_MAX_BODY_BYTES)."""
    return keyed_app(sales_template, max_body_bytes=LIMIT)


@pytest.fixture
def scoring_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records every call of the lead scorer behind POST /v1/leads/score."""
    calls: list[int] = []

    def record(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise AssertionError("an oversized body must never reach the scorer")

    monkeypatch.setattr(lead_routes, "score_both", record)
    return calls


def _leads_body(size: int) -> bytes:
    """A JSON lead batch of at least `size` bytes."""
    lead = {"lead_id": "L1", "source": "web", "site_visits": 4, "note": "x" * 200}
    count = size // len(json.dumps(lead)) + 1
    return json.dumps({"leads": [lead] * count}).encode()


def _call(app: Any, scope: dict[str, Any], chunks: list[bytes]) -> tuple[list[dict], int]:
    """Run one request through the ASGI app; return what it sent and how many chunks it read."""
    sent: list[dict] = []
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {
                "type": "http.request",
                "body": chunks[pulled - 1],
                "more_body": pulled < len(chunks),
            }
        await asyncio.sleep(3600)  # a client that sends nothing more
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # a loop of its own, in a thread of its own (another test may leave one set on this one)
    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(asyncio.run, asyncio.wait_for(app(scope, receive, send), timeout=30)).result()
    return sent, pulled


def _scope(
    path: str, headers: dict[str, str], method: str = "POST", query: str = ""
) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


def _answer(sent: list[dict]) -> tuple[int, dict[str, str], dict[str, Any]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, json.loads(body)


def test_item19_declared_oversized_body_refused_before_reading(
    small_limit_client: TestClient, scoring_calls: list[int]
) -> None:
    body = _leads_body(LIMIT * 4)
    chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    headers = {**PLANNER, "content-type": "application/json", "content-length": str(len(body))}
    sent, pulled = _call(small_limit_client.app, _scope("/v1/leads/score", headers), chunks)
    status, response_headers, answer = _answer(sent)
    assert status == 413
    assert answer["error"] == "ContentTooLarge" and answer["field"] == "body"
    assert str(LIMIT) in answer["message"]
    assert response_headers["connection"] == "close"
    assert pulled == 0 and scoring_calls == []


def test_item19_streamed_oversized_body_refused_while_streaming(
    small_limit_client: TestClient, scoring_calls: list[int]
) -> None:
    body = _leads_body(LIMIT * 20)
    chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    headers = {**PLANNER, "content-type": "application/json", "transfer-encoding": "chunked"}
    sent, pulled = _call(small_limit_client.app, _scope("/v1/leads/score", headers), chunks)
    status, _, answer = _answer(sent)
    assert status == 413 and answer["field"] == "body"
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert pulled == LIMIT // 8192 + 1 < len(chunks)  # stopped at the first chunk past the limit
    assert scoring_calls == []


def test_item19_body_at_the_limit_is_read(small_limit_client: TestClient) -> None:
    """The limit is inclusive: a body of exactly the limit is parsed and answered."""
    saved = b'{"name": "at-the-limit", "scenario": {}}'
    body = saved[:-1] + b" " * (LIMIT - len(saved)) + b"}"
    assert len(body) == LIMIT
    headers = {**headers_for(Role.pricing), "content-type": "application/json"}
    answer = small_limit_client.post("/v1/pricing/saved-scenarios", content=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == "at-the-limit"
    one_more = small_limit_client.post(
        "/v1/pricing/saved-scenarios", content=body + b" ", headers=headers
    )
    assert one_more.status_code == 413 and one_more.json()["error"] == "ContentTooLarge"


def test_item19_the_limit_is_a_setting_with_a_few_megabytes_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert 1_000_000 <= Settings().max_body_bytes <= 10 * 1024 * 1024
    monkeypatch.setenv("LODESTAR_MAX_BODY_BYTES", "12345")
    assert Settings().max_body_bytes == 12345


def test_item17_a_long_url_is_refused_before_routing(small_limit_client: TestClient) -> None:
    """The issue's 84 KB request: 12,000 quarters in the query string."""
    quarters = ",".join(f"{2000 + i // 4}Q{i % 4 + 1}" for i in range(12_000))
    scope = _scope("/v1/forecasts", PLANNER, "GET", f"quarters={quarters}")
    sent, _ = _call(small_limit_client.app, scope, [b""])
    status, _, answer = _answer(sent)
    assert status == 414
    assert answer["error"] == "URITooLong" and str(MAX_URL_BYTES) in answer["message"]


def test_item17_more_quarters_than_the_bound_are_refused(small_limit_client: TestClient) -> None:
    quarters = ",".join(f"{2027 + i // 4}Q{i % 4 + 1}" for i in range(MAX_QUARTERS + 1))
    answer = small_limit_client.get(f"/v1/forecasts?quarters={quarters}", headers=PLANNER)
    assert answer.status_code == 422
    assert answer.json()["field"] == "quarters"
    assert f"at most {MAX_QUARTERS}" in answer.json()["message"]


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every API route of the app, through included routers of any FastAPI version."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def test_item17_no_route_does_its_work_on_the_event_loop(small_limit_client: TestClient) -> None:
    """API routes are sync (run in the thread pool) or only await: liveness and readiness, or
    a hand-off to the thread pool; every route with a body decodes it off the loop.

    The browser workbench (serving.ui) keeps its own pages off the loop and tests them itself.
    """
    routes = [
        r
        for r in _api_routes(small_limit_client.app.routes)
        if not r.endpoint.__module__.startswith(("serving.ui", "serving.core.docs"))
    ]
    assert len(routes) >= 15
    for route in routes:
        if not inspect.iscoroutinefunction(route.endpoint):
            continue
        trivial = route.endpoint.__module__ == "serving.core.health"
        source = inspect.getsource(route.endpoint)
        assert trivial or "await run_in_threadpool(" in source, route.path
    with_body = [r for r in routes if r.body_field is not None]
    assert len(with_body) >= 9 and all(isinstance(r, OffLoopRoute) for r in with_body)


def _thread_names(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], str]:
    """Spy on JSON decoding and answer rendering; return their threads and the loop's thread."""
    names: list[str] = []
    real_decode, real_render = routing.decode_json, lead_routes.json_answer

    def decode(body: bytes) -> Any:
        names.append(threading.current_thread().name)
        return real_decode(body)

    def render(*args: Any, **kwargs: Any) -> Any:
        names.append(threading.current_thread().name)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(routing, "decode_json", decode)
    monkeypatch.setattr(lead_routes, "json_answer", render)
    loop_thread = client.portal.call(lambda: threading.current_thread().name)
    return names, loop_thread


def test_item17_json_decodes_and_answers_render_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    names, loop_thread = _thread_names(client, monkeypatch)
    lead = {"lead_id": "L1", "source": "web", "site_visits": 4}
    answer = client.post("/v1/leads/score", json={"leads": [lead]}, headers=PLANNER)
    assert answer.status_code in (200, 409), answer.text  # 409: no leads champion in this store
    assert names and loop_thread not in names
