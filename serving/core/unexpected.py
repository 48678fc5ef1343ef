"""The last line of defence: an unexpected error becomes one log line and one JSON 500.

Starlette's own 500 handler re-raises the exception after answering, so the server logs the
whole traceback a second time and drops the keep-alive connection. This middleware sits
inside the access log (which gives the request id) and swallows the exception instead:
one structured line with the request id and the traceback (bounded), a 500 body naming the
request id, and a connection that stays open for the client's next request.
"""

from __future__ import annotations

import json
import logging
import traceback

from starlette.types import Message, Receive, Scope, Send

from serving.core.limits import BodyTooLarge
from serving.core.middleware import HttpMiddleware

log = logging.getLogger("lodestar.serving.errors")

MAX_TRACEBACK_CHARS = 16_000
"""A traceback is kept whole up to this size, else its head and tail (the raising frames)."""


def bounded_traceback(exc: BaseException, limit: int = MAX_TRACEBACK_CHARS) -> str:
    """The formatted traceback, cut in the middle when longer than `limit` characters."""
    text = "".join(traceback.format_exception(exc))
    if len(text) <= limit:
        return text
    head, tail = limit // 4, limit - limit // 4
    cut = len(text) - head - tail
    return f"{text[:head]}\n... {cut} characters cut ...\n{text[-tail:]}"


def error_body(request_id: str | None) -> bytes:
    """The JSON 500 body: no internals, only the id to quote when reporting it."""
    message = "internal error"
    if request_id:
        message += f"; quote request id {request_id} when reporting it"
    body = {"error": "InternalError", "field": None, "message": message, "request_id": request_id}
    return json.dumps(body).encode()


class UnexpectedErrorMiddleware(HttpMiddleware):
    """Pure ASGI middleware turning an unhandled exception into one log line and a JSON 500."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise  # not an error of ours: the size limit answers it with 413
        except Exception as exc:
            request_id = scope.get("state", {}).get("request_id")
            fields = {
                "request_id": request_id,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "error": f"{type(exc).__name__}: {str(exc)[:500]}",
                "traceback": bounded_traceback(exc),
            }
            log.error("unexpected error", extra={"fields": fields})
            if started:
                return  # the answer is already on its way; the server closes the stream
            body = error_body(request_id)
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
