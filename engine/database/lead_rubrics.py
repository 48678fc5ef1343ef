"""Rubric versions and their two sign-offs: a version becomes active only once a key of team
marketing and one of team sales have both signed it; every step goes to the audit trail.

A version is never edited: a change is a new draft version (based on the one it changes), and
the audit line of its creation lists what changed. Signing locks the version's row, so two
sign-offs arriving together still activate it exactly once; activating retires the old one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import ConflictError, DataError, NotFoundError
from engine.database import audit
from engine.database.models import LeadRubric, LeadRubricSignoff, utc_now
from engine.database.rows import get_row, inserted, require_status
from engine.database.setup import Database
from engine.leads.rubric import Rubric, rubric_changes, rubric_from_dict

TEAMS = ("marketing", "sales")
"""Both must sign a version before it is active."""
SOURCES = ("hand", "suggested", "file")


def create_rubric(
    db: Database,
    rubric: Rubric,
    actor: str,
    team: str = "",
    source: str = "hand",
    based_on: int | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Store a new draft version; the audit line says who made it and what changed."""
    if source not in SOURCES:
        raise DataError(f"source must be one of {', '.join(SOURCES)}", "source")
    with db.write() as session:
        before = None
        if based_on is not None:
            found = session.get(LeadRubric, based_on)
            if found is None:
                raise NotFoundError(f"no rubric version {based_on} to base this on", "based_on")
            before = rubric_from_dict(found.document)
        row = inserted(
            session,
            LeadRubric(
                name=rubric.name,
                status="draft",
                document=rubric.to_dict(),
                source=source,
                based_on=based_on,
                note=note,
                created_by=actor,
                created_team=team,
            ),
        )
        audit.record(
            session,
            actor,
            "rubric.create",
            version=str(row.id),
            after="draft",
            comment=note or None,
            detail={
                "team": team,
                "source": source,
                "based_on": based_on,
                "changes": rubric_changes(before, rubric),
            },
        )
        session.flush()
        session.refresh(row)
        return as_dict(row)


def sign_off(
    db: Database, rubric_id: int, team: str, actor: str, comment: str = ""
) -> dict[str, Any]:
    """One team signs a draft; with both teams signed it becomes the active rubric."""
    if team not in TEAMS:
        raise DataError(f"team must be one of {', '.join(TEAMS)}, got '{team}'", "team")
    with db.write() as session:
        row = get_row(
            session, LeadRubric, rubric_id, f"rubric version {rubric_id}", "rubric_id", lock=True
        )
        require_status(
            row,
            "draft",
            f"rubric v{rubric_id}",
            "only a draft can be signed (change it by creating a new version)",
            "rubric_id",
        )
        signed = {s.team: s for s in row.signoffs}
        if team in signed:
            raise ConflictError(
                f"{team} has signed rubric v{rubric_id} already ({signed[team].actor}); "
                f"it needs the other team's sign-off",
                "team",
                current={"signed_by": {t: s.actor for t, s in signed.items()}},
            )
        session.add(LeadRubricSignoff(rubric_id=rubric_id, team=team, actor=actor, comment=comment))
        audit.record(
            session,
            actor,
            "rubric.sign_off",
            version=str(rubric_id),
            after=team,
            comment=comment or None,
            detail={"team": team},
        )
        session.flush()
        session.refresh(row)
        if {s.team for s in row.signoffs} >= set(TEAMS):
            _activate(session, row, actor)
        session.flush()
        session.refresh(row)
        return as_dict(row)


def _activate(session: Session, row: LeadRubric, actor: str) -> None:
    """Make `row` the active rubric and retire the one it replaces (audited)."""
    now = utc_now()
    previous = session.scalars(
        select(LeadRubric).where(LeadRubric.status == "active").with_for_update()
    ).all()
    for old in previous:
        old.status, old.retired_at = "retired", now
    row.status, row.activated_at = "active", now
    audit.record(
        session,
        actor,
        "rubric.activate",
        version=str(row.id),
        before=",".join(str(old.id) for old in previous) or "none",
        after="active",
        detail={"signed_by": {s.team: s.actor for s in row.signoffs}},
    )


def get_rubric(db: Database, rubric_id: int) -> dict[str, Any]:
    with db.read() as session:
        row = get_row(session, LeadRubric, rubric_id, f"rubric version {rubric_id}", "rubric_id")
        return as_dict(row)


def list_rubrics(db: Database) -> list[dict[str, Any]]:
    """Every version, newest first."""
    with db.read() as session:
        rows = session.scalars(select(LeadRubric).order_by(LeadRubric.id.desc())).all()
        return [as_dict(row) for row in rows]


def active_rubric(db: Database) -> tuple[int, Rubric] | None:
    """(version, rubric) of the active rubric, or None before both teams signed any."""
    with db.read() as session:
        return active_in(session)


def active_in(session: Session) -> tuple[int, Rubric] | None:
    """The active rubric as seen inside a caller's transaction."""
    row = session.scalars(select(LeadRubric).where(LeadRubric.status == "active")).first()
    return (row.id, rubric_from_dict(row.document)) if row is not None else None


def as_dict(row: LeadRubric) -> dict[str, Any]:
    """A version as people read it: document, status, who made it, who signed."""
    signed = {s.team: s for s in row.signoffs}
    return {
        "version": row.id,
        "name": row.name,
        "status": row.status,
        "source": row.source,
        "based_on": row.based_on,
        "note": row.note,
        "created_by": row.created_by,
        "created_team": row.created_team,
        "created_at": row.created_at.isoformat(),
        "activated_at": row.activated_at.isoformat() if row.activated_at else None,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
        "rubric": dict(row.document),
        "signoffs": [
            {"team": s.team, "by": s.actor, "at": s.at.isoformat(), "comment": s.comment}
            for s in row.signoffs
        ],
        "waiting_for": [t for t in TEAMS if t not in signed] if row.status == "draft" else [],
    }
