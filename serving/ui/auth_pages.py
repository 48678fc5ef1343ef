"""Sign in with an API key (it becomes a session cookie), sign out, and the landing redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from serving.core.auth import KeyRing
from serving.ui.nav import first_page
from serving.ui.pages import (
    Viewer,
    browser_token,
    checked_form,
    current_viewer,
    render,
    same_origin,
    sessions,
    set_csrf_cookie,
    viewer,
)
from serving.ui.sessions import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, csrf_matches

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site (never //host or a scheme) are followed after sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@router.get("/")
async def home(request: Request) -> Response:
    """Signed in: the first page the role may use; otherwise the sign-in page."""
    found = current_viewer(request)
    if found is None:
        return RedirectResponse("/signin", status_code=303)
    return RedirectResponse(first_page(request.app.state.nav, found.role), status_code=303)


def _signin_page(request: Request, next_path: str | None, error: dict | None, status: int):
    token, new = browser_token(request)
    response = render(
        request,
        None,
        "signin.html",
        status_code=status,
        next_path=next_path or "",
        csrf=token,
        error=error,
        open_access=not request.app.state.keyring.enabled,
    )
    if new:
        set_csrf_cookie(request, response, token)
    return response


@router.get("/signin")
async def signin_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    """The sign-in form."""
    return _signin_page(request, _safe_next(next), None, 200)


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Check the key once; on success set the session cookie and go where the user was headed."""
    form = await request.form()
    next_path = _safe_next(str(form.get("next") or ""))
    presented_token = str(form.get(CSRF_FIELD) or "")
    if not same_origin(request) or not csrf_matches(
        request.cookies.get(CSRF_COOKIE), presented_token
    ):
        error = {
            "error": "Forbidden",
            "field": CSRF_FIELD,
            "message": "the sign-in form's security token is missing or stale: try again",
        }
        return _signin_page(request, next_path, error, 403)
    keyring: KeyRing = request.app.state.keyring
    if not keyring.enabled:
        return RedirectResponse(next_path or "/", status_code=303)
    caller = keyring.identify(str(form.get("api_key") or "").strip())
    if caller is None:
        error = {
            "error": "Unauthorized",
            "field": "api_key",
            "message": "this API key is not valid",
        }
        return _signin_page(request, next_path, error, 401)
    cookie, session = sessions(request).create(caller)
    response = RedirectResponse(
        next_path or first_page(request.app.state.nav, caller.role), status_code=303
    )
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(sessions(request).lifetime),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.post("/signout")
async def signout(request: Request, found: Annotated[Viewer, Depends(viewer)]) -> Response:
    """End the session on the server and drop the cookie."""
    await checked_form(request, found)
    sessions(request).delete(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
