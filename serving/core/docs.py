"""Interactive API docs that work without internet: Swagger UI and ReDoc from a package.

FastAPI's default /docs page loads Swagger UI from a CDN and is blank offline. The app is
built with `docs_url=None, redoc_url=None` and these pages serve the same UIs from the files
the `fastapi-offline` package installs, under DOCS_ASSETS on our own origin.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = "/docs-assets"
"""Where the Swagger UI and ReDoc files are served."""
SWAGGER_PARAMETERS = {"validatorUrl": None}
"""Swagger UI would otherwise send the schema to an online validator for a badge."""


def assets_folder() -> str:
    """The folder of Swagger UI and ReDoc files inside the installed fastapi-offline package."""
    return str(files("fastapi_offline") / "static")


def mount_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve /docs (Swagger UI), its OAuth2 redirect and /redoc from local files."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets_folder()), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = f"{docs_url}/oauth2-redirect"

    def page(request: Request, title: str) -> dict[str, str]:
        """What both pages name: the schema and their title (URLs below the proxy's root)."""
        return {"openapi_url": located(request, openapi_url), "title": f"{app.title} - {title}"}

    @app.get(docs_url, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(
            **page(request, "API docs"),
            oauth2_redirect_url=located(request, redirect_url),
            swagger_js_url=asset(request, "swagger-ui-bundle.js"),
            swagger_css_url=asset(request, "swagger-ui.css"),
            swagger_favicon_url=asset(request, "favicon.png"),
            swagger_ui_parameters=SWAGGER_PARAMETERS,
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(redoc_url, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        return get_redoc_html(
            **page(request, "API reference"),
            redoc_js_url=asset(request, "redoc.standalone.js"),
            redoc_favicon_url=asset(request, "favicon.png"),
            with_google_fonts=False,
        )


def located(request: Request, path: str) -> str:
    """`path` below the root the app is served at (a proxy's prefix, else '')."""
    return request.scope.get("root_path", "") + path


def asset(request: Request, name: str) -> str:
    """The URL of one Swagger UI or ReDoc file."""
    return located(request, f"{DOCS_ASSETS}/{name}")
