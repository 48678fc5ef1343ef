"""Leads the loop follows, and their activity events: stored once per event id, each one
re-scoring its lead (rubric points, model probability, the tier the setting picks) and, when a
sales-qualified lead does something significant, writing an alert in the same transaction (the
outbox the delivery worker reads), so an alert exists exactly when its event does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import ConflictError, NotFoundError
from engine.database.lead_rubrics import active_in
from engine.database.models import Lead, LeadAlert, LeadEvent, SalesRep, utc_now
from engine.database.rows import inserted
from engine.database.setup import Database
from engine.leads.alerts import alert_due
from engine.leads.events import LeadEventIn, LeadRecord, lead_row, utc
from engine.leads.tiering import ActiveRubric, deciding_source, rubric_only

ModelScore = Callable[[pd.DataFrame], tuple[float, str] | None]
"""One lead row -> (probability, the model's tier), or None when the model cannot score it."""


@dataclass(frozen=True)
class ScoringContext:
    """What re-scoring needs besides the lead: the setting, the model, the alert rules."""

    tier_source: str = "rubric"
    model: ModelScore | None = None
    model_version: str | None = None
    significant: list[str] = field(default_factory=list)
    default_target: str | None = None


def upsert_leads(db: Database, records: list[LeadRecord], context: ScoringContext) -> dict:
    """Create or replace leads (their events' counts stay) and score each; returns the counts."""
    created = updated = 0
    with db.write() as session:
        active = _active(session)
        ids = [r.lead_id for r in records]
        rows = {
            row.lead_id: row
            for row in session.scalars(select(Lead).where(Lead.lead_id.in_(ids)).with_for_update())
        }
        for record in records:
            row = rows.get(record.lead_id)
            if row is None:
                row = Lead(lead_id=record.lead_id, event_counts={})
                session.add(row)
                created += 1
            else:
                updated += 1
            row.owner = record.owner
            row.created_date = record.created_date
            row.attributes = dict(record.attributes)
            row.base_counts = dict(record.counts)
            if record.last_activity is not None:
                row.last_activity_at = record.last_activity
            _rescore(row, active, context)
    return {"created": created, "updated": updated}


def record_events(
    db: Database, events: list[LeadEventIn], context: ScoringContext
) -> dict[str, Any]:
    """Store new events, re-score their leads, write alerts; a resent event id changes nothing.

    Every lead must be known (404 naming the event) and a known event id must carry the same
    lead, activity and moment as before (409 otherwise); then all of the batch is stored, or none.
    """
    accepted: list[str] = []
    duplicates: list[str] = []
    alerts: list[int] = []
    with db.write() as session:
        active = _active(session)
        known = {
            e.event_id: e
            for e in session.scalars(
                select(LeadEvent).where(LeadEvent.event_id.in_({e.event_id for e in events}))
            )
        }
        lead_ids = {e.lead_id for e in events}
        leads = {
            row.lead_id: row
            for row in session.scalars(
                select(Lead).where(Lead.lead_id.in_(lead_ids)).with_for_update()
            )
        }
        for i, event in enumerate(events):
            if event.lead_id not in leads:
                raise NotFoundError(
                    f"no lead '{event.lead_id}': send it to POST /v1/leads/records first",
                    f"events.{i}.lead_id",
                )
            stored = known.get(event.event_id)
            if stored is not None and not event.same_as(
                stored.lead_id, stored.activity, stored.occurred_at
            ):
                raise ConflictError(
                    f"event id '{event.event_id}' was already used for another event "
                    f"({stored.activity} of lead {stored.lead_id})",
                    f"events.{i}.event_id",
                    current={
                        "lead_id": stored.lead_id,
                        "activity": stored.activity,
                        "occurred_at": utc(stored.occurred_at).isoformat(),
                    },
                )
        seen: set[str] = set()
        for event in events:
            if event.event_id in known or event.event_id in seen:
                duplicates.append(event.event_id)
                continue
            seen.add(event.event_id)
            row = leads[event.lead_id]
            session.add(
                LeadEvent(
                    event_id=event.event_id,
                    lead_id=event.lead_id,
                    activity=event.activity,
                    occurred_at=event.occurred_at,
                    properties=event.properties,
                )
            )
            counts = dict(row.event_counts or {})
            counts[event.column] = counts.get(event.column, 0.0) + 1.0
            row.event_counts = counts
            if row.last_activity_at is None or utc(row.last_activity_at) < event.occurred_at:
                row.last_activity_at = event.occurred_at
            before = row.tier
            _rescore(row, active, context)
            accepted.append(event.event_id)
            if alert_due(event.activity, row.tier, context.significant):
                alerts.append(_alert(session, row, event, before, context))
        views = [lead_view(leads[i]) for i in sorted(lead_ids)]
    return {"accepted": accepted, "duplicates": duplicates, "alerts": alerts, "leads": views}


def get_lead(db: Database, lead_id: str) -> dict[str, Any]:
    """A lead's current view, and its latest events (newest first, at most 50)."""
    with db.read() as session:
        row = session.get(Lead, lead_id)
        if row is None:
            raise NotFoundError(f"no lead '{lead_id}'", "lead_id")
        events = session.scalars(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead_id)
            .order_by(LeadEvent.occurred_at.desc(), LeadEvent.id.desc())
            .limit(50)
        ).all()
        view = lead_view(row)
        view["events"] = [
            {
                "event_id": e.event_id,
                "activity": e.activity,
                "occurred_at": utc(e.occurred_at).isoformat(),
            }
            for e in events
        ]
        return view


