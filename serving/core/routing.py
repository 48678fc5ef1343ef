"""Routes that decode JSON bodies in a worker thread, never on the event loop.

FastAPI decodes a request body with `json.loads` on the event loop before a sync route runs
in its thread: a few megabytes of leads hold every other request (health checks included)
for tens of milliseconds. Routers with bodies use `OffLoopRoute`, whose requests decode in
the thread pool. A body that is not UTF-8 becomes a JSON decode error, so it is answered
like any malformed JSON (422 naming the body), not with FastAPI's undocumented 400.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute


def decode_json(body: bytes) -> Any:
    """`json.loads`, with a body that is not UTF-8 reported as a JSON decode error."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = body.decode("utf-8", errors="replace")
        raise json.JSONDecodeError(
            f"the body is not UTF-8 (byte {exc.start})", shown, exc.start
        ) from None
    return json.loads(text)


class OffLoopJsonRequest(Request):
    """A request whose `json()` decodes in the thread pool."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = await run_in_threadpool(decode_json, body)
        return self._json


class OffLoopRoute(APIRoute):
    """An APIRoute handing its handler an `OffLoopJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(OffLoopJsonRequest(request.scope, request.receive))

        return handle


async def prepare_routes(app: FastAPI) -> None:
    """Do every route's one-time set-up at start-up rather than on its first request.

    Recent FastAPI builds an included router's routes lazily, on the event loop, when a
    request first reaches them (tens of milliseconds each), and the first thread hand-off
    imports anyio's backend: all of it happens here, before the server accepts requests.
    """
    scope = {"type": "http", "path": "/", "method": "GET", "root_path": "", "headers": []}
    for route in app.router.routes:
        route.matches({**scope, "query_string": b""})
    app.openapi()  # built once and kept: 405 answers read their Allow header from it
    await run_in_threadpool(lambda: None)
