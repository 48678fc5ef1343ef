"""Posted batches and file rows of events, leads and outcomes are read by one set of rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError
from engine.leads.events import parse_events, table_records
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


def test_a_leads_file_reads_as_records_without_its_empty_cells() -> None:
    frame = pd.DataFrame(
        {
            "lead_id": [1, 2],
            "owner": ["ann", None],
            "n_form_fills": [1.0, np.nan],
            "employees": np.array([10, 20], dtype=np.int64),
        }
    )
    records = table_records(frame)
    assert records == [
        {"lead_id": "1", "owner": "ann", "n_form_fills": 1.0, "employees": 10},
        {"lead_id": "2", "employees": 20},
    ]
    assert type(records[0]["employees"]) is int  # a Python number, not numpy's
