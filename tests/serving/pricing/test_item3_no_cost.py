"""Issue 10 item 3 over the API: a pricing champion trained without cost (like the cheese data).

What-ifs answer with null margins and a note; margin objectives and floors are a 422 naming
`cost`; revenue recommendations carry a null cost instead of 0.0.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engine.registry.store import ModelStore
from serving.core.auth import Role
from tests.serving.api_keys import headers_for
from tests.serving.app_clients import app_client, keyed_settings
from tests.store_homes import home_from
from training.pricing.job import train_pricing

PRICING = headers_for(Role.pricing)
MARGIN_FIELDS = ["baseline_margin", "margin", "margin_lo_95", "margin_hi_95", "change_margin"]


@pytest.fixture(scope="module")
def no_cost_client(
    tmp_path_factory: pytest.TempPathFactory, sales_template: Path, demo_paths: dict[str, Path]
) -> Iterator[TestClient]:
    """Sales v1 and a pricing champion trained on the same history with its cost column dropped."""
    settings = keyed_settings(home_from(sales_template, tmp_path_factory.mktemp("no-cost")))
    data = settings.home / "sales_no_cost.csv"
    pd.read_csv(demo_paths["sales"]).drop(columns=["cost"]).to_csv(data, index=False)
    store = ModelStore.from_settings(settings)
    assert train_pricing(store, data).promoted
    yield from app_client(settings, store)


def test_item3_what_if_has_null_margins_and_a_note(no_cost_client: TestClient) -> None:
    scenario = {"price_changes": [{"filter": {"product": "P01"}, "percent": -10}]}
    r = no_cost_client.post("/v1/pricing/scenarios", json=scenario, headers=PRICING)
    assert r.status_code == 200, r.text
    body = r.json()
    assert any("cost" in note for note in body["notes"])
    rows = body["summary"] + body["quarterly"] + body["weekly"]
    for row in rows:
        assert all(row[f] is None for f in MARGIN_FIELDS)
        assert row["change_revenue"] is not None
    total = next(row for row in body["summary"] if row["product"] == "TOTAL")
    assert total["change_revenue"] != 0


@pytest.mark.parametrize(
    "request_body",
    [
        {"objective": "margin", "constraints": {"min_margin_pct": 30}},
        {"objective": "revenue", "constraints": {"min_margin_pct": 30}},
        {"constraints": {"max_change_pct": 10}},  # the default objective is margin
    ],
)
def test_item3_margin_objective_or_floor_is_422_naming_cost(
    no_cost_client: TestClient, request_body: dict
) -> None:
    r = no_cost_client.post("/v1/pricing/recommendations", json=request_body, headers=PRICING)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "cost" and "cost" in r.json()["message"]


def test_item3_revenue_recommendation_has_null_cost(no_cost_client: TestClient) -> None:
    request = {"objective": "revenue", "constraints": {"max_change_pct": 10}}
    r = no_cost_client.post("/v1/pricing/recommendations", json=request, headers=PRICING)
    assert r.status_code == 200, r.text
    for row in r.json()["recommendations"]:
        assert row["cost"] is None and row["margin_change"] is None
        assert abs(row["recommended_price"] / row["current_price"] - 1) <= 0.10 + 1e-9
        assert "cost" in row["note"]


def test_item3_compare_and_demand_curve_have_null_margins(no_cost_client: TestClient) -> None:
    for name, pct in (("cut", -5), ("raise", 5)):
        change = {"filter": {"product": "P01"}, "percent": pct}
        saved = {"name": name, "scenario": {"price_changes": [change]}}
        r = no_cost_client.post("/v1/pricing/saved-scenarios", json=saved, headers=PRICING)
        assert r.status_code == 201, r.text
    r = no_cost_client.post(
        "/v1/pricing/saved-scenarios/compare", json={"names": ["cut", "raise"]}, headers=PRICING
    )
    assert r.status_code == 200, r.text
    assert all(row["change_margin"] is None for row in r.json()["rows"])
    assert any("cost" in note for note in r.json()["notes"])
    curve = {"filter": {"product": "P01"}, "percents": [-5, 5]}
    r = no_cost_client.post("/v1/pricing/demand-curve", json=curve, headers=PRICING)
    assert r.status_code == 200, r.text
    assert all(p["margin"] is None and p["revenue"] is not None for p in r.json()["points"])
