"""Plans, actuals, audit, pricing versions and price lists over the API (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from serving.core.auth import Role
from tests.override_requests import north_spring_push, override_body
from tests.serving.api_keys import NAMES, headers_for, second_approver_headers

PLANNER = headers_for(Role.planner)
APPROVER = headers_for(Role.approver)
PRICING = headers_for(Role.pricing)


def create(client: TestClient, quarters: str = "2027Q1..2027Q2") -> dict:
    answer = client.post("/v1/plans", json={"name": "FY27", "quarters": quarters}, headers=PLANNER)
    assert answer.status_code == 201, answer.text
    return answer.json()


def cell(client: TestClient, pid: int, version: str, level: str, quarter: str, **keys: str) -> dict:
    params = {"level": level, "quarters": quarter, **keys}
    cells = client.get(f"/v1/plans/{pid}/versions/{version}", params=params, headers=PLANNER)
    assert cells.status_code == 200, cells.text
    found = [
        c for c in cells.json()["cells"] if all(c["keys"].get(k) == v for k, v in keys.items())
    ]
    assert len(found) == 1, found
    return found[0]


def test_plan_override_approve_lock_and_audit(plan_client: TestClient) -> None:
    client = plan_client
    plan = create(client)
    pid = plan["id"]
    assert plan["versions"][0]["name"] == "baseline" and plan["created_by"] == NAMES[Role.planner]
    assert [p["id"] for p in client.get("/v1/plans", headers=PLANNER).json()["plans"]] == [pid]
    stores = client.get(
        f"/v1/plans/{pid}/versions/baseline",
        params={"level": "store", "region": "North"},
        headers=PLANNER,
    ).json()
    assert {c["keys"]["store"] for c in stores["cells"]} == {"S01", "S02"}
    north = cell(client, pid, "baseline", "region", "2027Q1", region="North")
    body = north_spring_push(north["revision"])
    done = client.post(f"/v1/plans/{pid}/versions/baseline/overrides", json=body, headers=PLANNER)
    assert done.status_code == 200, done.text
    assert done.json()["after"] == pytest.approx(north["value"] * 1.05)
    stale = client.post(f"/v1/plans/{pid}/versions/baseline/overrides", json=body, headers=PLANNER)
    assert stale.status_code == 409 and stale.json()["field"] == "revision"
    assert stale.json()["current"]["value"] == pytest.approx(north["value"] * 1.05)
    bad = client.post(
        f"/v1/plans/{pid}/versions/baseline/overrides",
        json={**body, "reason": "hunch", "revision": None},
        headers=PLANNER,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    both = client.post(
        f"/v1/plans/{pid}/versions/baseline/overrides", json={**body, "value": 3.0}, headers=PLANNER
    )
    assert both.status_code == 422
    as_csv = client.get(
        f"/v1/plans/{pid}/versions/baseline",
        params={"level": "region"},
        headers={**PLANNER, "Accept": "text/csv"},
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {r["region"] for r in rows} == {"North", "South"} and "value" in rows[0]

    base = f"/v1/plans/{pid}/versions/baseline"
    assert client.post(f"{base}/submit", headers=APPROVER).status_code == 200  # approver submits
    own = client.post(f"{base}/approve", headers=APPROVER)
    assert own.status_code == 403 and "someone else" in own.json()["message"]
    assert client.post(f"{base}/approve", headers=PLANNER).status_code == 403  # role too low
    ok = client.post(f"{base}/approve", json={"comment": "fine"}, headers=second_approver_headers())
    assert ok.status_code == 200 and ok.json()["decided_by"] == "south-approver"
    assert client.post(f"{base}/lock", headers=APPROVER).json()["state"] == "locked"
    refused = client.post(f"{base}/overrides", json={**body, "revision": None}, headers=PLANNER)
    assert refused.status_code == 409 and refused.json()["current"]["state"] == "locked"
    events = client.get("/v1/audit", params={"plan_id": pid}, headers=PLANNER).json()["events"]
    assert [(e["action"], e["actor"]) for e in events] == [
        ("plan.create", "north-planner"),
        ("plan.override", "north-planner"),
        ("plan.submit", "north-approver"),
        ("plan.approve", "south-approver"),
        ("plan.lock", "north-approver"),
    ]
    assert events[1]["cell"] == "region=North 2027Q1" and events[1]["comment"] == "spring push"
    only = client.get("/v1/audit", params={"action": "plan.override"}, headers=PLANNER)
    assert len(only.json()["events"]) == 1
    assert client.get("/v1/audit", params={"limit": 0}, headers=PLANNER).status_code == 422


def test_actuals_tracking_and_versions_over_http(plan_client: TestClient) -> None:
    client = plan_client
    pid = create(client, "2027Q1")["id"]
    copied = client.post(f"/v1/plans/{pid}/versions", json={"name": "v2"}, headers=PLANNER)
    assert copied.status_code == 201 and copied.json()["copied_from"] == "baseline"
    assert (
        client.post(f"/v1/plans/{pid}/versions", json={"name": "v2"}, headers=PLANNER).status_code
        == 409
    )
    client.post(
        f"/v1/plans/{pid}/versions/v2/overrides",
        headers=PLANNER,
        json=override_body({}, "2027Q1", "other", value=1000),
    )
    diff = client.get(
        f"/v1/plans/{pid}/compare",
        params={"a": "baseline", "b": "v2", "level": "total"},
        headers=PLANNER,
    ).json()["cells"]
    assert diff[0]["b"] == pytest.approx(1000.0)
    rows = [
        {"date": "2027-01-04", "region": "North", "store": "S01", "product": "P01", "units": 70},
        {"date": "2027-01-11", "region": "North", "store": "S01", "product": "P01", "units": 35},
    ]
    loaded = client.post("/v1/actuals", json={"rows": rows}, headers=PLANNER)
    assert loaded.status_code == 201 and loaded.json()["rows"] == 2
    broken = client.post("/v1/actuals", json={"rows": [{**rows[0], "units": -1}]}, headers=PLANNER)
    assert broken.status_code == 422 and broken.json()["field"] == "units"
    missing = client.post("/v1/actuals", json={"rows": [{"date": "2027-01-04"}]}, headers=PLANNER)
    assert missing.status_code == 422
    track = client.get(
        f"/v1/plans/{pid}/tracking", params={"version": "v2", "level": "total"}, headers=PLANNER
    ).json()
    total = track["cells"][0]
    assert total["actual_to_date"] == pytest.approx(105.0) and total["days_covered"] == 14
    assert total["projection"] == pytest.approx(105.0 * 90 / 14)
    assert total["plan"] == pytest.approx(1000.0) and total["series_reporting"] == 1
    no_fva = client.get(f"/v1/plans/{pid}/fva", headers=PLANNER)
    assert no_fva.status_code == 409


def test_pricing_scenario_as_a_version_and_a_price_list(plan_client: TestClient) -> None:
    client = plan_client
    pid = create(client, "2027Q1")["id"]
    scenario = {
        "name": "p01-cut",
        "price_changes": [{"filter": {"product": "P01"}, "percent": -10}],
    }
    saved = client.post(
        "/v1/pricing/saved-scenarios",
        json={"name": "p01-cut", "scenario": scenario},
        headers=PRICING,
    )
    assert saved.status_code == 201, saved.text
    applied = client.post(
        f"/v1/plans/{pid}/scenarios",
        json={"scenario": "p01-cut", "name": "p01-cut"},
        headers=PRICING,
    )
    assert applied.status_code == 201, applied.text
    assert applied.json()["scenario_id"] == "p01-cut"
    assert (
        client.post(
            f"/v1/plans/{pid}/scenarios",
            json={"scenario": "p01-cut", "name": "x"},
            headers=APPROVER,
        ).status_code
        == 403
    )
    whatif = client.post("/v1/pricing/scenarios", json=scenario, headers=PRICING).json()
    q1 = {r["product"]: r for r in whatif["quarterly"] if r["quarter"] == "2027Q1"}
    for product in ("P01", "P02"):
        priced = cell(client, pid, "p01-cut", "product", "2027Q1", product=product)
        base = cell(client, pid, "baseline", "product", "2027Q1", product=product)
        assert priced["value"] == pytest.approx(
            base["value"] + q1[product]["change_units"], rel=1e-6
        )
        assert priced["revenue"] == pytest.approx(q1[product]["revenue"], rel=1e-6)
        assert priced["margin"] == pytest.approx(q1[product]["margin"], rel=1e-6)
    audit = client.get("/v1/audit", params={"action": "plan.pricing"}, headers=PLANNER).json()
    assert audit["events"][0]["scenario_id"] == "p01-cut"

    request = {"objective": "margin", "constraints": {"max_change_pct": 5}}
    recommended = client.post("/v1/pricing/recommendations", json=request, headers=PRICING).json()
    made = client.post(
        "/v1/price-lists", json={"name": "spring", "recommendation": request}, headers=PRICING
    )
    assert made.status_code == 201, made.text
    lid = made.json()["id"]
    assert client.get(f"/v1/price-lists/{lid}/export", headers=PLANNER).status_code == 409
    assert (
        client.post(f"/v1/price-lists/{lid}/submit", headers=PRICING).json()["state"] == "submitted"
    )
    assert client.post(f"/v1/price-lists/{lid}/publish", headers=PRICING).status_code == 409
    assert (
        client.post(f"/v1/price-lists/{lid}/approve", headers=APPROVER).json()["state"]
        == "approved"
    )
    assert client.post(f"/v1/price-lists/{lid}/publish", headers=APPROVER).status_code == 403
    assert (
        client.post(f"/v1/price-lists/{lid}/publish", headers=PRICING).json()["state"]
        == "published"
    )
    exported = client.get(f"/v1/price-lists/{lid}/export", headers=PLANNER)
    rows = {r["product"]: r for r in csv.DictReader(io.StringIO(exported.text))}
    for rec in recommended["recommendations"]:
        row = rows[rec["product"]]
        assert float(row["current_price"]) == pytest.approx(rec["current_price"], abs=1e-4)
        assert float(row["new_price"]) == pytest.approx(rec["recommended_price"], abs=1e-4)
        assert float(row["expected_margin_change"]) == pytest.approx(rec["margin_change"], rel=1e-9)
        assert float(row["expected_unit_change"]) == pytest.approx(rec["units_change"], rel=1e-9)
        assert row["binding_constraint"] == (";".join(rec["binding"]) or "none")
    manual = client.post(
        "/v1/price-lists",
        headers=PRICING,
        json={"name": "hand", "prices": [{"product": "P02", "price": 3.0}]},
    )
    assert manual.status_code == 201, manual.text
    item = manual.json()["items"][0]
    check = client.post(
        "/v1/pricing/scenarios",
        headers=PRICING,
        json={"name": "hand", "price_changes": [{"filter": {"product": "P02"}, "price": 3.0}]},
    ).json()
    p02 = next(r for r in check["summary"] if r["product"] == "P02")
    assert item["current_price"] == pytest.approx(p02["baseline_revenue"] / p02["baseline_units"])
    assert item["revenue_change"] == pytest.approx(p02["change_revenue"])
    assert item["binding"] == "manual"
    steps = client.get("/v1/audit", params={"price_list_id": lid}, headers=PLANNER).json()["events"]
    assert [e["action"] for e in steps] == [
        "price_list.create",
        "price_list.submit",
        "price_list.approve",
        "price_list.publish",
    ]


def test_champion_moves_over_http_are_audited(client: TestClient) -> None:
    ds = headers_for(Role.data_scientist)
    assert (
        client.post(
            "/v1/models/sales/promote", json={"version": "2", "dry_run": True}, headers=ds
        ).status_code
        == 200
    )
    assert client.post("/v1/models/sales/promote", json={"version": "2"}, headers=ds).json()[
        "moved"
    ]
    assert client.post("/v1/models/sales/rollback", headers=ds).json()["moved"]
    events = client.get("/v1/audit", params={"family": "sales"}, headers=PLANNER).json()["events"]
    assert [(e["action"], e["before"], e["after"], e["actor"]) for e in events] == [
        ("model.promote", "1", "2", "data-scientist"),
        ("model.rollback", "2", "1", "data-scientist"),
    ]
