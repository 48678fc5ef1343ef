"""The API's door for a signed-in browser: the session cookie stands in for the API key.

`serving.deps.require_role` asks here when a request carries no key, so the Workbench's own
`fetch` calls (training progress) meet the same role checks as any client. A state-changing
request on a cookie must also carry the session's CSRF token in the X-CSRF-Token header.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from serving.core.auth import Caller
from serving.ui.sessions import (
    CSRF_HEADER,
    SESSION_COOKIE,
    UNSAFE_METHODS,
    SessionStore,
    csrf_matches,
)


def session_caller(request: Request) -> Caller | None:
    """The caller of a live session cookie (None without one); 403 for a missing CSRF token."""
    store: SessionStore | None = getattr(request.app.state, "ui_sessions", None)
    if store is None:
        return None
    session = store.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    if request.method in UNSAFE_METHODS and not csrf_matches(
        session.csrf, request.headers.get(CSRF_HEADER)
    ):
        body = {
            "error": "Forbidden",
            "field": CSRF_HEADER,
            "message": "a signed-in browser must send the session's X-CSRF-Token header",
        }
        raise HTTPException(403, detail=body)
    return session.caller
