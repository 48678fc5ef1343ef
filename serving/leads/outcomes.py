"""Outcomes back to marketing: sales records what became of leads; marketing reads the figures
(conversion, win rate, time to convert, revenue and pipeline by source, campaign or segment over
time, and how each tier actually converted)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from engine.core.errors import ForbiddenError
from engine.database import lead_outcomes, lead_retrain
from engine.database.models import utc_now
from engine.leads.answers import outcome_figures
from engine.leads.outcomes import parse_outcomes
from serving.core.auth import Team
from serving.core.json_answer import json_answer
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import DatabaseDep, Planner, Role
from serving.leads.schemas import MarketingStats, OutcomeList, OutcomesIn, OutcomesOut

_ERRORS = error_responses(403, 404, 422)
router = APIRouter(prefix="/leads", tags=["lead loop"], route_class=OffLoopRoute, responses=_ERRORS)


@router.post("/outcomes", response_model=OutcomesOut)
def post_outcomes(body: OutcomesIn, caller: Planner, db: DatabaseDep) -> Response:
    """Record outcomes (a key of team sales, or a data scientist); all of the batch or none."""
    if caller.team != Team.sales and not caller.role.allows(Role.data_scientist):
        raise ForbiddenError("recording outcomes needs a key of team sales", "team")
    outcomes = parse_outcomes(body.outcomes, utc_now().date())
    origin = f"POST /v1/leads/outcomes ({len(outcomes)})"
    return json_answer(
        OutcomesOut(**lead_outcomes.record_outcomes(db, outcomes, caller.actor, origin))
    )


@router.get("/outcomes", response_model=OutcomeList)
def get_outcomes(
    caller: Planner,
    db: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """Recorded outcomes, newest first."""
    return json_answer(OutcomeList(outcomes=lead_outcomes.list_outcomes(db, limit)))


@router.get("/stats", response_model=MarketingStats)
def stats(
    caller: Planner,
    db: DatabaseDep,
    by: Annotated[
        str | None,
        Query(max_length=200, description="Comma list of lead columns, e.g. source,campaign."),
    ] = None,
    period: Annotated[str, Query(max_length=10, description="month, quarter or year.")] = "quarter",
) -> Response:
    """Marketing's figures from the outcomes sales recorded."""
    columns = [c.strip() for c in (by or "").split(",") if c.strip()]
    figures = outcome_figures(lead_outcomes.stats_frame(db), columns, period)
    return json_answer(MarketingStats(**figures))


@router.get("/retraining")
def retraining(caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """The retraining schedule's checks, newest first (started, skipped or failed, and why)."""
    return {"checks": lead_retrain.list_checks(db)}
