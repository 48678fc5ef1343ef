"""The alert inbox: sales reads its alerts (by owner, status, unread), marks them read, and
sends dead letters again once the receiver is fixed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from engine.database import lead_alerts
from serving.core.json_answer import json_answer
from serving.core.params import row_id
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import DatabaseDep, Planner
from serving.leads.schemas import AlertList, AlertOut

_ERRORS = error_responses(404, 409, 422)
router = APIRouter(
    prefix="/leads/alerts", tags=["lead loop"], route_class=OffLoopRoute, responses=_ERRORS
)

AlertId = Annotated[int, row_id("Alert id.")]


@router.get("", response_model=AlertList)
def inbox(
    caller: Planner,
    db: DatabaseDep,
    owner: Annotated[str | None, Query(max_length=80, description="One rep's alerts.")] = None,
    status: Annotated[
        str | None,
        Query(max_length=20, description="pending, delivered, dead (dead letters) or inbox."),
    ] = None,
    unread: Annotated[bool, Query(description="Only alerts nobody has read.")] = False,
    limit: Annotated[int, Query(ge=1, le=lead_alerts.MAX_LIST)] = 200,
) -> Response:
    """Alerts newest first: the inbox, and with status=dead the dead letters."""
    found = lead_alerts.list_alerts(db, owner, status, unread, limit)
    return json_answer(AlertList(alerts=[AlertOut(**a) for a in found]))


@router.get("/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: AlertId, caller: Planner, db: DatabaseDep) -> Response:
    """One alert with its delivery attempts."""
    return json_answer(AlertOut(**lead_alerts.get_alert(db, alert_id)))


@router.post("/{alert_id}/read", response_model=AlertOut)
def mark_read(alert_id: AlertId, caller: Planner, db: DatabaseDep) -> Response:
    """Mark an alert read (the first reader is kept)."""
    return json_answer(AlertOut(**lead_alerts.mark_read(db, alert_id, caller.actor)))


@router.post("/{alert_id}/retry", response_model=AlertOut)
def retry(alert_id: AlertId, request: Request, caller: Planner, db: DatabaseDep) -> Response:
    """Send a dead letter again (its attempts start over); audited."""
    done = lead_alerts.retry_dead(db, alert_id, caller.actor)
    worker = getattr(request.app.state, "alert_delivery", None)
    if worker is not None:
        worker.wake()
    return json_answer(AlertOut(**done))
