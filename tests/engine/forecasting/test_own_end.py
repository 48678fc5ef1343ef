"""Item 9 (issue 10): series that end before the panel are forecast from their own last period.

Dates come from each series' own end, means sit inside their bands, a series that stopped more
than a season early is named, and a planner can leave it out of quarter totals.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from engine.core.calendar import parse_quarter, quarter_weights
from engine.core.panel import Panel, align_ends
from engine.forecasting.answers import forecast_rows, period_table, quarter_table
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from engine.forecasting.quarterly import QuarterlyCache, QuarterQuery, quarterly_forecast
from models.forecasting.global_gbm import _calendar, _series_calendar

N_MONTHS = 60
STOPS = {"A": 0, "B": 15, "C": 2}  # periods before the panel's end each series stopped


def truth(dates: pd.DatetimeIndex, level: float) -> np.ndarray:
    """A purely seasonal monthly series: seasonal naive forecasts it exactly."""
    return level + 40.0 * np.sin(2 * np.pi * dates.month.to_numpy() / 12)


def ragged_panel() -> Panel:
    dates = pd.DatetimeIndex(pd.date_range("2019-01-01", periods=N_MONTHS, freq="MS"))
    values = np.vstack([truth(dates, 100.0 + 50 * k) for k in range(len(STOPS))])
    for i, stop in enumerate(STOPS.values()):
        if stop:
            values[i, -stop:] = np.nan
    index = pd.DataFrame({"region": ["N", "N", "S"], "sku": list(STOPS)})
    return Panel(index, dates, values, "M")


@pytest.fixture(scope="module")
def outcome():
    logging.disable(logging.WARNING)
    try:
        yield run_forecast(ragged_panel(), ForecastSettings(selection="baseline"), 6, keys=["sku"])
    finally:
        logging.disable(logging.NOTSET)


def test_item9_align_ends_moves_every_series_to_the_last_column() -> None:
    panel = ragged_panel()
    aligned = align_ends(panel)
    assert aligned.shift.tolist() == list(STOPS.values())
    for i in range(len(STOPS)):
        own = panel.values[i, ~np.isnan(panel.values[i])]
        np.testing.assert_array_equal(aligned.values[i, N_MONTHS - len(own) :], own)
    assert not np.isnan(aligned.values[:, -1]).any()


def test_item9_each_series_is_forecast_from_its_own_last_period(outcome) -> None:
    panel = ragged_panel()
    table = period_table(outcome.forecast_set)
    for i, (sku, stop) in enumerate(STOPS.items()):
        rows = table[table["sku"] == sku]
        dates = pd.DatetimeIndex(rows["date"])
        own_last = panel.dates[-1 - stop]
        assert dates[0] == own_last + pd.DateOffset(months=1), sku
        assert dates[-1] == panel.dates[-1] + pd.DateOffset(months=6), sku  # the common horizon
        assert len(rows) == 6 + stop
        # seasonal naive repeats the season: exact at the series' own dates
        np.testing.assert_allclose(rows["mean"], truth(dates, 100.0 + 50 * i), rtol=1e-5)
        assert ((rows["lo_80"] <= rows["mean"]) & (rows["mean"] <= rows["hi_80"])).all()


def test_item9_a_series_stopped_more_than_a_season_ago_is_named(outcome) -> None:
    stopped = outcome.notes["stopped_early"]
    assert stopped["sku"].tolist() == ["B"]  # C stopped 2 months early: within a season
    assert stopped["last_date"].tolist() == [ragged_panel().dates[-16].date().isoformat()]
    info = outcome.forecast_set.info["stopped_early"]
    assert [r["sku"] for r in info] == ["B"]


def test_item9_stopped_series_can_be_left_out_of_quarter_totals(outcome) -> None:
    fs = outcome.forecast_set
    first_future = parse_quarter("2024Q1")  # the panel ends 2023-12
    quarters = [first_future, first_future + 1]
    with_all = quarterly_forecast(fs, quarters, level=[])
    without = quarterly_forecast(fs, quarters, level=[], exclude_stopped=True)
    others = quarterly_forecast(fs, quarters, {"sku": ["A", "C"]}, level=[])
    pd.testing.assert_frame_equal(without, others)
    only_b = quarterly_forecast(fs, quarters, {"sku": ["B"]}, level=[])
    np.testing.assert_allclose(with_all["mean"], others["mean"] + only_b["mean"], rtol=1e-9)
    cache = QuarterlyCache.build(fs)
    got = pd.DataFrame(cache.quarterly(QuarterQuery(quarters, {}, [], exclude_stopped=True)))
    pd.testing.assert_frame_equal(got[without.columns], without, check_dtype=False)
    assert "B" not in set(quarter_table(fs, exclude_stopped=True)["sku"])
    assert "B" not in set(period_table(fs, exclude_stopped=True)["sku"])


def test_item9_quarters_add_each_series_actuals_up_to_its_own_end(outcome) -> None:
    """2023Q4: A is actual, C actual for October then forecast, B forecast (stopped in 2022)."""
    fs = outcome.forecast_set
    panel = ragged_panel()
    q4 = parse_quarter("2023Q4")
    rows = pd.DataFrame(
        forecast_rows(fs, QuarterlyCache.build(fs), QuarterQuery([q4], {}, ["sku"]), 1)
    )
    rows = rows.set_index("sku")
    months = pd.DatetimeIndex(pd.date_range("2023-10-01", periods=3, freq="MS"))
    for i, sku in enumerate(STOPS):
        observed = months <= panel.dates[-1 - STOPS[sku]]
        want_actual = truth(months, 100.0 + 50 * i)[observed].sum()
        assert rows.loc[sku, "actual_to_date"] == pytest.approx(want_actual, abs=1e-6)
        assert rows.loc[sku, "actual_share"] == pytest.approx(observed.mean())
        assert rows.loc[sku, "mean"] == pytest.approx(truth(months, 100.0 + 50 * i).sum(), 1e-5)
    assert rows["status"].tolist() == ["actual", "forecast", "partly actual"]
    total = forecast_rows(fs, None, QuarterQuery([q4], {}, []), 1)[0]
    assert total["status"] == "partly actual"
    assert total["actual_share"] == pytest.approx((1 + 0 + 1 / 3) / 3)


def test_item9_weekly_rows_of_a_group_add_the_actuals_of_series_not_yet_forecast(outcome) -> None:
    fs = outcome.forecast_set
    cache = QuarterlyCache.build(fs)
    q4 = parse_quarter("2023Q4")
    total = QuarterQuery([q4], {}, [])
    rows = pd.DataFrame(cache.weekly_rows(total))  # monthly periods of the total
    months = pd.DatetimeIndex(pd.date_range("2023-10-01", periods=3, freq="MS"))
    assert rows["date"].tolist() == [d.strftime("%Y-%m-%d") for d in months]
    want = sum(truth(months, 100.0 + 50 * i) for i in range(len(STOPS)))
    np.testing.assert_allclose(rows["mean"], want, rtol=1e-5)
    assert rows["status"].tolist() == ["partly actual"] * 3
    weights = quarter_weights(months, "M").to_numpy()[:, 0]
    quarter = pd.DataFrame(cache.quarterly(total))
    assert (rows["mean"] * weights).sum() == pytest.approx(quarter["mean"].iloc[0], rel=1e-9)
    bottom = pd.DataFrame(cache.weekly_rows(QuarterQuery([q4], {}, ["sku"])))
    assert set(bottom["sku"]) == {"B", "C"}  # A has no forecast periods in 2023Q4


def test_item9_global_model_reads_each_series_calendar_at_its_own_dates() -> None:
    dates = pd.DatetimeIndex(pd.date_range("2021-01-01", periods=10, freq="MS"))
    shift = np.array([0, 3])
    terms = _series_calendar(dates[0], 10, "M", shift)
    np.testing.assert_allclose(terms[0], _calendar(dates, "M"))
    real = pd.DatetimeIndex([d - pd.DateOffset(months=3) for d in dates])
    np.testing.assert_allclose(terms[1], _calendar(real, "M"))
