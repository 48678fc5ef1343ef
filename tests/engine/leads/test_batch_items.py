"""Posted batches of events and outcomes refuse a non-object and an unknown field alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from engine.core.errors import DataError
from engine.leads.events import parse_events
from engine.leads.outcomes import parse_outcomes

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def events(items: list[Any]) -> Any:
    return parse_events(items, NOW)


def outcomes(items: list[Any]) -> Any:
    return parse_outcomes(items, NOW.date(), where="rows")


@pytest.mark.parametrize(
    ("parse", "item", "message", "field"),
    [
        (events, "x", "each event is {event_id, lead_id, activity, occurred_at}", "events.0"),
        (
            events,
            {"event_id": 1, "colour": "red"},
            "unknown event field 'colour' "
            "(fields: event_id, lead_id, activity, occurred_at, properties)",
            "events.0.colour",
        ),
        (outcomes, 3, "each outcome is {lead_id, outcome, date, deal_value, reason}", "rows.0"),
        (
            outcomes,
            {"lead_id": "A", "stage": "x"},
            "unknown outcome field 'stage' (fields: lead_id, outcome, date, deal_value, reason)",
            "rows.0.stage",
        ),
    ],
)
def test_a_bad_item_is_refused_naming_it(
    parse: Callable[[list[Any]], Any], item: Any, message: str, field: str
) -> None:
    with pytest.raises(DataError) as refused:
        parse([item])
    assert (refused.value.message, refused.value.field) == (message, field)
