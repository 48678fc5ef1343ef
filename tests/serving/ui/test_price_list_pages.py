"""Price-list pages over the price-list repository: drafts from recommendations and from hand-set
prices equal the API's, steps by role (nobody approves their own), exports of approved lists."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from serving.core.auth import Role
from tests.serving.api_keys import NAMES, headers_for
from tests.serving.ui.conftest import csrf_of
from tests.serving.ui.page_cells import table_cells

FIELDS = ("current_price", "new_price", "change_pct", "unit_change", "revenue_change")


def shown_items(page: str) -> dict[str, dict[str, float]]:
    """product -> the item's raw numbers on the page."""
    out: dict[str, dict[str, float]] = {}
    for cell in table_cells(page, "list-items"):
        out.setdefault(cell["row"]["product"], {})[cell["field"]] = float(cell["value"])
    return out


def api_list(client: TestClient, list_id: int) -> dict[str, Any]:
    answer = client.get(f"/v1/price-lists/{list_id}", headers=headers_for(Role.planner))
    assert answer.status_code == 200, answer.text
    return answer.json()


def list_step(client: TestClient, list_id: int, action: str, **data: str) -> Any:
    page = client.get(f"/pricing/price-lists/{list_id}").text
    return client.post(
        f"/pricing/price-lists/{list_id}/{action}",
        data={"csrf_token": csrf_of(page), **data},
        follow_redirects=False,
    )


