"""Leads the loop follows and the activity events that move them, checked one rule set for all.

A lead record carries its id, owner, created date, attributes (text or numbers) and activity
counts (non-negative numbers, the contract's columns or n_<activity>). An event is one activity
of one lead at one moment, named by an event id the sender chooses; the same id sent again is
the same event and changes nothing. Errors name the item and field (`events.3.occurred_at`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from engine.core.contracts.leads import ACTIVITY_COLUMNS, activity_column
from engine.core.errors import DataError

MAX_TEXT = 200
MAX_INT = 2**53
"""Whole numbers beyond this lose precision as floats: refused rather than rounded."""
_ID = re.compile(r"^[^\x00-\x1f]{1,200}$")
FUTURE_SLACK = dt.timedelta(minutes=5)
"""An event may be stamped this far after the server's clock (clocks drift), never more."""
RESERVED = ("lead_id", "owner", "created_date", "last_activity")
EVENT_FIELDS = ("event_id", "lead_id", "activity", "occurred_at")
"""What every event holds (it may add `properties`)."""


@dataclass(frozen=True)
class LeadRecord:
    """A lead as the loop stores it (counts apart from attributes, so events can add to them)."""

    lead_id: str
    owner: str | None
    created_date: dt.date | None
    attributes: dict[str, Any]
    counts: dict[str, float]
    last_activity: dt.datetime | None = None


@dataclass(frozen=True)
class LeadEventIn:
    """One activity of one lead: the count column it adds one to, and when."""

    event_id: str
    lead_id: str
    activity: str
    occurred_at: dt.datetime
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def column(self) -> str:
        """The count column the activity adds to (form_fill -> form_fills)."""
        return activity_column(self.activity)

    def same_as(self, lead_id: str, activity: str, occurred_at: dt.datetime) -> bool:
        """Is a stored event with this id the same event (so a resend is harmless)?"""
        return (
            self.lead_id == lead_id
            and self.activity == activity
            and utc(self.occurred_at) == utc(occurred_at)
        )


def parse_records(items: list[dict[str, Any]]) -> list[LeadRecord]:
    """Check a batch of lead records; the first bad one is refused naming `leads.i.field`."""
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        record = parse_record(item, f"leads.{i}")
        if record.lead_id in seen:
            raise DataError(
                f"lead '{record.lead_id}' appears twice (items {seen[record.lead_id]} and {i})",
                f"leads.{i}.lead_id",
            )
        seen[record.lead_id] = i
        out.append(record)
    return out


def parse_record(item: dict[str, Any], where: str) -> LeadRecord:
    """One lead record: id, optional owner and created_date, counts and attributes."""
    if not isinstance(item, dict):
        raise DataError("each lead is an object of its columns", where)
    lead_id = identifier(item.get("lead_id"), f"{where}.lead_id", "lead_id")
    owner = item.get("owner")
    if owner is not None:
        owner = identifier(owner, f"{where}.owner", "owner", limit=80)
    created = item.get("created_date")
    created_date = parse_day(created, f"{where}.created_date") if created is not None else None
    last = item.get("last_activity")
    last_activity = parse_moment(last, f"{where}.last_activity") if last is not None else None
    counts: dict[str, float] = {}
    attributes: dict[str, Any] = {}
    for key, value in item.items():
        if key in RESERVED:
            continue
        name = str(key)
        if not name.strip() or len(name) > 80:
            raise DataError("column names are 1-80 characters", f"{where}.{name[:80]}")
        if name in ACTIVITY_COLUMNS or name.startswith("n_"):
            if value is not None:
                counts[name] = non_negative(value, f"{where}.{name}")
        elif name == "deal_value" and value is not None:
            attributes[name] = non_negative(value, f"{where}.{name}")
        else:
            attributes[name] = plain_value(value, f"{where}.{name}")
    return LeadRecord(lead_id, owner, created_date, attributes, counts, last_activity)


def parse_events(items: list[dict[str, Any]], now: dt.datetime) -> list[LeadEventIn]:
    """Check a batch of events; ids must not repeat inside one batch with different content."""
    seen: dict[str, LeadEventIn] = {}
    out = []
    for i, item in enumerate(items):
        where = f"events.{i}"
        batch_item(item, where, "event", EVENT_FIELDS, optional=("properties",))
        event_id = identifier(item.get("event_id"), f"{where}.event_id", "event_id")
        lead_id = identifier(item.get("lead_id"), f"{where}.lead_id", "lead_id")
        activity = activity_name(item.get("activity"), f"{where}.activity")
        occurred = parse_moment(item.get("occurred_at"), f"{where}.occurred_at")
        if occurred > now + FUTURE_SLACK:
            raise DataError(
                f"occurred_at {occurred.isoformat()} is in the future (server time "
                f"{now.isoformat(timespec='seconds')})",
                f"{where}.occurred_at",
            )
        properties = item.get("properties") or {}
        if not isinstance(properties, dict) or len(properties) > 50:
            raise DataError(
                "properties must be an object of at most 50 fields", f"{where}.properties"
            )
        properties = {
            str(k): plain_value(v, f"{where}.properties.{k}") for k, v in properties.items()
        }
        event = LeadEventIn(event_id, lead_id, activity, occurred, properties)
        if event_id in seen and not seen[event_id].same_as(lead_id, activity, occurred):
            raise DataError(
                f"event id '{event_id}' is used twice in this batch for different events",
                f"{where}.event_id",
            )
        seen[event_id] = event
        out.append(event)
    return out


