"""FastAPI application factory: routers under /v1, errors mapped once, champions loaded at start."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from engine.errors import LodestarError
from engine.settings import Settings
from engine.store import ModelStore
from serving.champions import ChampionRegistry
from serving.deps import Role, require_role
from serving.routers import forecasts, health

log = logging.getLogger("lodestar.serving")


def create_app(settings: Settings | None = None, store: ModelStore | None = None) -> FastAPI:
    """Build the app; with no arguments it reads LODESTAR_* settings (used by `lodestar serve`)."""
    settings = settings or Settings()
    store = store or ModelStore.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.champions.load_all()
        yield

    app = FastAPI(
        title="Lodestar",
        version="1",
        description="Forecasts for planners, prices for pricing teams, models for data scientists.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.champions = ChampionRegistry(store)

    @app.exception_handler(LodestarError)
    async def lodestar_error(request: Request, exc: LodestarError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content=exc.to_dict())

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        body = {"error": "InternalError", "field": None, "message": "internal error"}
        return JSONResponse(status_code=500, content=body)

    app.include_router(health.router, prefix="/v1")
    app.include_router(
        forecasts.router, prefix="/v1", dependencies=[Depends(require_role(Role.planner))]
    )
    return app
