"""Pricing API: what-if, recommendations, elasticities, saved scenarios; roles and errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from serving.core.auth import Role
from tests.serving.api_keys import headers_for

PRICING = headers_for(Role.pricing)
PLANNER = headers_for(Role.planner)


def test_what_if_without_change_is_the_baseline(pricing_client: TestClient) -> None:
    r = pricing_client.post("/v1/pricing/scenarios", json={"name": "none"}, headers=PRICING)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["pricing_model_version"] == "1" and body["sales_model_version"] == "1"
    for row in body["summary"] + body["weekly"]:
        assert row["units"] == row["baseline_units"] and row["change_margin"] == 0


def test_price_cut_moves_own_and_substitute_units(pricing_client: TestClient) -> None:
    scenario = {"price_changes": [{"filter": {"product": "P01"}, "percent": -10}]}
    r = pricing_client.post("/v1/pricing/scenarios", json=scenario, headers=PRICING)
    assert r.status_code == 200, r.text
    body = r.json()
    summary = {row["product"]: row for row in body["summary"]}
    assert summary["P01"]["change_units"] > 0
    elastic = pricing_client.get(
        "/v1/pricing/elasticities", params={"product": "P02,P03,P04"}, headers=PLANNER
    ).json()["elasticities"]
    substitutes = [
        e["product"]
        for e in elastic
        if e["cross_product"] == "P01" and e["plausible"] and e["lo_95"] > 0
    ]
    assert substitutes
    for product in substitutes:
        assert summary[product]["change_units"] < 0
    assert {row["quarter"] for row in body["quarterly"]}
    assert all("date" in row for row in body["weekly"])


def test_recommendations_respect_constraints(pricing_client: TestClient) -> None:
    request = {
        "objective": "margin",
        "constraints": {"max_change_pct": 10, "price_endings": [".99", ".49"]},
    }
    r = pricing_client.post("/v1/pricing/recommendations", json=request, headers=PRICING)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sales_model_version"] == "1"
    for row in body["recommendations"]:
        assert abs(row["recommended_price"] / row["current_price"] - 1) <= 0.10 + 1e-9
        assert round(row["recommended_price"] % 1, 2) in (0.49, 0.99)
        assert isinstance(row["binding"], list)
        assert row["margin_change_lo_95"] <= row["margin_change_hi_95"]


def test_impossible_constraints_are_422_naming_the_conflict(pricing_client: TestClient) -> None:
    request = {"constraints": {"min_margin_pct": 95, "max_change_pct": 1}}
    r = pricing_client.post("/v1/pricing/recommendations", json=request, headers=PRICING)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "ConstraintError"
    assert "min_margin" in body["message"] and "max_change" in body["message"]


def test_unknown_products_are_404(pricing_client: TestClient) -> None:
    scenario = {"price_changes": [{"filter": {"product": "NOPE"}, "percent": 5}]}
    r = pricing_client.post("/v1/pricing/scenarios", json=scenario, headers=PRICING)
    assert r.status_code == 404 and r.json()["field"] == "product"
    r = pricing_client.post(
        "/v1/pricing/recommendations", json={"filter": {"product": "NOPE"}}, headers=PRICING
    )
    assert r.status_code == 404
    r = pricing_client.get("/v1/pricing/elasticities", params={"product": "NOPE"}, headers=PLANNER)
    assert r.status_code == 404
    bad_ladder = {"constraints": {"ladders": [{"above": "NOPE", "below": "P01", "pct": 5}]}}
    r = pricing_client.post("/v1/pricing/recommendations", json=bad_ladder, headers=PRICING)
    assert r.status_code == 404


def test_roles(pricing_client: TestClient) -> None:
    assert pricing_client.get("/v1/pricing/elasticities", headers=PLANNER).status_code == 200
    r = pricing_client.post("/v1/pricing/scenarios", json={}, headers=PLANNER)
    assert r.status_code == 403
    r = pricing_client.post("/v1/pricing/recommendations", json={}, headers=PLANNER)
    assert r.status_code == 403
    assert pricing_client.get("/v1/pricing/elasticities").status_code == 401


def test_elasticities_table(pricing_client: TestClient) -> None:
    r = pricing_client.get("/v1/pricing/elasticities", headers=PLANNER)
    rows = r.json()["elasticities"]
    own = [e for e in rows if e["kind"] == "own"]
    assert len(own) == 4 and all(e["cross_product"] in (None, "") for e in own)
    assert all(e["lo_95"] <= e["elasticity"] <= e["hi_95"] for e in rows if e["plausible"])


def test_saved_scenarios_list_get_compare(pricing_client: TestClient) -> None:
    for name, pct in (("cut-5", -5), ("raise-5", 5)):
        body = {
            "name": name,
            "scenario": {"price_changes": [{"filter": {"product": "P02"}, "percent": pct}]},
        }
        r = pricing_client.post("/v1/pricing/saved-scenarios", json=body, headers=PRICING)
        assert r.status_code == 201, r.text
    listed = pricing_client.get("/v1/pricing/saved-scenarios", headers=PRICING).json()
    assert {"cut-5", "raise-5"} <= {s["name"] for s in listed["scenarios"]}
    one = pricing_client.get("/v1/pricing/saved-scenarios/cut-5", headers=PRICING)
    assert one.status_code == 200 and one.json()["scenario"]["price_changes"][0]["percent"] == -5
    missing = pricing_client.get("/v1/pricing/saved-scenarios/none-such", headers=PRICING)
    assert missing.status_code == 404
    r = pricing_client.post(
        "/v1/pricing/saved-scenarios/compare", json={"names": ["cut-5", "raise-5"]}, headers=PRICING
    )
    assert r.status_code == 200, r.text
    rows = {(x["scenario"], x["product"]): x for x in r.json()["rows"]}
    assert rows[("cut-5", "P02")]["change_units"] > 0 > rows[("raise-5", "P02")]["change_units"]
    r = pricing_client.post(
        "/v1/pricing/saved-scenarios", json={"name": "../x", "scenario": {}}, headers=PRICING
    )
    assert r.status_code == 422


def test_item3_answers_with_cost_carry_margins_and_no_notes(pricing_client: TestClient) -> None:
    scenario = {"price_changes": [{"filter": {"product": "P01"}, "percent": -10}]}
    body = pricing_client.post("/v1/pricing/scenarios", json=scenario, headers=PRICING).json()
    assert not any("cost" in note for note in body.get("notes", []))
    total = next(row for row in body["summary"] if row["product"] == "TOTAL")
    assert total["change_margin"] is not None
    assert total["change_margin"] != pytest.approx(total["change_revenue"], rel=1e-3)
    request = {"objective": "margin", "constraints": {"min_margin_pct": 20}}
    answer = pricing_client.post("/v1/pricing/recommendations", json=request, headers=PRICING)
    rows = answer.json()["recommendations"]
    for row in rows:
        assert row["cost"] > 0
        assert (row["recommended_price"] - row["cost"]) / row["recommended_price"] >= 0.20 - 1e-9


def test_item6_quarter_what_if_adds_up_to_the_planners_quarter(
    pricing_client: TestClient,
) -> None:
    whole = pricing_client.post("/v1/pricing/scenarios", json={}, headers=PRICING).json()
    full = [r["quarter"] for r in whole["quarterly"] if r["product"] == "TOTAL"]
    partial = {note.split(" ")[0] for note in whole["notes"] if "is partial" in note}
    quarter = next(q for q in full if q not in partial)  # the first quarter wholly forecast
    body = {"quarters": [quarter], "price_changes": [{"filter": {"product": "P01"}, "percent": 0}]}
    r = pricing_client.post("/v1/pricing/scenarios", json=body, headers=PRICING)
    assert r.status_code == 200, r.text
    rows = r.json()["quarterly"]
    assert {row["quarter"] for row in rows} == {quarter}  # no stub of the next quarter
    total = next(row for row in rows if row["product"] == "TOTAL")
    planner = pricing_client.get(
        "/v1/forecasts", params={"quarters": quarter, "level": "total"}, headers=PLANNER
    )
    assert planner.status_code == 200, planner.text
    assert total["baseline_units"] == pytest.approx(planner.json()["forecasts"][0]["mean"], 1e-9)
    assert total["price"] == pytest.approx(total["revenue"] / total["units"], rel=1e-12)
    assert total["margin_pct"] == pytest.approx(100 * total["margin"] / total["revenue"], 1e-12)
    both = {"quarters": [quarter], "start": "2027-01-01"}
    r = pricing_client.post("/v1/pricing/scenarios", json=both, headers=PRICING)
    assert r.status_code == 422 and r.json()["field"] == "body.quarters"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ([{"filter": {"product": "P01"}, "price": 1e-300}], "price_changes[0]"),
        (
            [{"filter": {"product": "P02"}, "percent": -5}]
            + [{"filter": {"product": "P01"}, "percent": -50}] * 150,
            "price_changes[",
        ),
    ],
)
def test_item18_what_if_that_overflows_is_a_422_naming_the_change(
    pricing_client: TestClient, changes: list[dict], named: str
) -> None:
    r = pricing_client.post(
        "/v1/pricing/scenarios", json={"price_changes": changes}, headers=PRICING
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"].startswith(named) and body["message"].startswith(body["field"])
    assert "finite" in body["message"]


def test_item18_too_many_changes_and_impossible_percents_are_422(
    pricing_client: TestClient,
) -> None:
    changes = [{"filter": {"product": "P01"}, "percent": -10}] * 300
    r = pricing_client.post(
        "/v1/pricing/scenarios", json={"price_changes": changes}, headers=PRICING
    )
    assert r.status_code == 422
    curve = {"filter": {"product": "P01"}, "percents": [-100]}
    r = pricing_client.post("/v1/pricing/demand-curve", json=curve, headers=PRICING)
    assert r.status_code == 422 and "percents" in r.json()["field"]
