"""The retraining schedule's memory: every check (started or skipped, and why), the outcomes it
saw, and the training table exported from the stored leads and outcomes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from engine.core.files import write_table
from engine.database.models import Lead, LeadEvent, LeadOutcome, LeadRetrainRun, utc_now
from engine.database.rows import inserted
from engine.database.setup import Database
from engine.leads.events import utc
from engine.leads.schedule import retrain_decision, training_table


def schedule_state(db: Database) -> tuple[dt.datetime | None, int, int]:
    """(when the last retrain started, outcomes in all, outcomes recorded since then)."""
    with db.read() as session:
        last = session.scalars(
            select(LeadRetrainRun.at)
            .where(LeadRetrainRun.decision == "started")
            .order_by(LeadRetrainRun.at.desc())
            .limit(1)
        ).first()
        total = session.scalar(select(func.count()).select_from(LeadOutcome)) or 0
        newer = select(func.count()).select_from(LeadOutcome)
        if last is not None:
            newer = newer.where(LeadOutcome.recorded_at > last)
        new = session.scalar(newer) or 0
        return (utc(last) if last is not None else None), int(total), int(new)


def record_check(
    db: Database,
    trigger: str,
    decision: str,
    reason: str,
    outcomes: int,
    new_outcomes: int,
    training_run_id: str | None = None,
    data: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Store one check of the schedule."""
    with db.write() as session:
        row = inserted(
            session,
            LeadRetrainRun(
                at=at or utc_now(),
                trigger=trigger,
                decision=decision,
                reason=reason,
                outcomes=outcomes,
                new_outcomes=new_outcomes,
                training_run_id=training_run_id,
                data=data,
            ),
        )
        return as_dict(row)


def set_run(db: Database, check_id: int, training_run_id: str) -> None:
    """Link a started check to its training run once that exists."""
    with db.write() as session:
        row = session.get(LeadRetrainRun, check_id)
        if row is not None:
            row.training_run_id = training_run_id


def list_checks(db: Database, limit: int = 100) -> list[dict[str, Any]]:
    """Schedule checks, newest first."""
    with db.read() as session:
        rows = session.scalars(
            select(LeadRetrainRun).order_by(LeadRetrainRun.id.desc()).limit(limit)
        ).all()
        return [as_dict(r) for r in rows]


def training_frame(db: Database) -> pd.DataFrame:
    """The decided leads as a training table (activity counted up to each outcome date)."""
    with db.read() as session:
        pairs = session.execute(
            select(Lead, LeadOutcome).join(LeadOutcome, LeadOutcome.lead_id == Lead.lead_id)
        ).all()
        leads = [
            {
                "lead_id": lead.lead_id,
                "created_date": lead.created_date.isoformat() if lead.created_date else None,
                "attributes": dict(lead.attributes or {}),
                "base_counts": dict(lead.base_counts or {}),
                "outcome": outcome.outcome,
                "outcome_date": outcome.outcome_date.isoformat(),
            }
            for lead, outcome in pairs
        ]
        ids = [lead["lead_id"] for lead in leads]
        events = [
            {"lead_id": e.lead_id, "activity": e.activity, "occurred_at": utc(e.occurred_at)}
            for e in session.scalars(select(LeadEvent).where(LeadEvent.lead_id.in_(ids)))
        ]
    return training_table(leads, events)


def as_dict(row: LeadRetrainRun) -> dict[str, Any]:
    return {
        "id": row.id,
        "at": utc(row.at).isoformat(),
        "trigger": row.trigger,
        "decision": row.decision,
        "reason": row.reason,
        "outcomes": row.outcomes,
        "new_outcomes": row.new_outcomes,
        "training_run_id": row.training_run_id,
        "data": row.data,
    }


def check_due(
    db: Database, every_days: float, min_new: int, force: bool = False
) -> tuple[str, str, int, int]:
    """(decision, why, outcomes in all, new outcomes) of the schedule right now."""
    last, total, new = schedule_state(db)
    decision, reason = retrain_decision(utc_now(), last, every_days, new, min_new, force)
    return decision, reason, total, new


def export_training_file(db: Database, folder: Path) -> Path:
    """Write the training table of stored outcomes to a new CSV under `folder`."""
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%f")
    return write_table(training_frame(db), Path(folder) / f"leads-outcomes-{stamp}.csv")
