"""The alerts table as outbox and inbox: the delivery worker claims due alerts and records
each attempt (delivered, retry later with backoff, or dead letter); people read the inbox,
mark alerts read and send dead letters again. Everything is in the database, so a restarted
server picks up exactly where the last one stopped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from engine.core.errors import DataError
from engine.database import audit
from engine.database.models import LeadAlert, LeadAlertAttempt, utc_now
from engine.database.rows import get_row, require_status
from engine.database.setup import Database
from engine.leads.alerts import backoff_seconds
from engine.leads.events import utc

STATUSES = ("pending", "delivered", "dead", "inbox")
"""pending: a webhook try is due or coming; inbox: no webhook to send to (inbox only)."""
MAX_LIST = 1000


def claim_due(db: Database, lease_seconds: float, limit: int = 20) -> list[dict[str, Any]]:
    """Pending alerts whose next try is due, leased to the caller for `lease_seconds`."""
    now = utc_now()
    with db.write() as session:
        rows = session.scalars(
            select(LeadAlert)
            .where(LeadAlert.status == "pending", LeadAlert.next_attempt_at <= now)
            .where(or_(LeadAlert.leased_until.is_(None), LeadAlert.leased_until < now))
            .order_by(LeadAlert.next_attempt_at, LeadAlert.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.leased_until = now + dt.timedelta(seconds=lease_seconds)
        return [
            {"id": r.id, "target": r.target, "payload": dict(r.payload), "attempts": r.attempts}
            for r in rows
        ]


def record_attempt(
    db: Database,
    alert_id: int,
    status_code: int | None,
    error: str,
    seconds: float,
    max_attempts: int,
    backoff_base: float,
) -> str:
    """Store one try: 2xx delivers; otherwise retry after backoff, or dead after the last try."""
    now = utc_now()
    with db.write() as session:
        row = session.get(LeadAlert, alert_id, with_for_update=True)
        if row is None or row.status != "pending":
            return row.status if row is not None else "gone"
        session.add(
            LeadAlertAttempt(
                alert_id=alert_id, at=now, status_code=status_code, error=error, seconds=seconds
            )
        )
        row.attempts += 1
        row.leased_until = None
        if status_code is not None and 200 <= status_code < 300:
            row.status, row.delivered_at, row.next_attempt_at = "delivered", now, None
            row.last_error = ""
        elif row.attempts >= max_attempts:
            row.status, row.next_attempt_at, row.last_error = "dead", None, error
        else:
            wait = backoff_seconds(row.attempts, backoff_base)
            row.next_attempt_at = now + dt.timedelta(seconds=wait)
            row.last_error = error
        return row.status


def next_due(db: Database) -> dt.datetime | None:
    """When the earliest pending alert is due (None when none is pending)."""
    with db.read() as session:
        found = session.scalars(
            select(LeadAlert.next_attempt_at)
            .where(LeadAlert.status == "pending")
            .order_by(LeadAlert.next_attempt_at)
            .limit(1)
        ).first()
        return utc(found) if found is not None else None


def list_alerts(
    db: Database,
    owner: str | None = None,
    status: str | None = None,
    unread: bool = False,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Alerts newest first, filtered by owner, status and unread."""
    if status is not None and status not in STATUSES:
        raise DataError(f"status must be one of {', '.join(STATUSES)}, got '{status}'", "status")
    if not 1 <= limit <= MAX_LIST:
        raise DataError(f"limit must be 1..{MAX_LIST}", "limit")
    stmt = select(LeadAlert)
    if owner is not None:
        stmt = stmt.where(LeadAlert.owner == owner)
    if status is not None:
        stmt = stmt.where(LeadAlert.status == status)
    if unread:
        stmt = stmt.where(LeadAlert.read_at.is_(None))
    with db.read() as session:
        rows = session.scalars(stmt.order_by(LeadAlert.id.desc()).limit(limit)).all()
        return [as_dict(r) for r in rows]


def get_alert(db: Database, alert_id: int) -> dict[str, Any]:
    """One alert with every delivery attempt."""
    with db.read() as session:
        row = get_row(session, LeadAlert, alert_id, f"alert {alert_id}", "alert_id")
        out = as_dict(row)
        tries = session.scalars(
            select(LeadAlertAttempt)
            .where(LeadAlertAttempt.alert_id == alert_id)
            .order_by(LeadAlertAttempt.id)
        ).all()
        out["attempt_log"] = [
            {
                "at": utc(t.at).isoformat(),
                "status_code": t.status_code,
                "error": t.error,
                "seconds": round(t.seconds, 3),
            }
            for t in tries
        ]
        return out


def mark_read(db: Database, alert_id: int, actor: str) -> dict[str, Any]:
    """The owner has seen it (the first reader and time are kept)."""
    with db.write() as session:
        row = get_row(session, LeadAlert, alert_id, f"alert {alert_id}", "alert_id", lock=True)
        if row.read_at is None:
            row.read_at, row.read_by = utc_now(), actor
        session.flush()
        return as_dict(row)


def retry_dead(db: Database, alert_id: int, actor: str) -> dict[str, Any]:
    """Send a dead letter again (attempts start over); audited."""
    with db.write() as session:
        what = f"alert {alert_id}"
        row = get_row(session, LeadAlert, alert_id, what, "alert_id", lock=True)
        require_status(row, "dead", what, "only a dead letter can be sent again", "alert_id")
        row.status, row.attempts, row.next_attempt_at = "pending", 0, utc_now()
        row.leased_until = None
        audit.record(
            session,
            actor,
            "alert.retry",
            before="dead",
            after="pending",
            detail={"alert_id": alert_id, "lead_id": row.lead_id},
        )
        session.flush()
        return as_dict(row)


def as_dict(row: LeadAlert) -> dict[str, Any]:
    """An alert as the inbox shows it."""
    return {
        "id": row.id,
        "lead_id": row.lead_id,
        "owner": row.owner,
        "event_id": row.event_id,
        "activity": row.activity,
        "tier": row.tier,
        "points": row.points,
        "probability": row.probability,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "target": row.target,
        "created_at": utc(row.created_at).isoformat(),
        "delivered_at": utc(row.delivered_at).isoformat() if row.delivered_at else None,
        "next_attempt_at": utc(row.next_attempt_at).isoformat() if row.next_attempt_at else None,
        "read_at": utc(row.read_at).isoformat() if row.read_at else None,
        "read_by": row.read_by,
        "payload": dict(row.payload),
    }
