"""Issue 10 item 6: a what-if's range splits weeks by day, like the planner's quarters.

The expected numbers are recomputed here from the forecast's sample paths and the calendar by
hand (days of each week inside the range / 7), and against the planner's own quarter totals.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from engine.core.calendar import parse_quarters
from engine.core.errors import DataError
from engine.forecasting.quarterly import quarterly_forecast
from engine.pricing.scenario import parse_scenario
from engine.pricing.simulator import simulate
from tests.engine.pricing.dense_oracle import assert_agrees_with_dense, simulate_dense


def _days_inside(week: pd.Timestamp, first: dt.date, last: dt.date) -> int:
    """Days of the week starting `week` that lie in first..last (by counting them)."""
    days = pd.date_range(week, periods=7, freq="D")
    return int(((days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))).sum())


def _expected_units(baseline) -> np.ndarray:
    """Series x weeks: expected units at current prices (the mean of the sample paths)."""
    return baseline.paths.astype(float).mean(axis=1)


@pytest.mark.parametrize(
    "raw", [{"start": "2027-01-01", "end": "2027-03-31"}, {"quarters": ["2027Q1"]}]
)
def test_item6_full_quarter_equals_the_planners_quarter(baseline, pricing_set, raw: dict) -> None:
    result = simulate(baseline, pricing_set, parse_scenario(raw))
    # the issue: a stub 2027Q2 row and Jan 1-3 skipped; now exactly one quarter of 90 days
    assert sorted(set(result.quarterly["quarter"])) == ["2027Q1"]
    quarter = result.quarterly.set_index("product")
    assert (quarter["days"] == 90).all()
    planner = quarterly_forecast(baseline, parse_quarters("2027Q1"), level=[])
    assert quarter.loc["TOTAL", "baseline_units"] == pytest.approx(
        planner["mean"].iloc[0], rel=1e-9
    )
    by_product = quarterly_forecast(baseline, parse_quarters("2027Q1"), level=["product"])
    for row in by_product.itertuples():
        assert quarter.loc[row.product, "units"] == pytest.approx(row.mean, rel=1e-9)
    # by hand: each week's expected units times its days inside Jan 1 - Mar 31, over 7
    share = np.array(
        [_days_inside(w, dt.date(2027, 1, 1), dt.date(2027, 3, 31)) / 7 for w in baseline.dates]
    )
    assert quarter.loc["TOTAL", "units"] == pytest.approx(
        (_expected_units(baseline) @ share).sum(), rel=1e-9
    )
    # the week of Mon 2026-12-28 contributes Jan 1-3, the week of Mon 2027-03-29 Mar 29-31
    weekly = result.weekly[result.weekly["product"] == "TOTAL"].set_index("date")
    assert weekly.loc[pd.Timestamp("2026-12-28"), "days"] == 3
    assert weekly.loc[pd.Timestamp("2027-03-29"), "days"] == 3
    assert weekly["units"].sum() == pytest.approx(quarter.loc["TOTAL", "units"], rel=1e-12)
    assert result.summary.set_index("product").loc["TOTAL", "days"] == 90


def test_item6_quarters_shorthand_is_the_date_range(baseline, pricing_set) -> None:
    change = [{"product": "P01", "percent": -10}]
    by_quarter = simulate(
        baseline, pricing_set, parse_scenario({"quarters": ["2027Q1"], "price_changes": change})
    )
    by_dates = simulate(
        baseline,
        pricing_set,
        parse_scenario({"start": "2027-01-01", "end": "2027-03-31", "price_changes": change}),
    )
    for span in ("weekly", "quarterly", "summary"):
        pd.testing.assert_frame_equal(getattr(by_quarter, span), getattr(by_dates, span))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"quarters": ["2027Q1"], "start": "2027-01-01"}, "not both"),
        ({"quarters": ["2027Q1"], "end": "2027-03-31"}, "not both"),
        ({"quarters": ["2027Q1", "2027Q3"]}, "consecutive"),
        ({"quarters": ["2027Q2", "2027Q1"]}, "consecutive"),
        ({"quarters": ["2027-13"]}, "not a quarter"),
    ],
)
def test_item6_bad_quarters_are_refused(raw: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        parse_scenario(raw)


def test_item6_a_quarter_beyond_the_forecast_is_refused(baseline, pricing_set) -> None:
    # the forecast runs 2026-11-23 to 2027-06-20: 2027Q2 is only partly forecast
    with pytest.raises(DataError, match="beyond the forecast") as info:
        simulate(baseline, pricing_set, parse_scenario({"quarters": ["2027Q2"]}))
    assert info.value.field == "quarters"
    # a start/end range reaching past it is answered over the forecast part, and said so
    result = simulate(
        baseline, pricing_set, parse_scenario({"start": "2027-04-01", "end": "2027-12-31"})
    )
    assert any("reaches beyond the forecast" in note for note in result.notes)
    assert any("2027Q2 is partial" in note for note in result.notes)


def test_item6_partial_week_counts_its_days(baseline, pricing_set) -> None:
    result = simulate(
        baseline, pricing_set, parse_scenario({"start": "2027-01-01", "end": "2027-01-03"})
    )
    weekly = result.weekly[result.weekly["product"] == "TOTAL"]
    assert len(weekly) == 1 and weekly["days"].iloc[0] == 3
    week = list(baseline.dates).index(pd.Timestamp("2026-12-28"))
    assert weekly["units"].iloc[0] == pytest.approx(
        _expected_units(baseline)[:, week].sum() * 3 / 7, rel=1e-12
    )


def test_item6_a_change_from_a_friday_moves_that_weeks_last_three_days(
    baseline, pricing_set
) -> None:
    raw = {"price_changes": [{"product": "P01", "percent": -10, "start": "2027-01-01"}]}
    result = simulate(baseline, pricing_set, parse_scenario(raw))
    table = pricing_set.elasticities
    own = table[(table["product"] == "P01") & (table["kind"] == "own")]["elasticity"].iloc[0]
    p01 = result.weekly[result.weekly["product"] == "P01"].set_index("date")
    week = list(baseline.dates).index(pd.Timestamp("2026-12-28"))
    rows = np.flatnonzero(baseline.index["product"].to_numpy() == "P01")
    units = _expected_units(baseline)[rows, week].sum()
    assert p01.loc[pd.Timestamp("2026-12-28"), "change_units"] == pytest.approx(
        units * 3 / 7 * (0.9**own - 1), rel=1e-9
    )
    assert p01.loc[pd.Timestamp("2026-12-21"), "change_units"] == 0
    assert p01.loc[pd.Timestamp("2027-01-04"), "change_units"] == pytest.approx(
        _expected_units(baseline)[rows, week + 1].sum() * (0.9**own - 1), rel=1e-9
    )


def test_item6_rows_carry_the_scenario_price_and_margin_percent(baseline, pricing_set) -> None:
    raw = {"quarters": ["2027Q1"], "price_changes": [{"product": "P01", "percent": -10}]}
    result = simulate(baseline, pricing_set, parse_scenario(raw))
    quarter = result.quarterly.set_index("product")
    current = pricing_set.current
    rows = np.flatnonzero(baseline.index["product"].to_numpy() == "P01")
    keyed = current.set_index(["region", "store", "product"])
    index = baseline.index.iloc[rows]
    p0 = np.array([keyed.loc[(r.region, r.store, r.product), "price"] for r in index.itertuples()])
    cost = np.array([keyed.loc[(r.region, r.store, r.product), "cost"] for r in index.itertuples()])
    share = np.array(
        [_days_inside(w, dt.date(2027, 1, 1), dt.date(2027, 3, 31)) / 7 for w in baseline.dates]
    )
    units = _expected_units(baseline)[rows] @ share  # per series over the quarter
    # volume-weighted average price by hand; every P01 series answers with the same elasticity,
    # so the scenario's average is exactly 90% of the baseline's
    baseline_price = (units * p0).sum() / units.sum()
    assert quarter.loc["P01", "baseline_price"] == pytest.approx(baseline_price, rel=1e-12)
    assert quarter.loc["P01", "price"] == pytest.approx(0.9 * baseline_price, rel=1e-12)
    margin_pct = 100 * (units * (p0 - cost)).sum() / (units * p0).sum()
    assert quarter.loc["P01", "baseline_margin_pct"] == pytest.approx(margin_pct, rel=1e-12)
    new_pct = 100 * (units * (0.9 * p0 - cost)).sum() / (units * 0.9 * p0).sum()
    assert quarter.loc["P01", "margin_pct"] == pytest.approx(new_pct, rel=1e-9)
    total = quarter.loc["TOTAL"]
    assert total["price"] == pytest.approx(total["revenue"] / total["units"], rel=1e-12)


@pytest.mark.parametrize(
    ("raw", "fiscal"),
    [
        ({"quarters": ["2027Q1"], "price_changes": [{"product": "P02", "percent": 4}]}, 1),
        (
            {
                "start": "2026-12-30",
                "end": "2027-02-10",
                "price_changes": [{"product": "P01", "price": 2.5, "start": "2027-01-13"}],
                "promotions": [{"product": "P03", "end": "2027-01-20"}],
            },
            1,
        ),
        ({"quarters": ["2027Q4"], "price_changes": [{"product": "P04", "percent": -6}]}, 4),
    ],
)
def test_item6_fast_matches_the_day_by_day_oracle(baseline, pricing_set, raw, fiscal) -> None:
    scenario = parse_scenario(raw)
    fast = simulate(baseline, pricing_set, scenario, fiscal, seed=5)
    dense = simulate_dense(baseline, pricing_set, scenario, fiscal, seed=5)
    assert_agrees_with_dense(fast, dense, mean_tolerance=1e-9)
    if fiscal == 4:  # fiscal 2027Q4 is calendar Jan-Mar 2027
        assert list(fast.quarterly["quarter"].unique()) == ["2027Q4"]
        assert (fast.quarterly["days"] == 90).all()
