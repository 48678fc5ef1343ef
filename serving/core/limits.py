"""Request size limits, enforced before any routing or parsing: URL length and body bytes.

A URL longer than MAX_URL_BYTES gets 414; a body larger than the configured limit gets 413,
refused from its Content-Length before a byte is read, or while it streams in (chunked
uploads) as soon as the count passes the limit. Either way nothing is parsed, and the
connection is closed so the rest of an oversized upload is never read.
"""

from __future__ import annotations

import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.core.middleware import HttpMiddleware

MAX_URL_BYTES = 8 * 1024
"""Path plus query string; the longest legitimate request (40 quarters, filters) is far below."""


class BodyTooLarge(Exception):
    """Raised into the app when the streamed body passes the limit; answered here with 413."""


def _error_message(status: int, error: str, field: str, message: str) -> tuple[Message, Message]:
    body = json.dumps({"error": error, "field": field, "message": message}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class RequestLimitsMiddleware(HttpMiddleware):
    """Pure ASGI middleware bounding the URL and the request body (nothing buffered)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_url_bytes: int = MAX_URL_BYTES):
        super().__init__(app)
        self.max_body_bytes = max_body_bytes
        self.max_url_bytes = max_url_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        url_bytes = len(scope.get("raw_path") or scope["path"].encode()) + len(
            scope.get("query_string", b"")
        )
        if url_bytes > self.max_url_bytes:
            await self._refuse(
                send, 414, "URITooLong", "url", f"the URL is longer than {self.max_url_bytes} bytes"
            )
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse_body(send)
            return

        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return  # whatever the app answers, the answer is our 413
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        with contextlib.suppress(BodyTooLarge):  # answered below with 413
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not response_started:
            await self._refuse_body(send)

    async def _refuse_body(self, send: Send) -> None:
        await self._refuse(
            send,
            413,
            "ContentTooLarge",
            "body",
            f"the request body is larger than {self.max_body_bytes} bytes "
            "(LODESTAR_MAX_BODY_BYTES); send smaller batches",
        )

    @staticmethod
    async def _refuse(send: Send, status: int, error: str, field: str, message: str) -> None:
        start, body = _error_message(status, error, field, message)
        await send(start)
        await send(body)
