"""Reps and allocation proposals: a proposal places open, unowned leads with their model
probability and deal value (engine.leads.allocation), is stored whole with the pipeline it
expects per rep, territory and quarter, and changes owners only when a sales manager accepts
it. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from engine.core.errors import DataError
from engine.database import audit
from engine.database.models import (
    Lead,
    LeadAllocation,
    LeadAllocationItem,
    LeadOutcome,
    SalesRep,
    utc_now,
)
from engine.database.rows import get_row, inserted, require_status
from engine.database.setup import Database
from engine.leads.allocation import LeadSpec, RepSpec, allocate
from engine.leads.events import utc
from engine.leads.pipeline import expected_quarter

SOLVER = "scipy.optimize.milp (HiGHS)"


@dataclass(frozen=True)
class AllocationRequest:
    """What to allocate: which lead columns hold territory and segment, the cap, the weeks."""

    territory_column: str = "region"
    segment_column: str | None = None
    fairness_cap: float = 1.0
    weeks: int = 1
    default_deal_value: float | None = None


def put_rep(
    db: Database,
    name: str,
    territories: list[str],
    segments: list[str],
    weekly_capacity: int,
    webhook_url: str | None,
    active: bool,
    actor: str,
) -> dict[str, Any]:
    """Create or change a rep (audited with before and after)."""
    if weekly_capacity < 0:
        raise DataError("weekly_capacity must be at least 0", "weekly_capacity")
    if not territories:
        raise DataError("a rep needs at least one territory", "territories")
    with db.write() as session:
        row = session.get(SalesRep, name, with_for_update=True)
        before = rep_dict(row) if row is not None else None
        if row is None:
            row = SalesRep(name=name, weekly_capacity=weekly_capacity, updated_by=actor)
            session.add(row)
        row.territories, row.segments = sorted(set(territories)), sorted(set(segments))
        row.weekly_capacity, row.webhook_url, row.active = weekly_capacity, webhook_url, active
        row.updated_by, row.updated_at = actor, utc_now()
        session.flush()
        after = rep_dict(row)
        audit.record(
            session,
            actor,
            "rep.put",
            before="new" if before is None else f"capacity {before['weekly_capacity']}",
            after=f"capacity {weekly_capacity}",
            detail={"rep": name, "before": before, "after": after},
        )
        return after


def list_reps(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        return [rep_dict(r) for r in session.scalars(select(SalesRep).order_by(SalesRep.name))]


def rep_dict(row: SalesRep) -> dict[str, Any]:
    return {
        "name": row.name,
        "territories": list(row.territories),
        "segments": list(row.segments),
        "weekly_capacity": row.weekly_capacity,
        "webhook_url": row.webhook_url,
        "active": row.active,
    }


def propose(
    db: Database,
    request: AllocationRequest,
    actor: str,
    lag_days: float = 0.0,
    fiscal_start_month: int = 1,
) -> dict[str, Any]:
    """Allocate the open, unowned leads to the active reps and store the proposal."""
    if not 1 <= request.weeks <= 52:
        raise DataError("weeks must be 1..52", "weeks")
    with db.write() as session:
        reps = [
            RepSpec(
                r.name,
                frozenset(r.territories),
                frozenset(r.segments),
                r.weekly_capacity * request.weeks,
            )
            for r in session.scalars(select(SalesRep).where(SalesRep.active.is_(True)))
        ]
        decided = set(session.scalars(select(LeadOutcome.lead_id)))
        candidates = session.scalars(select(Lead).where(Lead.owner.is_(None))).all()
        leads, skipped, created = _lead_specs(
            [c for c in candidates if c.lead_id not in decided], request
        )
        result = allocate(leads, reps, request.fairness_cap)
        summary = _summary(
            leads, reps, result.assignment, skipped, created, lag_days, fiscal_start_month
        )
        row = inserted(
            session,
            LeadAllocation(
                status="proposed",
                params={**request.__dict__},
                objective=result.objective,
                greedy_objective=result.greedy_objective,
                solver=f"{result.method}; {SOLVER}: {result.solver_status}",
                summary=summary,
                created_by=actor,
            ),
        )
        spec = {lead.lead_id: lead for lead in leads}
        for lead_id, rep in result.assignment.items():
            lead = spec[lead_id]
            session.add(
                LeadAllocationItem(
                    allocation_id=row.id,
                    lead_id=lead_id,
                    rep=rep,
                    probability=lead.probability,
                    deal_value=lead.deal_value,
                    expected_value=lead.expected_value,
                    territory=lead.territory,
                    segment=lead.segment,
                )
            )
        audit.record(
            session,
            actor,
            "allocation.propose",
            after="proposed",
            detail={
                "allocation_id": row.id,
                "objective": round(result.objective, 2),
                "greedy_objective": round(result.greedy_objective, 2),
                "assigned": len(result.assignment),
                "method": result.method,
            },
        )
        session.flush()
        return _as_dict(session, row)


def accept(db: Database, allocation_id: int, actor: str, comment: str = "") -> dict[str, Any]:
    """A sales manager accepts: each still-open, still-unowned lead gets its rep (audited)."""
    with db.write() as session:
        what = f"allocation {allocation_id}"
        row = get_row(session, LeadAllocation, allocation_id, what, "allocation_id", lock=True)
        require_status(row, "proposed", what, "only a proposal can be accepted", "allocation_id")
        decided = set(session.scalars(select(LeadOutcome.lead_id)))
        now = utc_now()
        applied, skipped = 0, []
        for item in row.items:
            lead = session.get(Lead, item.lead_id, with_for_update=True)
            if lead is None or lead.owner is not None or item.lead_id in decided:
                skipped.append(item.lead_id)
                continue
            lead.owner, lead.assigned_at = item.rep, now
            applied += 1
        row.status, row.decided_by, row.decided_at, row.comment = "accepted", actor, now, comment
        audit.record(
            session,
            actor,
            "allocation.accept",
            before="proposed",
            after="accepted",
            comment=comment or None,
            detail={"allocation_id": allocation_id, "applied": applied, "skipped": skipped},
        )
        session.flush()
        out = _as_dict(session, row)
        out["applied"], out["skipped"] = applied, skipped
        return out


def get_allocation(db: Database, allocation_id: int) -> dict[str, Any]:
    with db.read() as session:
        row = get_row(
            session, LeadAllocation, allocation_id, f"allocation {allocation_id}", "allocation_id"
        )
        return _as_dict(session, row)


def _lead_specs(
    rows: list[Lead], request: AllocationRequest
) -> tuple[list[LeadSpec], dict[str, list[str]], dict[str, dt.date | None]]:
    """Leads that can be placed, and why the others cannot (no probability, value, territory)."""
    specs: list[LeadSpec] = []
    skipped: dict[str, list[str]] = {"no_probability": [], "no_deal_value": [], "no_territory": []}
    created: dict[str, dt.date | None] = {}
    for row in rows:
        attrs = row.attributes or {}
        territory = attrs.get(request.territory_column)
        segment = attrs.get(request.segment_column) if request.segment_column else None
        value = attrs.get("deal_value", request.default_deal_value)
        if row.probability is None:
            skipped["no_probability"].append(row.lead_id)
        elif value is None:
            skipped["no_deal_value"].append(row.lead_id)
        elif territory is None or str(territory).strip() == "":
            skipped["no_territory"].append(row.lead_id)
        else:
            specs.append(
                LeadSpec(
                    row.lead_id,
                    str(territory),
                    None if segment is None else str(segment),
                    float(row.probability),
                    float(value),
                )
            )
            created[row.lead_id] = row.created_date
    return specs, skipped, created


def _summary(
    leads: list[LeadSpec],
    reps: list[RepSpec],
    assignment: dict[str, str],
    skipped: dict[str, list[str]],
    created: dict[str, dt.date | None],
    lag_days: float,
    fiscal_start_month: int,
) -> dict[str, Any]:
    """Expected pipeline per rep, per territory, and per quarter of expected conversion."""
    frame = pd.DataFrame(
        {
            "lead_id": [lead.lead_id for lead in leads],
            "territory": [lead.territory for lead in leads],
            "expected_value": [lead.expected_value for lead in leads],
            "created_date": pd.to_datetime([created.get(lead.lead_id) for lead in leads]),
        }
    )
    frame["rep"] = [assignment.get(lead.lead_id) for lead in leads]
    today = pd.Timestamp(utc_now().date())
    frame["quarter"] = (
        expected_quarter(frame, lag_days, today, fiscal_start_month) if len(frame) else []
    )
    placed = frame[frame["rep"].notna()]
    per_rep = []
    for rep in reps:
        mine = placed[placed["rep"] == rep.name]
        per_rep.append(
            {
                "rep": rep.name,
                "capacity": rep.capacity,
                "leads": int(len(mine)),
                "expected_value": round(float(mine["expected_value"].sum()), 2),
            }
        )
    per_territory = []
    for territory, part in frame.groupby("territory", sort=True):
        assigned = part[part["rep"].notna()]
        per_territory.append(
            {
                "territory": str(territory),
                "leads": int(len(part)),
                "assigned": int(len(assigned)),
                "expected_value": round(float(assigned["expected_value"].sum()), 2),
            }
        )
    by_quarter = [
        {
            "quarter": str(q),
            "rep": str(r),
            "territory": str(t),
            "expected_value": round(float(v), 2),
        }
        for (q, r, t), v in placed.groupby(["quarter", "rep", "territory"])["expected_value"]
        .sum()
        .items()
    ]
    return {
        "reps": per_rep,
        "territories": per_territory,
        "by_quarter": by_quarter,
        "unassigned": int(len(frame) - len(placed)),
        "skipped": {k: len(v) for k, v in skipped.items()},
        "lag_days": lag_days,
    }


def _as_dict(session: Any, row: LeadAllocation) -> dict[str, Any]:
    items = session.scalars(
        select(LeadAllocationItem)
        .where(LeadAllocationItem.allocation_id == row.id)
        .order_by(LeadAllocationItem.id)
    ).all()
    return {
        "id": row.id,
        "status": row.status,
        "params": dict(row.params),
        "objective": row.objective,
        "greedy_objective": row.greedy_objective,
        "solver": row.solver,
        "summary": dict(row.summary),
        "created_by": row.created_by,
        "created_at": utc(row.created_at).isoformat(),
        "decided_by": row.decided_by,
        "decided_at": utc(row.decided_at).isoformat() if row.decided_at else None,
        "items": [
            {
                "lead_id": i.lead_id,
                "rep": i.rep,
                "probability": i.probability,
                "deal_value": i.deal_value,
                "expected_value": i.expected_value,
                "territory": i.territory,
                "segment": i.segment,
            }
            for i in items
        ],
    }
