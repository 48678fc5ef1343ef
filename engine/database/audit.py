"""The audit trail: append one line per decision, read them back with filters. Never updated or
deleted (the database refuses both, see the initial migration)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.core.errors import DataError
from engine.database.models import AuditEvent, utc_now
from engine.database.setup import Database

MAX_ROWS = 5000
FIELDS = (
    "plan_id",
    "version",
    "cell",
    "before",
    "after",
    "reason",
    "comment",
    "price_list_id",
    "scenario_id",
    "family",
)
"""What an audit line may say beyond who, what and when (each left out when empty)."""


def record(session: Session, actor: str, action: str, **fields: Any) -> None:
    """Append one audit line in the caller's transaction (it commits with its change)."""
    detail = fields.pop("detail", None) or {}
    for name in ("before", "after"):
        if fields.get(name) is not None and not isinstance(fields[name], str):
            fields[name] = format_value(fields[name])
    values = {"actor": actor, "action": action, "detail": detail, "at": utc_now(), **fields}
    session.execute(insert(AuditEvent).values(**values))


def format_value(value: Any) -> str:
    """Numbers as exact-enough text (before/after columns hold text for every kind of change)."""
    if isinstance(value, float):
        return repr(round(value, 9))
    return str(value)


@dataclass(frozen=True)
class AuditFilter:
    """What to read: every field optional; times are inclusive bounds."""

    actor: str | None = None
    action: str | None = None
    plan_id: int | None = None
    version: str | None = None
    price_list_id: int | None = None
    family: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    limit: int = 500


def query(session: Session, wanted: AuditFilter) -> list[dict[str, Any]]:
    """Audit lines matching the filter, oldest first (at most `limit`)."""
    if not 1 <= wanted.limit <= MAX_ROWS:
        raise DataError(f"limit must be 1..{MAX_ROWS}", "limit")
    stmt = select(AuditEvent)
    if wanted.actor:
        stmt = stmt.where(AuditEvent.actor == wanted.actor)
    if wanted.action:
        if wanted.action.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(wanted.action))
        else:
            stmt = stmt.where(AuditEvent.action == wanted.action)
    if wanted.plan_id is not None:
        stmt = stmt.where(AuditEvent.plan_id == wanted.plan_id)
    if wanted.version:
        stmt = stmt.where(AuditEvent.version == wanted.version)
    if wanted.price_list_id is not None:
        stmt = stmt.where(AuditEvent.price_list_id == wanted.price_list_id)
    if wanted.family:
        stmt = stmt.where(AuditEvent.family == wanted.family)
    if wanted.since is not None:
        stmt = stmt.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        stmt = stmt.where(AuditEvent.at <= wanted.until)
    stmt = stmt.order_by(AuditEvent.id).limit(wanted.limit)
    return [as_dict(e) for e in session.scalars(stmt)]


def as_dict(event: AuditEvent) -> dict[str, Any]:
    """One audit line as users read it (empty fields left out)."""
    out: dict[str, Any] = {"id": event.id, "at": event.at.isoformat(), "actor": event.actor}
    out["action"] = event.action
    for name in FIELDS:
        value = getattr(event, name)
        if value is not None and value != "":
            out[name] = value
    if event.detail:
        out["detail"] = event.detail
    return out


def record_champion_move(db: Database, actor: str, move: dict[str, Any]) -> None:
    """Audit a promotion or rollback that moved the champion (from → to), in its own transaction."""
    if not move.get("moved") or move.get("dry_run"):
        return
    with db.write() as session:
        record(
            session,
            actor,
            f"model.{move.get('action', 'move')}",
            family=move.get("family"),
            before=move.get("previous_champion") or "none",
            after=move.get("target"),
            detail={"message": move.get("message", "")},
        )
