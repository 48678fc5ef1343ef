"""Quarter-to-date actuals split by day across quarters, run-rate projection and the plan band,
checked against hand counts; quarter ranges; WAPE."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.calendar import parse_quarter
from engine.core.errors import DataError
from engine.planning.answers import plan_quarters
from engine.planning.fva import wape
from engine.planning.hierarchy import Hierarchy
from engine.planning.tracking import plan_band, quarter_actuals, tracking_table

SERIES = pd.DataFrame({"region": ["North", "South"], "product": ["P1", "P1"]})


def test_a_week_across_new_year_counts_its_days_in_each_quarter() -> None:
    h = Hierarchy.build(SERIES, ["region", "product"])
    actuals = pd.DataFrame(
        {
            "series": [0, 0, 1],
            "date": ["2026-12-28", "2027-01-04", "2027-01-04"],
            "units": [70, 7, 14],
        }
    )
    quarters = [parse_quarter("2026Q4"), parse_quarter("2027Q1")]
    found = quarter_actuals(h, actuals, quarters, "W", 1)
    north, total = h.locate({"region": "North"}), h.locate({})
    # Dec 28-31 are 4 of the week's 7 days: 40 units in 2026Q4, 30 in 2027Q1, then 7 more
    assert found.units[north].tolist() == pytest.approx([40.0, 37.0])
    assert found.units[total].tolist() == pytest.approx([40.0, 51.0])
    assert found.days_covered.tolist() == [4.0, 10.0]  # Dec 28-31; Jan 1-10
    assert found.days_in_quarter.tolist() == [92.0, 90.0]
    assert found.reporting[north].tolist() == [1, 1] and found.reporting[total].tolist() == [1, 2]
    cells = pd.DataFrame(
        {
            "position": [north],
            "quarter": ["2027Q1"],
            "value": [300.0],
            "baseline": [250.0],
            "lo_80": [200.0],
            "hi_80": [300.0],
        }
    )
    row = tracking_table(h, quarters, cells, found).iloc[0]
    assert row["projection"] == pytest.approx(37 / (10 / 90))  # 333.0
    assert (row["plan_lo_80"], row["plan_hi_80"]) == pytest.approx((240.0, 360.0))  # x 300/250
    assert row["status"] == "in progress" and not row["warning"]
    assert row["variance_pct"] == pytest.approx(100 * (333 - 300) / 300)


def test_plan_band_shifts_when_the_forecast_is_zero() -> None:
    lo, hi = plan_band(np.array([10.0]), np.array([0.0]), np.array([0.0]), np.array([2.0]))
    assert (lo[0], hi[0]) == (10.0, 12.0)


def test_quarter_ranges_and_lists() -> None:
    assert [str(q) for q in plan_quarters("2027Q1..2027Q4")] == [
        "2027Q1",
        "2027Q2",
        "2027Q3",
        "2027Q4",
    ]
    assert [str(q) for q in plan_quarters("2027Q3,2027Q1")] == ["2027Q1", "2027Q3"]
    fiscal = plan_quarters("2027Q1..2027Q2", fiscal_start_month=4)
    assert fiscal[0].start_time.month == 4 and fiscal[0].start_time.year == 2026
    for bad in ("2027Q4..2027Q1", "2027Q1..2031Q1", "soon"):
        with pytest.raises(DataError) as err:
            plan_quarters(bad)
        assert err.value.field == "quarters"


def test_wape_by_hand() -> None:
    assert wape(np.array([110.0, 80.0]), np.array([100.0, 100.0])) == pytest.approx(30 / 200)
    assert wape(np.array([1.0]), np.array([0.0])) is None
