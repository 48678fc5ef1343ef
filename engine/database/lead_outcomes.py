"""Outcomes of leads as sales records them, each with the lead's tier, points and probability at
that moment (so marketing can see how each tier actually converted), every one audited; and the
table marketing's figures are computed from.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from engine.core.errors import DataError, NotFoundError
from engine.database import audit
from engine.database.models import Lead, LeadOutcome, utc_now
from engine.database.setup import Database
from engine.leads.outcomes import OutcomeIn


def record_outcomes(
    db: Database, outcomes: list[OutcomeIn], actor: str, origin: str, where: str = "outcomes"
) -> dict[str, int]:
    """Store outcomes (a second one for a lead replaces the first, audited with both): all of
    the batch, or none when a lead is unknown or an outcome predates its lead."""
    recorded = replaced = 0
    with db.write() as session:
        ids = [o.lead_id for o in outcomes]
        leads = {r.lead_id: r for r in session.scalars(select(Lead).where(Lead.lead_id.in_(ids)))}
        stored = {
            r.lead_id: r
            for r in session.scalars(select(LeadOutcome).where(LeadOutcome.lead_id.in_(ids)))
        }
        for i, item in enumerate(outcomes):
            lead = leads.get(item.lead_id)
            if lead is None:
                raise NotFoundError(
                    f"no lead '{item.lead_id}': send it to POST /v1/leads/records first",
                    f"{where}.{i}.lead_id",
                )
            if lead.created_date is not None and item.outcome_date < lead.created_date:
                raise DataError(
                    f"date {item.outcome_date} is before lead '{item.lead_id}' was created "
                    f"({lead.created_date})",
                    f"{where}.{i}.date",
                )
        for item in outcomes:
            lead = leads[item.lead_id]
            row = stored.get(item.lead_id)
            before = _describe(row) if row is not None else None
            if row is None:
                row = LeadOutcome(lead_id=item.lead_id)
                session.add(row)
                recorded += 1
            else:
                replaced += 1
            row.outcome, row.deal_value = item.outcome, item.deal_value
            row.outcome_date, row.reason = item.outcome_date, item.reason
            row.recorded_by, row.recorded_at = actor, utc_now()
            row.rubric_id, row.rubric_tier, row.points = (
                lead.rubric_id,
                lead.rubric_tier,
                lead.points,
            )
            row.probability, row.tier = lead.probability, lead.tier
            audit.record(
                session,
                actor,
                "lead.outcome",
                before=before,
                after=_describe(row),
                reason=item.reason or None,
                detail={"lead_id": item.lead_id, "origin": origin, "tier": lead.tier},
            )
    return {"recorded": recorded, "replaced": replaced}


def list_outcomes(db: Database, limit: int = 1000) -> list[dict[str, Any]]:
    """Recorded outcomes, newest first."""
    with db.read() as session:
        rows = session.scalars(
            select(LeadOutcome).order_by(LeadOutcome.recorded_at.desc()).limit(limit)
        ).all()
        return [
            {
                "lead_id": r.lead_id,
                "outcome": r.outcome,
                "date": r.outcome_date.isoformat(),
                "deal_value": r.deal_value,
                "reason": r.reason,
                "recorded_by": r.recorded_by,
                "tier": r.tier,
                "rubric_tier": r.rubric_tier,
                "points": r.points,
                "probability": r.probability,
            }
            for r in rows
        ]


def stats_frame(db: Database) -> pd.DataFrame:
    """One row per lead: attributes, created_date, outcome (None: open) and its date, deal
    value (the outcome's once decided), the model's probability, the tiers with the outcome."""
    with db.read() as session:
        pairs = session.execute(
            select(Lead, LeadOutcome).outerjoin(LeadOutcome, LeadOutcome.lead_id == Lead.lead_id)
        ).all()
        records = []
        for lead, outcome in pairs:
            row: dict[str, Any] = {**(lead.attributes or {})}
            row.update(
                {
                    "lead_id": lead.lead_id,
                    "owner": lead.owner,
                    "created_date": lead.created_date,
                    "probability": lead.probability,
                    "outcome": outcome.outcome if outcome else None,
                    "outcome_date": outcome.outcome_date if outcome else None,
                    "rubric_tier": outcome.rubric_tier if outcome else lead.rubric_tier,
                    "tier": outcome.tier if outcome else lead.tier,
                }
            )
            if outcome is not None:
                row["deal_value"] = outcome.deal_value
            records.append(row)
    columns = ["lead_id", "owner", "created_date", "probability", "outcome", "outcome_date"]
    columns += ["rubric_tier", "tier", "deal_value"]
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=columns)
    for col in columns:
        if col not in frame.columns:
            frame[col] = None
    return frame


def _describe(row: LeadOutcome) -> str:
    value = f" {row.deal_value:g}" if row.deal_value is not None else ""
    return f"{row.outcome}{value} on {row.outcome_date}"
