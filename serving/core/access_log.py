"""Structured access log: one JSON line per request with its id, caller role and timing.

The request id comes from a well-formed `X-Request-ID` header or is generated, and is sent
back in the response. Only the method, path, status, role and a key id (a hash prefix) are
logged: never headers, query strings or bodies, so keys cannot leak into logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from serving.core.middleware import HttpMiddleware

access_log = logging.getLogger("lodestar.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object: time, level, logger, message, process, `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            "pid": record.process,  # which of several server workers wrote the line
        }
        body.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(body, default=str)


def configure_json_logs(level: str = "INFO") -> None:
    """Send every `lodestar.*` log line to stderr as JSON (idempotent; used by the server)."""
    logger = logging.getLogger("lodestar")
    if any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


class AccessLogMiddleware(HttpMiddleware):
    """Pure ASGI middleware (no body buffering): id, timing and one log line per request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            fields = {
                "request_id": request_id,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status["code"],
                "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                "role": state.get("role"),
                "key_id": state.get("key_id"),
            }
            access_log.info("request", extra={"fields": fields})