def file_records(frame: pd.DataFrame, cell: Callable[[str, Any], Any]) -> list[dict[str, Any]]:
    """Rows of a file as record objects: empty cells dropped, every other one read by `cell`
    (given its column name and value), so a file is checked like a posted batch."""
    return [
        {str(key): cell(str(key), value) for key, value in row.items() if not _empty(value)}
        for row in frame.to_dict(orient="records")
    ]


def _empty(value: Any) -> bool:
    """An empty file cell: missing, or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def table_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a leads file as record objects: empty cells dropped, ids and dates as text."""
    return file_records(frame, _lead_cell)


def _lead_cell(column: str, value: Any) -> Any:
    """A leads file cell: the lead's own fields as text, numpy scalars as Python numbers."""
    if column in RESERVED:
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def lead_row(
    record: LeadRecord,
    event_counts: dict[str, float],
) -> pd.DataFrame:
    """The lead as one scoring row: attributes, counts (base plus events), dates."""
    counts = dict(record.counts)
    for name, added in event_counts.items():
        counts[name] = counts.get(name, 0.0) + added
    row: dict[str, Any] = {"lead_id": record.lead_id, **record.attributes, **counts}
    if record.created_date is not None:
        row["created_date"] = record.created_date.isoformat()
    if record.last_activity is not None:
        row["last_activity"] = record.last_activity.isoformat()
    return pd.DataFrame([row])


def batch_item(
    item: Any, where: str, noun: str, fields: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """One item of a posted batch: an object holding `fields` and maybe `optional` ones, and no
    others (the first unknown field is named, `events.3.colour`)."""
    if not isinstance(item, dict):
        raise DataError(f"each {noun} is {{{', '.join(fields)}}}", where)
    unknown = sorted(set(item) - {*fields, *optional})
    if unknown:
        raise DataError(
            f"unknown {noun} field '{unknown[0]}' (fields: {', '.join((*fields, *optional))})",
            f"{where}.{unknown[0]}",
        )
    return item


def identifier(value: Any, where: str, name: str, limit: int = MAX_TEXT) -> str:
    """A non-empty id of printable text (numbers are taken as their text)."""
    if isinstance(value, bool) or value is None:
        raise DataError(f"{name} is required (text)", where)
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise DataError(f"{name} must be text of 1-{limit} characters, got {value!r}", where)
    if not _ID.match(value):
        raise DataError(f"{name} must not hold control characters", where)
    return value.strip()


def activity_name(value: Any, where: str) -> str:
    """An activity type as stored: lower-case words joined by '_' (Form Fill -> form_fill)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 80:
        raise DataError(f"activity must be text such as 'form_fill', got {value!r}", where)
    key = re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")
    if not key:
        raise DataError(f"activity '{value}' has no letters or digits", where)
    return key


def parse_moment(value: Any, where: str) -> dt.datetime:
    """An ISO 8601 date-time with a time zone (a moment without one is ambiguous: refused)."""
    if not isinstance(value, str):
        raise DataError(
            f"must be an ISO date-time such as 2026-11-26T09:00:00Z, got {value!r}", where
        )
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DataError(
            f"'{value}' is not an ISO date-time such as 2026-11-26T09:00:00Z", where
        ) from None
    if moment.tzinfo is None:
        raise DataError(
            f"'{value}' has no time zone; add one (Z for UTC, or +01:00) so the moment is exact",
            where,
        )
    return moment.astimezone(dt.UTC)


def parse_day(value: Any, where: str) -> dt.date:
    """An ISO date (YYYY-MM-DD)."""
    if not isinstance(value, str):
        raise DataError(f"must be an ISO date such as 2026-11-26, got {value!r}", where)
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise DataError(f"'{value}' is not an ISO date such as 2026-11-26", where) from None


def non_negative(value: Any, where: str) -> float:
    """A finite number at least zero."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DataError(f"must be a number, got {value!r}", where)
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise DataError(f"must be at most {MAX_INT}", where)
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise DataError(f"must be a finite number at least 0, got {value!r}", where)
    return number


def plain_value(value: Any, where: str) -> Any:
    """Text (up to 2,000 characters), a finite number, true/false or null."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > MAX_INT:
        raise DataError(f"numbers must be at most {MAX_INT} in size", where)
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise DataError(f"must be a finite number, got {value!r}", where)
        return value
    if isinstance(value, str):
        if len(value) > 2000:
            raise DataError("text must be at most 2,000 characters", where)
        return value
    raise DataError(
        f"must be text, a number, true/false or null, got {type(value).__name__}", where
    )


def utc(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC (a naive one read back from SQLite is UTC already)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
