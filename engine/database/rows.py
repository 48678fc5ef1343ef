"""One row by its key, as the repositories load it for a request: a missing row is a 404 naming
the request field, and a step its status does not allow is a 409 showing the current status.
A new row is `inserted`: added and flushed, so its id is known to the rows that refer to it."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from engine.core.errors import ConflictError, NotFoundError

Row = TypeVar("Row")


class HasStatus(Protocol):
    """A row whose life is a status (alerts, allocations, rubric versions)."""

    status: str


def get_row(
    session: Session, model: type[Row], key: Any, what: str, field: str, *, lock: bool = False
) -> Row:
    """The `model` row with primary key `key`, locked FOR UPDATE when `lock`; 404 "no `what`"
    naming `field` when there is none."""
    row = session.get(model, key, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no {what}", field)
    return row


def inserted(session: Session, row: Row) -> Row:
    """`row` added and flushed, so its generated id and column defaults are known in the
    caller's transaction."""
    session.add(row)
    session.flush()
    return row


def require_status(row: HasStatus, status: str, what: str, rule: str, field: str) -> None:
    """409 "`what` is <status>: `rule`" naming `field` unless the row's status is `status`."""
    if row.status != status:
        raise ConflictError(
            f"{what} is {row.status}: {rule}", field, current={"status": row.status}
        )
