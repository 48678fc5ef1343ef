"""The one hook the app calls: sessions, page routers, static files and the page error pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from engine.core.settings import Settings
from serving.ui import (
    assets,
    auth_pages,
    forecast_pages,
    lead_pages,
    loop_pages,
    model_pages,
    plan_pages,
    price_list_pages,
    pricing_pages,
)
from serving.ui.nav import NavItem
from serving.ui.pages import PageForbidden, SignInRequired, render
from serving.ui.sessions import SessionStore

DOMAIN_PAGES = [
    forecast_pages,
    plan_pages,
    lead_pages,
    loop_pages,
    pricing_pages,
    price_list_pages,
    model_pages,
]
"""The page modules in menu order: each has its `router` and its `MENU` entries."""

PAGE_ROUTERS = [auth_pages.router, assets.router, *(pages.router for pages in DOMAIN_PAGES)]
"""Every page module's router."""

NAV: list[NavItem] = [item for pages in DOMAIN_PAGES for item in pages.MENU]
"""The whole menu, section by section."""


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Serve the Workbench at / beside the API, in the same process and with the same roles."""
    app.state.ui_sessions = SessionStore.from_settings(settings)
    app.state.nav = NAV
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=assets.STATIC_DIR), name="static")

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/signin?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def forbidden(request: Request, exc: PageForbidden) -> Response:
        return render(request, exc.viewer, "forbidden.html", status_code=403, message=exc.message)