def lead_view(row: Lead) -> dict[str, Any]:
    """A lead as people read it: both scores, the tier and who set it."""
    return {
        "lead_id": row.lead_id,
        "owner": row.owner,
        "created_date": row.created_date.isoformat() if row.created_date else None,
        "attributes": dict(row.attributes or {}),
        "counts": _total_counts(row),
        "last_activity": utc(row.last_activity_at).isoformat() if row.last_activity_at else None,
        "points": row.points,
        "rubric_version": row.rubric_id,
        "rubric_tier": row.rubric_tier,
        "rules_fired": list(row.fired or []),
        "probability": row.probability,
        "model_version": row.model_version,
        "model_tier": row.model_tier,
        "tier": row.tier,
        "tier_source": row.tier_source,
    }


def _active(session: Session) -> ActiveRubric | None:
    found = active_in(session)
    return ActiveRubric(*found) if found is not None else None


def _total_counts(row: Lead) -> dict[str, float]:
    counts = dict(row.base_counts or {})
    for name, added in (row.event_counts or {}).items():
        counts[name] = counts.get(name, 0.0) + added
    return counts


def _record_of(row: Lead) -> LeadRecord:
    return LeadRecord(
        row.lead_id,
        row.owner,
        row.created_date,
        dict(row.attributes or {}),
        dict(row.base_counts or {}),
        utc(row.last_activity_at) if row.last_activity_at else None,
    )


def _rescore(row: Lead, active: ActiveRubric | None, context: ScoringContext) -> None:
    """Points from the active rubric, probability from the model; the setting picks the tier."""
    frame = lead_row(_record_of(row), dict(row.event_counts or {}))
    if active is not None:
        view = rubric_only(frame, active, pd.Timestamp(utc_now()))
        row.points, row.rubric_id = view["points"], active.version
        row.rubric_tier, row.fired = view["rubric_tier"], view["rules_fired"]
    else:
        row.points = row.rubric_id = row.rubric_tier = None
        row.fired = []
    scored = context.model(frame) if context.model is not None else None
    if scored is not None:
        row.probability, row.model_tier = scored
        row.model_version = context.model_version
    else:
        row.probability = row.model_tier = row.model_version = None
    source = deciding_source(context.tier_source, active)
    row.tier_source = source
    row.tier = row.rubric_tier if source != "model" else row.model_tier
    row.updated_at = utc_now()


def _alert(
    session: Session, row: Lead, event: LeadEventIn, before: str | None, context: ScoringContext
) -> int:
    """Write the alert (inbox line and webhook outbox row in one) for this event."""
    rep = session.get(SalesRep, row.owner) if row.owner else None
    target = (rep.webhook_url if rep is not None else None) or context.default_target
    now = utc_now()
    alert = inserted(
        session,
        LeadAlert(
            lead_id=row.lead_id,
            event_id=event.event_id,
            owner=row.owner,
            activity=event.activity,
            tier=row.tier or "",
            points=row.points,
            probability=row.probability,
            payload={},
            target=target,
            status="pending" if target else "inbox",
            attempts=0,
            next_attempt_at=now if target else None,
            created_at=now,
        ),
    )
    alert.payload = {
        "alert_id": alert.id,
        "lead_id": row.lead_id,
        "owner": row.owner,
        "event_id": event.event_id,
        "activity": event.activity,
        "occurred_at": event.occurred_at.isoformat(),
        "tier": row.tier,
        "tier_before": before,
        "crossed_into_tier": before != row.tier,
        "tier_source": row.tier_source,
        "points": row.points,
        "rules_fired": list(row.fired or []),
        "probability": row.probability,
        "model_version": row.model_version,
        "created_at": now.isoformat(),
    }
    return alert.id


def when(moment: dt.datetime | None) -> str | None:
    """A stored moment as ISO text in UTC."""
    return utc(moment).isoformat() if moment is not None else None