def test_a_list_from_recommendations_is_submitted_approved_published_and_exported(
    plan_sign_in: Callable[[Role], TestClient],
) -> None:
    analyst = plan_sign_in(Role.pricing)
    approver = plan_sign_in(Role.approver)
    planner = plan_sign_in(Role.planner)
    token = csrf_of(analyst.get("/pricing/recommendations").text)
    page = analyst.post(
        "/pricing/recommendations",
        data={"csrf_token": token, "objective": "margin", "max_change_pct": "5", "weeks": "13"},
    ).text
    asked = html.unescape(re.search(r'name="recommendation_json" value="([^"]+)"', page).group(1))
    made = analyst.post(
        "/pricing/price-lists/from-recommendations",
        data={"csrf_token": token, "name": "spring", "recommendation_json": asked},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    list_id = int(re.search(r"/pricing/price-lists/(\d+)", made.headers["location"]).group(1))
    detail = analyst.get(made.headers["location"]).text
    assert "Draft price list spring saved" in detail
    stored = api_list(analyst, list_id)
    assert stored["source"] == "recommendation" and stored["created_by"] == NAMES[Role.pricing]
    shown = shown_items(detail)
    for item in stored["items"]:
        for field in FIELDS:
            assert shown[item["product"]][field] == item[field], (item["product"], field)
    recommended = analyst.post(
        "/v1/pricing/recommendations",
        json={"objective": "margin", "constraints": {"max_change_pct": 5}, "weeks": 13},
        headers=headers_for(Role.pricing),
    ).json()["recommendations"]
    assert {r["product"]: r["recommended_price"] for r in recommended} == {
        i["product"]: i["new_price"] for i in stored["items"]
    }
    assert f"${stored['items'][0]['new_price']:,.2f}" in detail

    # nothing exports before approval; planners read but take no step
    early = planner.get(f"/pricing/price-lists/{list_id}/export", params={"format": "csv"})
    assert early.status_code == 409 and "only an approved list exports" in early.text
    assert 'data-testid="submit-list"' in detail
    assert list_step(analyst, list_id, "submit").status_code == 303
    own = analyst.get(f"/pricing/price-lists/{list_id}").text
    assert 'data-testid="own-submission"' in own and 'data-testid="approve-list"' not in own
    forced = list_step(analyst, list_id, "approve")
    assert forced.status_code == 403 and "someone else must approve it" in forced.text
    read_only = planner.get(f"/pricing/price-lists/{list_id}").text
    assert (
        'data-testid="approve-list"' not in read_only
        and 'data-testid="publish-list"' not in read_only
    )
    assert list_step(planner, list_id, "approve").status_code == 403
    api = planner.post(f"/v1/price-lists/{list_id}/approve", headers=headers_for(Role.planner))
    assert api.status_code == 403

    offered = approver.get(f"/pricing/price-lists/{list_id}").text
    assert 'data-testid="approve-list"' in offered
    assert list_step(approver, list_id, "approve", comment="ok").status_code == 303
    approved = approver.get(f"/pricing/price-lists/{list_id}").text
    assert 'data-testid="publish-list"' not in approved  # publishing is the pricing team's
    assert list_step(approver, list_id, "publish").status_code == 403
    assert list_step(analyst, list_id, "publish").status_code == 303
    assert api_list(analyst, list_id)["state"] == "published"

    as_csv = planner.get(f"/pricing/price-lists/{list_id}/export", params={"format": "csv"})
    api_csv = planner.get(f"/v1/price-lists/{list_id}/export", headers=headers_for(Role.planner))
    assert as_csv.status_code == 200 and as_csv.text == api_csv.text
    as_xlsx = planner.get(f"/pricing/price-lists/{list_id}/export", params={"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(as_xlsx.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("product", "current_price", "new_price")
    assert [r[2] for r in rows[1:]] == [round(i["new_price"], 4) for i in stored["items"]]
    listed = planner.get("/pricing/price-lists").text
    assert f'href="/pricing/price-lists/{list_id}"' in listed and "published" in listed


def test_a_hand_set_list_is_priced_like_the_api_and_bad_prices_are_named(
    plan_sign_in: Callable[[Role], TestClient],
) -> None:
    analyst = plan_sign_in(Role.pricing)
    page = analyst.get("/pricing/price-lists").text
    assert 'data-testid="draft-by-hand"' in page
    products = re.findall(r'name="product_(\d+)" value="([^"]+)"', page)
    assert products and products[0][1] == "P01"
    token = csrf_of(page)
    rows = {f"product_{i}": p for i, p in products}  # the form's hidden product fields
    made = analyst.post(
        "/pricing/price-lists",
        data={**rows, "csrf_token": token, "name": "by hand", "price_0": "2.19", "price_1": ""},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    list_id = int(re.search(r"/pricing/price-lists/(\d+)", made.headers["location"]).group(1))
    api = analyst.post(
        "/v1/price-lists",
        json={"name": "by hand api", "prices": [{"product": "P01", "price": 2.19}]},
        headers=headers_for(Role.pricing),
    ).json()
    mine = api_list(analyst, list_id)
    assert mine["source"] == "manual" and len(mine["items"]) == 1
    for field in ("current_price", "new_price", "unit_change", "revenue_change", "margin_change"):
        assert mine["items"][0][field] == pytest.approx(api["items"][0][field], rel=1e-12)
    shown = shown_items(analyst.get(f"/pricing/price-lists/{list_id}").text)
    assert shown["P01"]["new_price"] == 2.19
    assert shown["P01"]["unit_change"] == mine["items"][0]["unit_change"]

    bad = analyst.post(
        "/pricing/price-lists", data={**rows, "csrf_token": token, "name": "bad", "price_1": "two"}
    )
    assert (
        bad.status_code == 422
        and "price_1" in bad.text
        and "&#39;two&#39; is not a number" in bad.text
    )
    assert re.search(r'id="price_1"[^>]*value="two"', bad.text)  # what was typed is kept
    orphan = analyst.post(
        "/pricing/price-lists", data={"csrf_token": token, "name": "x", "price_0": "2"}
    )
    assert orphan.status_code == 422 and "price_0 has no product beside it" in orphan.text
    empty = analyst.post("/pricing/price-lists", data={**rows, "csrf_token": token, "name": "none"})
    assert empty.status_code == 422 and "a price list needs at least one price" in empty.text
    planner = plan_sign_in(Role.planner)
    assert 'data-testid="draft-by-hand"' not in planner.get("/pricing/price-lists").text
    refused = planner.post(
        "/pricing/price-lists",
        data={"csrf_token": csrf_of(planner.get("/pricing/price-lists").text), "name": "x"},
    )
    assert refused.status_code == 403 and "needs the pricing role" in refused.text
