"""FastAPI application factory: routers under /v1, errors mapped once, champions kept fresh."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.core.errors import LodestarError
from engine.core.settings import Settings, read_settings
from engine.database.runs import RunRecords, import_run_files
from engine.database.scenarios import import_scenario_files
from engine.database.setup import open_database
from engine.forecasting.quarterly import QuarterlyCache
from engine.registry.store import ModelStore
from serving.core import health
from serving.core.access_log import AccessLogMiddleware, configure_json_logs
from serving.core.auth import KeyRing
from serving.core.champions import ChampionRegistry
from serving.core.docs import mount_docs
from serving.core.limits import RequestLimitsMiddleware
from serving.core.methods import allowed_methods
from serving.core.routing import prepare_routes
from serving.core.unexpected import UnexpectedErrorMiddleware
from serving.deps import Role, require_role
from serving.forecasting import routes as forecasting
from serving.leads import alerts as lead_alerts
from serving.leads import allocation as lead_allocation
from serving.leads import events as lead_events
from serving.leads import outcomes as lead_outcomes
from serving.leads import routes as leads
from serving.leads import rubrics as lead_rubrics
from serving.leads.alert_delivery import AlertDelivery
from serving.leads.retrain_schedule import RetrainSchedule
from serving.planning import price_lists, records
from serving.planning import routes as planning
from serving.pricing import routes as pricing
from serving.registry import model_routes, training_routes
from serving.registry.training_runs import DatabaseRecords, TrainingRuns, child_env
from serving.ui.mount import mount_ui

log = logging.getLogger("lodestar.serving")


_HTTP_ERRORS = {404: "NotFound", 405: "MethodNotAllowed"}


def _field_path(loc: tuple | list) -> str:
    """('body', 'items', 0, 'price') -> 'body.items.0.price'."""
    return ".".join(str(part) for part in loc)


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    """422 body naming every bad field by its path (the first in `field`, all in `detail`)."""
    errors = [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
            "field": _field_path(e.get("loc", ())),
        }
        for e in exc.errors()
    ]
    for error, raw in zip(errors, exc.errors(), strict=True):
        if error["type"] == "json_invalid":  # loc is ('body', offset): name the body
            reason = (raw.get("ctx") or {}).get("error", "")
            error["field"] = "body"
            where = raw["loc"][-1]
            error["msg"] = f"the body is not valid JSON: {reason} (at position {where})"
    for error in errors:
        error["msg"] = error["msg"].removeprefix("Value error, ")
    first = errors[0] if errors else {"field": None, "msg": "invalid request"}
    message = f"{first['field']}: {first['msg']}" if first["field"] else first["msg"]
    return {
        "error": "ValidationError",
        "field": first["field"],
        "message": message,
        "detail": errors,
    }


def _sales_cache(settings: Settings):  # noqa: ANN202 - a preparer
    def prepare(payload: Any) -> QuarterlyCache | None:
        try:
            return QuarterlyCache.build(payload, settings.fiscal_year_start_month)
        except Exception:
            log.exception("could not precompute the sales forecast cache; answering uncached")
            return None

    return prepare


def create_app(settings: Settings | None = None, store: ModelStore | None = None) -> FastAPI:
    """Build the app; with no arguments it reads LODESTAR_* settings (used by `lodestar serve`)."""
    if settings is None:
        settings = read_settings()
        configure_json_logs(settings.log_level)
    store = store or ModelStore.from_settings(settings)
    keyring = KeyRing.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.database = open_database(settings.database_uri)
        import_scenario_files(app.state.database, settings.home / "scenarios")
        import_run_files(app.state.database, settings.home / "training_runs")
        champions: ChampionRegistry = app.state.champions
        champions.poll_once()
        champions.start(settings.refresh_seconds)
        app.state.alert_delivery.start()
        if settings.lead_retrain_in_server:
            app.state.retrain_schedule.start()
        await prepare_routes(app)
        try:
            yield
        finally:
            app.state.alert_delivery.stop()
            app.state.retrain_schedule.stop()
            champions.stop()
            app.state.training_runs.shutdown()

    app = FastAPI(
        title="Lodestar",
        version="1",
        description=(
            "Forecasts for planners, prices for pricing teams, models for data scientists.\n\n"
            "Send your API key as `X-API-Key: <key>` or `Authorization: Bearer <key>`. "
            "Roles: planner (forecasts, plans, reads) < approver (approves plans and price "
            "lists, never their own) < pricing (scenarios, recommendations, price lists) < "
            "data_scientist (training, promotion). Health, readiness and these docs are open."
        ),
        lifespan=lifespan,
        docs_url=None,  # served from local files by mount_docs: the defaults need a CDN
        redoc_url=None,
    )
    mount_docs(app)
    app.state.settings = settings
    app.state.store = store
    app.state.keyring = keyring
    app.state.champions = ChampionRegistry(store, {"sales": _sales_cache(settings)})
    app.state.database = None  # opened (and migrated) when the server starts
    app.state.alert_delivery = AlertDelivery(settings, lambda: app.state.database)
    app.state.training_runs = TrainingRuns(
        child_env(store.tracking_uri, settings.home),
        settings.home / "training_runs",
        records=DatabaseRecords(RunRecords(lambda: open_database(settings.database_uri))),
    )
    app.state.retrain_schedule = RetrainSchedule(
        settings, lambda: app.state.database, app.state.training_runs
    )
    # outermost last: access log (request id) > size limits > unexpected errors > the routes
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(RequestLimitsMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLogMiddleware)

    @app.exception_handler(LodestarError)
    async def lodestar_error(request: Request, exc: LodestarError) -> JSONResponse:
        return JSONResponse(status_code=exc.http_status, content=exc.to_dict())

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content=validation_body(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if isinstance(exc.detail, dict):
            body = exc.detail
        else:
            error = _HTTP_ERRORS.get(exc.status_code, type(exc).__name__)
            body = {"error": error, "field": None, "message": str(exc.detail)}
        if exc.status_code == 405:  # every method of the path, not just one route's
            allowed = allowed_methods(app.openapi()["paths"], request.scope["path"])
            headers["Allow"] = ", ".join(allowed)
            body["message"] = f"{request.method} is not allowed here (allowed: {headers['Allow']})"
        return JSONResponse(status_code=exc.status_code, content=body, headers=headers)

    app.include_router(health.router, prefix="/v1")
    app.include_router(leads.router, prefix="/v1")
    app.include_router(lead_rubrics.router, prefix="/v1")
    app.include_router(lead_events.router, prefix="/v1")
    app.include_router(lead_alerts.router, prefix="/v1")
    app.include_router(lead_outcomes.router, prefix="/v1")
    app.include_router(lead_allocation.router, prefix="/v1")
    app.include_router(pricing.router, prefix="/v1")
    app.include_router(
        forecasting.router, prefix="/v1", dependencies=[Depends(require_role(Role.planner))]
    )
    for router in (planning.router, price_lists.router, records.actuals_router):
        app.include_router(router, prefix="/v1")
    app.include_router(records.audit_router, prefix="/v1")
    app.include_router(
        model_routes.router, prefix="/v1", dependencies=[Depends(require_role(Role.data_scientist))]
    )
    app.include_router(
        training_routes.router,
        prefix="/v1",
        dependencies=[Depends(require_role(Role.data_scientist))],
    )
    mount_ui(app, settings)
    return app
