"""What every Workbench page shares: who is looking, the templates, CSRF checks, inline errors.

`viewer` (a dependency) answers who is signed in; `PlannerViewer` (and its siblings for the
other roles) the same for a page that needs a role. A viewer without the role gets
`PageForbidden`, a visitor without a session `SignInRequired` (both turned into pages by the
handlers `mount_ui` installs). `render` fills the base template with the menu for the role.
Engine refusals (`LodestarError`) are caught by the page modules and shown inline through
`error_body`, with the API's own message.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from engine.core.errors import LodestarError, NotFoundError
from engine.pricing.scenario import validation_to_data_error
from serving.core.auth import Caller, KeyRing, Role
from serving.core.params import ROW_ID_MAX
from serving.ui.format import FILTERS
from serving.ui.nav import menu
from serving.ui.sessions import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    SessionStore,
    csrf_matches,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters.update(FILTERS)
TEMPLATES.env.globals["csrf_field"] = CSRF_FIELD


class SignInRequired(Exception):
    """No live session: the visitor is sent to the sign-in page, then back to `next_path`."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """The signed-in role may not use this page or action (403, said in words)."""

    def __init__(self, viewer: Viewer, needed: Role, message: str | None = None) -> None:
        super().__init__(message or f"this page needs the {needed.value} role")
        self.viewer = viewer
        self.needed = needed
        self.message = str(self)


@dataclass
class Viewer:
    """Who is looking at a page: their caller, display name and the CSRF token for forms."""

    caller: Caller
    name: str
    csrf: str
    open_access: bool = False
    new_csrf_cookie: bool = False

    @property
    def role(self) -> Role:
        return self.caller.role

    def may(self, role: Role) -> bool:
        return self.caller.role.allows(role)


def sessions(request: Request) -> SessionStore:
    return request.app.state.ui_sessions


def browser_token(request: Request) -> tuple[str, bool]:
    """(double-submit CSRF token, is it new) for visitors without a session."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and len(token) >= 32:
        return token, False
    return secrets.token_urlsafe(32), True


def current_viewer(request: Request) -> Viewer | None:
    """The viewer behind this request, or None when sign-in is needed."""
    keyring: KeyRing = request.app.state.keyring
    if not keyring.enabled:
        token, new = browser_token(request)
        caller = Caller(Role.data_scientist, "open")
        return Viewer(caller, "open access", token, open_access=True, new_csrf_cookie=new)
    session = sessions(request).get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    return Viewer(session.caller, session.display_name, session.csrf)


async def viewer(request: Request) -> Viewer:
    """Dependency: the signed-in viewer, else a trip to the sign-in page."""
    found = current_viewer(request)
    if found is not None:  # the access log names who asked, as for API calls
        request.state.role = found.role.value
        request.state.key_id = found.caller.key_id
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else request.url.path)
    return found


def require(found: Viewer, role: Role) -> Viewer:
    """The viewer, when their role includes `role`; else PageForbidden."""
    if not found.may(role):
        raise PageForbidden(found, role)
    return found


def viewer_with(role: Role) -> Callable[[Viewer], Awaitable[Viewer]]:
    """Dependency: the signed-in viewer, when their role includes `role` (else PageForbidden)."""

    async def dependency(found: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        return require(found, role)

    return dependency


PlannerViewer = Annotated[Viewer, Depends(viewer_with(Role.planner))]
PricingViewer = Annotated[Viewer, Depends(viewer_with(Role.pricing))]
ScientistViewer = Annotated[Viewer, Depends(viewer_with(Role.data_scientist))]


def path_id(text: str, what: str, field: str) -> int:
    """A row id from a page's path (a positive 32-bit integer, as the API's path takes it);
    anything else is 'no <what> <text>' (404 naming `field`)."""
    if not text.isdigit() or not 1 <= int(text) <= ROW_ID_MAX:
        raise NotFoundError(f"no {what} {text}", field)
    return int(text)


def same_origin(request: Request) -> bool:
    """A browser's Origin (when sent) must be this server's."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return origin.rstrip("/") == f"{request.url.scheme}://{request.url.netloc}"


async def checked_form(request: Request, found: Viewer) -> dict[str, Any]:
    """The posted form after its CSRF token (and Origin) are checked; else PageForbidden."""
    form = await request.form()
    if not same_origin(request) or not csrf_matches(found.csrf, str(form.get(CSRF_FIELD) or "")):
        raise PageForbidden(
            found,
            found.role,
            "this form's security token is missing or stale: reload the page and try again",
        )
    out: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def error_body(exc: Exception) -> dict[str, Any]:
    """The API's error body for an engine refusal or a malformed request."""
    if isinstance(exc, ValidationError):
        exc = validation_to_data_error(exc)
    if isinstance(exc, LodestarError):
        return {**exc.to_dict(), "status": exc.http_status}
    raise exc


def render(
    request: Request, found: Viewer | None, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page: the template with the viewer, their menu and the current path."""
    context.setdefault("error", None)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "viewer": found,
            "menu": menu(request.app.state.nav, found.role) if found else [],
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    if found is not None and found.new_csrf_cookie:
        set_csrf_cookie(request, response, found.csrf)
    return response


def refused(
    request: Request, found: Viewer, template: str, exc: LodestarError, **context: Any
) -> HTMLResponse:
    """A page showing an engine refusal: `template` at the error's status with its error body."""
    return render(
        request, found, template, status_code=exc.http_status, error=error_body(exc), **context
    )


def set_csrf_cookie(request: Request, response: Any, token: str) -> None:
    """The double-submit token cookie for visitors without a session."""
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
