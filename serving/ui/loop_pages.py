"""The lead-loop page: rubric versions with their sign-offs, the alert inbox, and how leads
actually converted (overall, by source, per rubric tier).

Every action calls the engine/database functions the /v1/leads routes call (sign-off,
mark read, send a dead letter again), so the page and the API never disagree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from engine.core.errors import LodestarError
from engine.database import lead_alerts, lead_outcomes, lead_rubrics
from engine.database.setup import Database
from engine.leads.answers import outcome_figures
from serving.core.auth import Role
from serving.deps import DatabaseDep
from serving.ui.nav import NavItem
from serving.ui.pages import (
    PageForbidden,
    PlannerViewer,
    Viewer,
    checked_form,
    error_body,
    render,
)

router = APIRouter(include_in_schema=False)

SHOWN_ALERTS = 100
ALERT_ACTIONS = ("read", "retry")


def loop_page(
    request: Request,
    found: Viewer,
    db: Database,
    notice: str | None = None,
    error: dict[str, Any] | None = None,
    by: str = "source",
) -> Response:
    """Rubric versions, inbox and outcome figures in one page."""
    context: dict[str, Any] = {
        "notice": notice,
        "error": error,
        "by": by,
        "team": found.caller.team,
    }
    context["rubrics"] = lead_rubrics.list_rubrics(db)
    context["alerts"] = lead_alerts.list_alerts(db, limit=SHOWN_ALERTS)
    frame = lead_outcomes.stats_frame(db)
    try:
        columns = [by] if by and by in frame.columns else []
        context["stats"] = outcome_figures(frame, columns, "quarter")
    except LodestarError as exc:
        context["stats"], context["error"] = None, error or error_body(exc)
    status = int(context["error"]["status"]) if context["error"] else 200
    return render(request, found, "lead_loop.html", status_code=status, **context)


def _back(notice: str) -> Response:
    return RedirectResponse(f"/leads/loop?{urlencode({'notice': notice})}", status_code=303)


@router.get("/leads/loop")
def lead_loop_page(
    request: Request,
    found: PlannerViewer,
    db: DatabaseDep,
    notice: str | None = None,
    by: str = "source",
) -> Response:
    """The lead loop at a glance."""
    return loop_page(request, found, db, notice, None, by[:80])


@router.post("/leads/loop/rubrics/{version}/sign-off")
async def sign_rubric(
    request: Request, found: PlannerViewer, db: DatabaseDep, version: int
) -> Response:
    """Sign a rubric version for the viewer's team (as POST /v1/leads/rubrics/{v}/sign-off)."""
    team = found.caller.team
    if not team:
        raise PageForbidden(
            found, found.role, "signing a rubric needs a key of team marketing or sales"
        )
    form = await checked_form(request, found)
    try:
        done = await run_in_threadpool(
            lead_rubrics.sign_off,
            db,
            version,
            team,
            found.caller.actor,
            str(form.get("comment") or ""),
        )
    except LodestarError as exc:
        return await run_in_threadpool(loop_page, request, found, db, None, error_body(exc))
    state = "is now active" if done["status"] == "active" else f"waits for {done['waiting_for'][0]}"
    return _back(f"Rubric v{version} signed by {team}; it {state}.")


@router.post("/leads/loop/alerts/{alert_id}/{action}")
async def alert_action(
    request: Request, found: PlannerViewer, db: DatabaseDep, alert_id: int, action: str
) -> Response:
    """Mark an alert read, or send a dead letter again."""
    if action not in ALERT_ACTIONS:
        raise PageForbidden(found, found.role, f"'{action}' is not something an alert can do")
    await checked_form(request, found)
    call = lead_alerts.mark_read if action == "read" else lead_alerts.retry_dead
    try:
        await run_in_threadpool(call, db, alert_id, found.caller.actor)
    except LodestarError as exc:
        return await run_in_threadpool(loop_page, request, found, db, None, error_body(exc))
    if action == "retry":
        worker = getattr(request.app.state, "alert_delivery", None)
        if worker is not None:
            worker.wake()
    return _back(f"Alert {alert_id} {'marked read' if action == 'read' else 'queued again'}.")


MENU = [
    NavItem("Sales & marketing", "Lead loop", "/leads/loop", Role.planner),
]
"""This module's Workbench menu entries, in menu order."""
