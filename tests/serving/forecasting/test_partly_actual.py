"""Item 8 (issue 10): quarters that are partly actuals say so in every output.

The demo history ends mid-quarter (its last week starts 2026-11-16), so 2026Q4 is actual sales
from October 1 to November 22 plus the forecast of the rest. Every output labels that quarter
with the units sold so far (checked against the raw CSV, weeks split by day), the observed share
of its days, and `status: "partly actual"`; fully future quarters carry zeros and "forecast".
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engine.core.calendar import quarter_label, quarter_of
from serving.core.auth import Role
from tests.serving.api_keys import headers_for
from tests.store_homes import store_from
from training.cli.app import main
from training.cli.demo import quarterly_plan_text

PLANNER = headers_for(Role.planner)


def sold_in_quarter(sales: pd.DataFrame, quarter: pd.Period) -> pd.Series:
    """Units per row falling in the quarter, each week split by its days (computed here)."""
    start, end = quarter.start_time, quarter.end_time.normalize()
    days = np.array(
        [sum(start <= d + pd.Timedelta(days=k) <= end for k in range(7)) for d in sales["date"]]
    )
    return sales["units"] * days / 7


@pytest.fixture(scope="module")
def sales(demo_paths: dict[str, Path]) -> pd.DataFrame:
    return pd.read_csv(demo_paths["sales"], parse_dates=["date"])


@pytest.fixture(scope="module")
def under_way(sales: pd.DataFrame) -> dict:
    """The quarter under way at the end of the demo history, with its truth from the CSV."""
    last = sales["date"].max()
    quarter = quarter_of(pd.DatetimeIndex([last]))[0]
    observed = (last + pd.Timedelta(days=7) - quarter.start_time).days
    days = (quarter.end_time.normalize() - quarter.start_time).days + 1
    assert 0 < observed < days  # the demo ends mid-quarter
    sold = sales.assign(sold=sold_in_quarter(sales, quarter))
    return {
        "quarter": quarter,
        "share": observed / days,
        "total": float(sold["sold"].sum()),
        "by_region": sold.groupby("region")["sold"].sum(),
    }


def test_item8_api_labels_the_quarter_under_way_in_json_and_csv(
    shared_client: TestClient, under_way: dict
) -> None:
    now, next_q = under_way["quarter"], under_way["quarter"] + 1
    params = {"quarters": f"{quarter_label(now)},{quarter_label(next_q)}", "level": "region"}
    body = shared_client.get("/v1/forecasts", params=params, headers=PLANNER).json()
    rows = pd.DataFrame(body["forecasts"]).set_index(["region", "quarter"])
    current = rows.xs(quarter_label(now), level="quarter")
    assert (current["status"] == "partly actual").all()
    np.testing.assert_allclose(current["actual_share"], under_way["share"], rtol=1e-9)
    np.testing.assert_allclose(
        current["actual_to_date"], under_way["by_region"].loc[current.index], rtol=1e-9
    )
    assert (current["lo_80"] >= current["actual_to_date"]).all()  # sold units are not uncertain
    assert (current["hi_80"] > current["lo_80"]).all()  # the rest of the quarter is
    future = rows.xs(quarter_label(next_q), level="quarter")
    assert (future["status"] == "forecast").all()
    assert (future["actual_to_date"] == 0).all() and (future["actual_share"] == 0).all()
    as_csv = shared_client.get(
        "/v1/forecasts", params=params, headers={**PLANNER, "Accept": "text/csv"}
    )
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["status"] for r in table] == list(pd.DataFrame(body["forecasts"])["status"])
    np.testing.assert_allclose(
        [float(r["actual_to_date"]) for r in table],
        pd.DataFrame(body["forecasts"])["actual_to_date"],
    )
    total = shared_client.get(
        "/v1/forecasts", params={"quarters": quarter_label(now), "level": "total"}, headers=PLANNER
    ).json()["forecasts"][0]
    assert total["actual_to_date"] == pytest.approx(under_way["total"], rel=1e-9)
    assert total["status"] == "partly actual"


def test_item8_weekly_detail_of_future_weeks_is_forecast(
    shared_client: TestClient, under_way: dict
) -> None:
    params = {"quarters": quarter_label(under_way["quarter"]), "granularity": "week"}
    for level in ("region", "total"):
        rows = shared_client.get(
            "/v1/forecasts", params={**params, "level": level}, headers=PLANNER
        ).json()["forecasts"]
        assert rows and {r["status"] for r in rows} == {"forecast"}


def test_item8_cli_quarter_table_labels_the_quarter_under_way(
    demo_paths: dict[str, Path], sales: pd.DataFrame, under_way: dict, tmp_path: Path
) -> None:
    out = tmp_path / "quarters.csv"
    args = ["forecast", "--data", str(demo_paths["sales"]), "--horizon", "20", "--by-quarter"]
    with pytest.raises(SystemExit) as done:
        main([*args, "--models", "baseline", "--out", str(out)])
    assert done.value.code == 0
    table = pd.read_csv(out)
    now = table[table["quarter"] == quarter_label(under_way["quarter"])]
    assert len(now) == sales.groupby(["region", "store", "product"]).ngroups
    assert (now["status"] == "partly actual").all()
    np.testing.assert_allclose(now["actual_share"], under_way["share"], atol=1e-4)  # %.4f CSV
    sold = sales.assign(sold=sold_in_quarter(sales, under_way["quarter"]))
    want = sold.groupby(["region", "store", "product"])["sold"].sum()
    got = now.set_index(["region", "store", "product"])["actual_to_date"]
    np.testing.assert_allclose(got, want.loc[got.index], rtol=1e-6, atol=1e-3)
    later = table[table["quarter"] != quarter_label(under_way["quarter"])]
    assert (later["status"] == "forecast").all() and (later["actual_to_date"] == 0).all()


def test_item8_demo_plan_marks_the_quarter_under_way(
    tmp_path: Path, sales_template: Path, under_way: dict
) -> None:
    text = quarterly_plan_text(store_from(sales_template, tmp_path / "home"))
    label = quarter_label(under_way["quarter"])
    header = text.splitlines()[1]
    assert f"{label}*" in header.split()
    note = next(line for line in text.splitlines() if line.startswith(f"* {label}"))
    assert "partly actual" in note
    assert f"{under_way['total']:,.0f} units sold so far" in note
    assert f"({under_way['share']:.0%} of the quarter observed)" in note
