"""Scenario dates a timestamp cannot hold are refused at the edge, naming the field."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pydantic import ValidationError

from engine.core.calendar import FIRST_DAY, LAST_DAY
from engine.pricing.scenario import Scenario


@pytest.mark.parametrize(
    "body, field",
    [
        ({"start": "0509-08-21"}, ("start",)),
        ({"end": "9999-12-31"}, ("end",)),
        (
            {
                "price_changes": [
                    {"filter": {"product": "P01"}, "percent": -5, "start": "0001-01-01"}
                ]
            },
            ("price_changes", 0, "start"),
        ),
        (
            {"promotions": [{"filter": {"product": "P01"}, "end": "2999-01-01"}]},
            ("promotions", 0, "end"),
        ),
    ],
)
def test_dates_outside_the_timestamp_range_are_refused_naming_the_field(
    body: dict, field: tuple
) -> None:
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(body)
    (error,) = caught.value.errors()
    assert error["loc"] == field
    assert "outside 1678-2261" in error["msg"]


def test_the_range_is_what_pandas_can_hold() -> None:
    assert pd.Timestamp(FIRST_DAY) >= pd.Timestamp.min
    assert pd.Timestamp(LAST_DAY) <= pd.Timestamp.max
    ok = Scenario.model_validate({"start": FIRST_DAY.isoformat(), "end": LAST_DAY.isoformat()})
    assert ok.start == FIRST_DAY and ok.end == LAST_DAY
    with pytest.raises(ValidationError):
        Scenario.model_validate({"start": (FIRST_DAY - dt.timedelta(days=1)).isoformat()})
