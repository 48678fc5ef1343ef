"""Calendar rules for every frequency, yearly included (issue 10 item 14)."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.core.calendar import (
    check_has_quarters,
    fiscal_year_labels,
    frequency_family,
    future_dates,
    infer_frequency,
    period_positions,
    periods_for_quarters,
    quarter_periods,
    quarter_weights,
    season_length,
)
from engine.core.errors import DataError


def frame(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"k": "a", "date": pd.to_datetime(dates)})


@pytest.mark.parametrize(
    ("dates", "freq"),
    [
        (["2020-01-01", "2020-01-02", "2020-01-03"], "D"),
        (["2020-01-06", "2020-01-13", "2020-01-20"], "W"),
        (["2020-01-31", "2020-02-29", "2020-03-31"], "M"),
        (["2020-01-01", "2020-04-01", "2020-07-01"], "Q"),
        (["2019-04-01", "2020-04-01", "2021-04-01", "2023-04-01"], "Y"),
    ],
)
def test_item14_infer_frequency_including_yearly(dates: list[str], freq: str) -> None:
    assert infer_frequency(frame(dates), ["k"]) == freq


def test_item14_half_yearly_and_single_dates_are_refused_by_name() -> None:
    with pytest.raises(DataError) as info:
        infer_frequency(frame(["2020-01-01", "2020-07-01", "2021-01-01"]), ["k"])
    assert info.value.field == "date" and "yearly" in info.value.message
    with pytest.raises(DataError) as info:
        infer_frequency(frame(["2020-01-01"]), ["k"])
    assert info.value.field == "freq"


def test_item14_yearly_steps_seasons_and_backtest_windows() -> None:
    assert season_length("Y") == 1 and quarter_periods("Y") == 1
    assert list(future_dates(pd.Timestamp("2019-04-01"), 3, "Y")) == [
        pd.Timestamp("2020-04-01"),
        pd.Timestamp("2021-04-01"),
        pd.Timestamp("2022-04-01"),
    ]
    dates = pd.to_datetime(["2015-01-01", "2016-01-01", "2018-12-31", "2020-01-01"])
    assert list(period_positions(dates, dates[0], "Y")) == [0, 1, 4, 5]
    assert frequency_family("A") == "Y" and frequency_family("YS") == "Y"
    with pytest.raises(DataError) as info:
        frequency_family("B")
    assert info.value.field == "freq"


def test_item14_quarters_of_yearly_history_are_refused_naming_the_frequency() -> None:
    with pytest.raises(DataError) as info:
        quarter_weights(pd.DatetimeIndex(["2020-01-01"]), "Y")
    assert info.value.field == "quarters" and "yearly history (frequency Y)" in info.value.message
    with pytest.raises(DataError):
        check_has_quarters("Y")
    check_has_quarters("M")


def test_item14_horizon_in_quarters_for_yearly_history() -> None:
    """5 quarters after the year 2020 end in 2022Q1: the years 2021 and 2022."""
    assert periods_for_quarters(pd.Timestamp("2020-01-01"), "Y", 5) == 2
    assert periods_for_quarters(pd.Timestamp("2020-01-01"), "Y", 1) == 1
    assert periods_for_quarters(pd.Timestamp("2020-01-01"), "Y", 8) == 2
    assert periods_for_quarters(pd.Timestamp("2020-01-01"), "Y", 9) == 3


def test_item14_fiscal_year_labels_name_the_year_in_which_it_ends() -> None:
    starts = pd.DatetimeIndex(["2021-04-01", "2022-04-01"])
    assert fiscal_year_labels(starts) == ["FY2022", "FY2023"]
    assert fiscal_year_labels(starts, 4) == ["FY2022", "FY2023"]
    assert fiscal_year_labels(pd.DatetimeIndex(["2021-01-01"]), 1) == ["FY2021"]
    with pytest.raises(DataError) as info:
        fiscal_year_labels(starts, 1)
    assert info.value.field == "fiscal_start_month"


def test_month_end_grids_do_not_drift() -> None:
    start = pd.Timestamp("2020-01-31")
    dates = pd.DatetimeIndex(["2020-01-31", "2020-02-29", "2020-03-31", "2020-04-30"])
    assert list(period_positions(dates, start, "M")) == [0, 1, 2, 3]
    assert future_dates(pd.Timestamp("2020-01-31"), 3, "M")[-1] == pd.Timestamp("2020-04-30")
