"""The two-person approval workflow of plan versions and price lists: a draft is submitted,
someone else approves or rejects it (a rejection says why), and an approved one takes its final
step (a version is locked, a price list published). This module holds the rules and stamps
they share; each repository loads its row, names it in messages and stamps its final step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from engine.core.errors import ConflictError, DataError, ForbiddenError
from engine.database import audit
from engine.database.models import ApprovalTrail, utc_now

DECISIONS = ("approve", "reject")
"""The steps someone other than the submitter takes."""


@dataclass(frozen=True)
class StepRequest:
    """One step someone asks for: the action, who takes it, their comment (required to
    reject) and the revision they read (None: take it whatever the row's revision now)."""

    action: str
    actor: str
    comment: str = ""
    revision: int | None = None


def require_reason(request: StepRequest, noun: str) -> None:
    """A rejection says why (`noun`: "the version", "the price list")."""
    if request.action == "reject" and not request.comment.strip():
        raise DataError(f"say why {noun} is rejected", "comment")


def check_step(
    row: ApprovalTrail,
    request: StepRequest,
    allowed: tuple[str, ...],
    what: str,
    field: str,
    why: str = "",
) -> None:
    """Refuse a step on a row changed since the `revision` read (409), a step its state does not
    allow (409, `why` added to the message) and a decision on one's own submission (403).
    `what` names the row in messages, `field` is the request field that names it."""
    current = {"state": row.state, "revision": row.revision}
    if request.revision is not None and row.revision != request.revision:
        raise ConflictError(
            f"{what} changed since revision {request.revision} (now {row.revision}, {row.state})",
            "revision",
            current=current,
        )
    if row.state not in allowed:
        raise ConflictError(
            f"cannot {request.action} {what}: it is {row.state}{why}", field, current=current
        )
    if request.action in DECISIONS and row.submitted_by == request.actor:
        raise ForbiddenError(
            f"{request.actor} submitted {what}, so someone else must {request.action} it", field
        )


def take_step(
    session: Session,
    row: ApprovalTrail,
    request: StepRequest,
    target: str,
    event: str,
    **where: Any,
) -> dt.datetime:
    """Move `row` to `target` with a new revision, stamp who submitted or decided, and audit the
    step in the caller's transaction; returns the time, for the final step's own stamps."""
    before, now = row.state, utc_now()
    row.state, row.revision = target, row.revision + 1
    if request.action == "submit":
        row.submitted_by, row.submitted_at = request.actor, now
    elif request.action in DECISIONS:
        row.decided_by, row.decided_at = request.actor, now
        row.decision_comment = request.comment or None
    audit.record(
        session,
        request.actor,
        event,
        **where,
        before=before,
        after=target,
        comment=request.comment or None,
    )
    return now
