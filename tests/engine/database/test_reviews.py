"""Tracking and forecast value added from a real database, checked against sums by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.core.contracts import read_table, validate_sales
from engine.core.errors import ConflictError
from engine.database import actuals, plans, reviews
from engine.database.approvals import StepRequest
from tests.engine.database.conftest import Champion
from tests.engine.database.plan_steps import make_plan, override_as

Q1_START, Q1_END = dt.date(2027, 1, 1), dt.date(2027, 3, 31)


def days_inside(monday: dt.date, first: dt.date, last: dt.date) -> int:
    """Days of the week starting `monday` that fall in first..last (by counting them)."""
    return sum(first <= monday + dt.timedelta(days=k) <= last for k in range(7))


def bottom_q1(db, plan_id: int, version: str = "baseline") -> pd.DataFrame:  # noqa: ANN001
    cells = plans.read_cells(
        db, plan_id, version, level="region,store,product", quarters=["2027Q1"]
    )
    return pd.DataFrame([{**c["keys"], "value": c["value"]} for c in cells["cells"]])


def weekly_actuals(
    bottom: pd.DataFrame, mondays: list[dt.date], factor: dict[str, float]
) -> pd.DataFrame:
    """Each series sells its plan's daily rate times its region's factor, every day."""
    rows = []
    for s in bottom.itertuples(index=False):
        daily = s.value / 90.0 * factor[s.region]
        rows += [
            {
                "date": m.isoformat(),
                "region": s.region,
                "store": s.store,
                "product": s.product,
                "units": daily * 7,
            }
            for m in mondays
        ]
    return pd.DataFrame(rows)


def load(db, frame: pd.DataFrame) -> dict:  # noqa: ANN001
    return actuals.load_actuals(db, validate_sales(frame), "loader", "test")


def test_tracking_projects_the_run_rate_and_warns_outside_the_band(
    database_url: str, sales_champion: Champion
) -> None:
    db, made = make_plan(database_url, sales_champion, "2027Q1..2027Q2")
    bottom = bottom_q1(db, made["id"])
    mondays = [dt.date(2027, 1, 4) + dt.timedelta(weeks=k) for k in range(6)]
    frame = weekly_actuals(bottom, mondays, {"North": 1.5, "South": 1.0})
    assert load(db, frame)["rows"] == len(frame)
    answer = reviews.tracking(db, made["id"], level="region", quarters=["2027Q1"])
    by_region = {c["keys"]["region"]: c for c in answer["cells"]}
    for region, factor in (("North", 1.5), ("South", 1.0)):
        cell = by_region[region]
        to_date = frame.loc[frame["region"] == region, "units"].sum()  # by hand
        assert cell["actual_to_date"] == pytest.approx(to_date, rel=1e-9)
        assert cell["days_covered"] == 42 and cell["days_in_quarter"] == 90
        assert cell["projection"] == pytest.approx(to_date * 90 / 42, rel=1e-9)
        plan_value = bottom.loc[bottom["region"] == region, "value"].sum()
        assert cell["projection"] == pytest.approx(plan_value * factor, rel=1e-9)
        assert cell["variance"] == pytest.approx(plan_value * (factor - 1), rel=1e-6, abs=1e-6)
        assert cell["status"] == "in progress"
    assert (
        by_region["North"]["warning"]
        and by_region["North"]["projection"] > by_region["North"]["plan_hi_80"]
    )
    assert not by_region["South"]["warning"]
    assert answer["warnings"] == 1
    q2 = reviews.tracking(db, made["id"], level="total", quarters=["2027Q2"])["cells"][0]
    assert q2["status"] == "not started" and q2["projection"] is None and not q2["warning"]
    # a reload of the same dates replaces the numbers rather than adding to them
    load(db, frame)
    again = reviews.tracking(db, made["id"], level="region", quarters=["2027Q1"])
    assert again["cells"] == answer["cells"]


def test_plan_band_moves_with_an_override(database_url: str, sales_champion: Champion) -> None:
    db, made = make_plan(database_url, sales_champion, "2027Q1")
    base = reviews.tracking(db, made["id"], level="total")["cells"][0]
    override_as(db, made["id"], "baseline", plans.Override({}, "2027Q1", "other", percent=20))
    moved = reviews.tracking(db, made["id"], level="total")["cells"][0]
    assert moved["plan"] == pytest.approx(base["plan"] * 1.2)
    assert moved["plan_lo_80"] == pytest.approx(base["plan_lo_80"] * 1.2)
    assert moved["plan_hi_80"] == pytest.approx(base["plan_hi_80"] * 1.2)


def test_forecast_value_added_by_level_and_reason(
    database_url: str, sales_champion: Champion, demo_paths: dict[str, Path]
) -> None:
    db, made = make_plan(database_url, sales_champion, "2027Q1..2027Q2")
    pid = made["id"]
    plans.copy_version(db, pid, "baseline", "final", "alice")
    override_as(
        db, pid, "final", plans.Override({"region": "North"}, "2027Q1", "promotion", percent=30)
    )
    override_as(
        db, pid, "final", plans.Override({"region": "South"}, "2027Q1", "other", percent=-30)
    )
    with pytest.raises(ConflictError):
        reviews.forecast_value_added(db, pid)
    plans.transition(db, pid, "final", StepRequest("submit", "alice"))
    plans.transition(db, pid, "final", StepRequest("approve", "carol"))
    history = read_table(demo_paths["sales"])
    load(db, history)  # last year's actuals: the naive forecast
    bottom = bottom_q1(db, pid)  # baseline values
    mondays = [dt.date(2026, 12, 28) + dt.timedelta(weeks=k) for k in range(14)]
    frame = weekly_actuals(bottom, mondays, {"North": 1.2, "South": 1.1})
    load(db, frame)
    answer = reviews.forecast_value_added(db, pid)
    assert answer["quarters_with_actuals"] == ["2027Q1"] and answer["version"]["name"] == "final"
    row = next(r for r in answer["levels"] if r["level"] == "region")
    # by hand: each region's Q1 actual, last year's Q1 actual, WAPEs
    actual = {
        r: bottom.loc[bottom.region == r, "value"].sum() * f
        for r, f in (("North", 1.2), ("South", 1.1))
    }
    base = {r: bottom.loc[bottom.region == r, "value"].sum() for r in actual}
    final = {"North": base["North"] * 1.3, "South": base["South"] * 0.7}
    h = history.assign(date=pd.to_datetime(history["date"]).dt.date)
    h["w"] = [days_inside(d, dt.date(2026, 1, 1), dt.date(2026, 3, 31)) / 7 for d in h["date"]]
    naive = (h["units"] * h["w"]).groupby(h["region"]).sum()
    total = sum(actual.values())
    assert row["actual"] == pytest.approx(total, rel=1e-9)
    wape = lambda f: sum(abs(f[r] - actual[r]) for r in actual) / total  # noqa: E731
    assert row["forecast_wape"] == pytest.approx(wape(base), rel=1e-9)
    assert row["plan_wape"] == pytest.approx(wape(final), rel=1e-9)
    assert row["naive_wape"] == pytest.approx(wape(naive.to_dict()), rel=1e-9)
    assert row["plan_value_added"] == pytest.approx(wape(base) - wape(final), rel=1e-9)
    reasons = {r["reason"]: r for r in answer["reasons"]}
    north, south = reasons["promotion"], reasons["other"]
    assert north["cells"] == 1 and north["cells_improved"] == 1  # +30% vs +20% actual: closer
    assert north["plan_value_added"] == pytest.approx((0.2 - 0.1) / 1.2, rel=1e-9)
    assert south["cells_improved"] == 0 and south["plan_value_added"] < 0
    assert np.isclose(south["forecast_wape"], 0.1 / 1.1)
