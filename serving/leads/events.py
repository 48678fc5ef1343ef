"""Leads the loop follows and their activity events: records in, events in, both scores out.

`POST /v1/leads/events` stores each new event once, re-scores its lead and writes any alert in
the same transaction; the webhook goes out from the background worker, never from the request.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from engine.core.errors import NoChampionError
from engine.core.settings import Settings
from engine.database import lead_events
from engine.database.lead_events import ScoringContext
from engine.database.models import utc_now
from engine.leads.answers import model_score
from engine.leads.events import parse_events, parse_records
from serving.core.json_answer import json_answer
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import ChampionsDep, DatabaseDep, Planner, SettingsDep
from serving.leads.schemas import EventsIn, EventsOut, LeadRecordsIn, LeadRecordsOut, LeadView

_ERRORS = error_responses(404, 409, 422)
router = APIRouter(prefix="/leads", tags=["lead loop"], route_class=OffLoopRoute, responses=_ERRORS)

LeadId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description="Lead id (printable ASCII; read others through the alerts and stats).",
    ),
]


def scoring_context(settings: Settings, champions: Any) -> ScoringContext:
    """The setting, the leads champion (if one is loaded) and the alert rules."""
    try:
        loaded = champions.get("leads")
        model, version = model_score(loaded.payload), loaded.version
    except NoChampionError:
        model, version = None, None
    return ScoringContext(
        tier_source=settings.lead_tier_source,
        model=model,
        model_version=version,
        significant=settings.alert_activities,
        default_target=settings.lead_webhook_url,
    )


@router.post("/records", response_model=LeadRecordsOut)
def put_records(
    body: LeadRecordsIn,
    caller: Planner,
    db: DatabaseDep,
    settings: SettingsDep,
    champions: ChampionsDep,
) -> Response:
    """Create or replace leads (owner, created_date, attributes, counts) and score them."""
    records = parse_records(body.leads)
    done = lead_events.upsert_leads(db, records, scoring_context(settings, champions))
    return json_answer(LeadRecordsOut(**done))


@router.get("/records/{lead_id}", response_model=LeadView)
def get_record(lead_id: LeadId, caller: Planner, db: DatabaseDep) -> Response:
    """A lead now: points and rules fired, probability, tier and its latest events."""
    return json_answer(LeadView(**lead_events.get_lead(db, lead_id)))


@router.post("/events", response_model=EventsOut)
def post_events(
    body: EventsIn,
    request: Request,
    caller: Planner,
    db: DatabaseDep,
    settings: SettingsDep,
    champions: ChampionsDep,
) -> Response:
    """Record activity events (idempotent by event_id); re-score their leads; alert owners of
    sales-qualified leads doing something significant (the webhook is sent in the background)."""
    events = parse_events(body.events, utc_now())
    done = lead_events.record_events(db, events, scoring_context(settings, champions))
    if done["alerts"]:
        worker = getattr(request.app.state, "alert_delivery", None)
        if worker is not None:
            worker.wake()
    return json_answer(EventsOut(**done))
