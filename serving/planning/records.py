"""Actuals loaded over HTTP (checked like training data) and the audit trail, read with filters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Depends, Query

from engine.core.contracts import apply_column_mapping, validate_sales
from engine.database import audit
from engine.database.actuals import load_actuals
from serving.core.params import row_id_filter
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import DatabaseDep, Planner
from serving.planning.schemas import ActualsIn, ActualsOut, AuditOut

_ERRORS = error_responses(404, 422)
actuals_router = APIRouter(
    prefix="/actuals", tags=["actuals"], route_class=OffLoopRoute, responses=_ERRORS
)
audit_router = APIRouter(
    prefix="/audit", tags=["audit"], route_class=OffLoopRoute, responses=_ERRORS
)


@actuals_router.post("", response_model=ActualsOut, status_code=201)
def post_actuals(body: ActualsIn, caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """Load actual sales (date, series keys, units); a date loaded again replaces its number."""
    frame = pd.DataFrame.from_records(body.rows)
    if body.columns:
        frame = apply_column_mapping(frame, dict(body.columns))
    history = validate_sales(frame)
    return load_actuals(db, history, caller.actor, f"POST /v1/actuals ({len(frame)} rows)")


def audit_filter(
    actor: Annotated[str | None, Query(max_length=120, description="Key name.")] = None,
    action: Annotated[
        str | None,
        Query(max_length=60, description="e.g. plan.override, or 'plan.' for every plan action."),
    ] = None,
    plan_id: Annotated[int | None, row_id_filter("Events about this plan.")] = None,
    version: Annotated[str | None, Query(max_length=80)] = None,
    price_list_id: Annotated[int | None, row_id_filter("Events about this price list.")] = None,
    family: Annotated[str | None, Query(max_length=20)] = None,
    since: Annotated[dt.datetime | None, Query(description="ISO time, inclusive.")] = None,
    until: Annotated[dt.datetime | None, Query(description="ISO time, inclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_ROWS)] = 500,
) -> audit.AuditFilter:
    """Dependency: which audit lines to read, from the query parameters."""
    return audit.AuditFilter(
        actor, action, plan_id, version, price_list_id, family, since, until, limit
    )


@audit_router.get("", response_model=AuditOut)
def get_audit(
    caller: Planner, db: DatabaseDep, wanted: Annotated[audit.AuditFilter, Depends(audit_filter)]
) -> dict[str, Any]:
    """Who did what, when and why: overrides, version decisions, price lists, champion moves."""
    with db.read() as session:
        return {"events": audit.query(session, wanted)}
