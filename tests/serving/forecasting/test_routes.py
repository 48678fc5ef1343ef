"""Planners' forecasts over the app: same numbers as the reference, weekly detail, CSV."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engine.core.calendar import quarter_label, quarter_of
from engine.forecasting.quarterly import QuarterlyCache, QuarterQuery, quarterly_forecast
from engine.registry.store import ModelStore
from serving.core.auth import Role
from tests.serving.api_keys import headers_for

PLANNER = headers_for(Role.planner)


@pytest.fixture(scope="module")
def forecast_set(shared_client: TestClient):  # noqa: ANN201 - the loaded sales payload
    return shared_client.app.state.champions.get("sales").payload


@pytest.fixture(scope="module")
def quarters(forecast_set) -> list[pd.Period]:  # noqa: ANN001
    """The quarter that is under way at the forecast origin and the two after it."""
    first = quarter_of(pd.DatetimeIndex([forecast_set.dates[0]]))[0]
    return [first, first + 1, first + 2]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("level", "filters"),
    [
        ([], {}),
        (["region"], {}),
        (None, {}),
        (["category"], {}),
        (["store"], {"region": ["__first__"]}),
        ([], {"product": ["__first__", "__second__"]}),
    ],
)
def test_cache_gives_the_numbers_planning_gives(
    forecast_set,
    quarters: list[pd.Period],
    level,
    filters,  # noqa: ANN001
) -> None:
    index = forecast_set.index
    resolved = {}
    for key, values in filters.items():
        names = sorted(index[key].astype(str).unique())
        resolved[key] = [names[0] if v == "__first__" else names[1] for v in values]
    cache = QuarterlyCache.build(forecast_set)
    at_level = level if level is not None else forecast_set.keys
    got = _frame(cache.quarterly(QuarterQuery(quarters, resolved, at_level)))
    want = quarterly_forecast(forecast_set, quarters, resolved, level)
    got = got[want.columns]
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False, rtol=1e-9
    )


def test_quarterly_answer_by_region_over_http(
    shared_client: TestClient,
    forecast_set,
    quarters: list[pd.Period],  # noqa: ANN001
) -> None:
    wanted = ",".join(quarter_label(q) for q in quarters[1:])
    answer = shared_client.get(
        "/v1/forecasts", params={"quarters": wanted, "level": "region"}, headers=PLANNER
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model_version"] == "1" and body["level"] == ["region"]
    rows = _frame(body["forecasts"])
    assert len(rows) == forecast_set.index["region"].nunique() * 2
    assert "date" not in rows.columns
    assert (rows["lo_95"] <= rows["lo_80"]).all() and (rows["hi_80"] <= rows["hi_95"]).all()
    assert (rows["lo_80"] <= rows["mean"]).all() and (rows["mean"] <= rows["hi_80"]).all()
    total = shared_client.get(
        "/v1/forecasts", params={"quarters": wanted, "level": "total"}, headers=PLANNER
    ).json()["forecasts"]
    by_quarter = rows.groupby("quarter")["mean"].sum()
    for row in total:
        assert by_quarter[row["quarter"]] == pytest.approx(row["mean"], rel=1e-9)


def test_weekly_detail_per_series_matches_interval_frame(
    shared_client: TestClient,
    forecast_set,
    quarters: list[pd.Period],  # noqa: ANN001
) -> None:
    one = forecast_set.index.iloc[0]
    params = {key: str(one[key]) for key in forecast_set.keys}
    params |= {"quarters": quarter_label(quarters[1]), "granularity": "week"}
    answer = shared_client.get("/v1/forecasts", params=params, headers=PLANNER)
    assert answer.status_code == 200, answer.text
    rows = _frame(answer.json()["forecasts"])
    want = forecast_set.interval_frame(np.array([0]))
    want = want[quarter_of(pd.DatetimeIndex(want["date"])) == quarters[1]]
    assert list(rows["date"]) == [d.strftime("%Y-%m-%d") for d in want["date"]]
    np.testing.assert_allclose(rows[["mean", "lo_80", "hi_95"]], want[["mean", "lo_80", "hi_95"]])


def test_weekly_detail_at_a_level_adds_up_the_series(
    shared_client: TestClient,
    forecast_set,
    quarters: list[pd.Period],  # noqa: ANN001
) -> None:
    params = {"quarters": quarter_label(quarters[1]), "granularity": "week", "level": "region"}
    regions = _frame(
        shared_client.get("/v1/forecasts", params=params, headers=PLANNER).json()["forecasts"]
    )
    params["level"] = "total"
    total = _frame(
        shared_client.get("/v1/forecasts", params=params, headers=PLANNER).json()["forecasts"]
    )
    summed = regions.groupby("date")["mean"].sum()
    np.testing.assert_allclose(summed.loc[total["date"]].to_numpy(), total["mean"].to_numpy())
    quarter_total = shared_client.get(
        "/v1/forecasts",
        params={"quarters": quarter_label(quarters[1]), "level": "total"},
        headers=PLANNER,
    ).json()["forecasts"][0]["mean"]
    assert total["mean"].sum() == pytest.approx(quarter_total, rel=0.15)  # weeks split by day
    assert (total["lo_95"] <= total["mean"]).all() and (total["mean"] <= total["hi_95"]).all()
    assert len(total) in (13, 14)


def test_csv_export_when_accept_asks_for_it(
    shared_client: TestClient, quarters: list[pd.Period]
) -> None:
    params = {"quarters": quarter_label(quarters[1]), "level": "region"}
    as_json = shared_client.get("/v1/forecasts", params=params, headers=PLANNER).json()
    answer = shared_client.get(
        "/v1/forecasts", params=params, headers={**PLANNER, "Accept": "text/csv"}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == [
        "region",
        "quarter",
        "mean",
        "lo_80",
        "hi_80",
        "lo_95",
        "hi_95",
        "actual_to_date",
        "actual_share",
        "status",
    ]
    assert [r["region"] for r in rows] == [r["region"] for r in as_json["forecasts"]]
    assert [float(r["mean"]) for r in rows] == [r["mean"] for r in as_json["forecasts"]]
    prefers_json = {**PLANNER, "Accept": "application/json, text/csv;q=0.5"}
    answer = shared_client.get("/v1/forecasts", params=params, headers=prefers_json)
    assert answer.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"quarters": "2027Q5"}, 422, "quarters"),
        ({"quarters": ""}, 422, "quarters"),
        ({"quarters": "2040Q1"}, 422, "quarters"),
        ({"quarters": "1999Q1"}, 422, "quarters"),
        ({"quarters": "__next__", "region": "Atlantis"}, 404, "region"),
        ({"quarters": "__next__", "colour": "red"}, 422, "colour"),
        ({"quarters": "__next__", "level": "planet"}, 422, "level"),
        ({"quarters": "__next__", "granularity": "day"}, 422, "query.granularity"),
        ({"quarters": "__next__", "granularity": "week", "store": "nope"}, 404, "store"),
        ({}, 422, "query.quarters"),
    ],
)
def test_bad_requests_name_the_field(
    shared_client: TestClient, quarters: list[pd.Period], params: dict, status: int, field: str
) -> None:
    params = {k: quarter_label(quarters[1]) if v == "__next__" else v for k, v in params.items()}
    answer = shared_client.get("/v1/forecasts", params=params, headers=PLANNER)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field


def test_no_sales_champion_is_409_saying_how_to_train(
    settings,
    store: ModelStore,  # noqa: ANN001
) -> None:
    from serving.app import create_app

    with TestClient(create_app(settings, store)) as client:
        answer = client.get("/v1/forecasts", params={"quarters": "2027Q1"})
        ready = client.get("/v1/ready")
    assert answer.status_code == 409
    assert "lodestar train forecast" in answer.json()["message"]
    assert ready.status_code == 503
    assert ready.json() == {
        "ready": False,
        "degraded": False,
        "problems": [],
        "loaded": [],
        "versions": {},
    }
