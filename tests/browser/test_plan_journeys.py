"""Plan and price-list journeys through a real browser against a real `lodestar serve`: a planner
overrides a region and submits, an approver (another named key) approves and locks, a late
override is refused inline; a price list is drafted, approved, published and exported.

Same rules as the other journeys: Debian's Chromium, every request off 127.0.0.1 blocked,
screenshots kept under `browser-artifacts/<test>/` (and in docs/ when asked).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser.conftest import NAMES, TABLET, Session, api_as
from tests.e2e.lodestar_process import Server
from tests.override_requests import override_body


def _cell(session: Session, address: str, quarter: str) -> float:
    """The raw plan value of a cell of the plan table on screen."""
    cell = session.page.locator(
        f'[data-testid=plan-table] tr[data-address="{address}"] td[data-quarter="{quarter}"]'
    )
    return float(cell.get_attribute("data-value") or "nan")


def _state(session: Session) -> str:
    return session.page.get_by_test_id("version-state").inner_text()


def test_planner_overrides_a_region_and_submits_then_an_approver_approves_and_locks(
    signed_in: Callable[[str], Session], server: Server
) -> None:
    planner = signed_in("planner")
    page = planner.open("/plans")
    planner.fill({"Plan name": "FY27", "First quarter": "2027Q1", "Last quarter": "2027Q4"})
    page.get_by_test_id("create-plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+"))
    pid = int(re.search(r"/plans/(\d+)", page.url).group(1))
    assert _state(planner) == "draft" and "FY27" in page.locator("h1").inner_text()

    # drill from the regions to North's stores, with the keyboard
    north = page.locator('a[data-drill="North"]')
    north.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"level=store"))
    assert "region North" in page.locator(".breadcrumbs").inner_text()
    planner.chart_drawn("#plan-fan")
    assert planner.unlabelled_controls() == []
    planner.shot("01-drilled-to-north", "plan", "h1")
    with api_as(server, "planner") as api:
        stores = api.get(
            f"/v1/plans/{pid}/versions/baseline", params={"level": "store", "region": "North"}
        ).json()["cells"]
        region = api.get(
            f"/v1/plans/{pid}/versions/baseline", params={"level": "region", "region": "North"}
        ).json()["cells"]
    for cell in stores:
        assert _cell(planner, f"store:{cell['keys']['store']}", cell["quarter"]) == cell["value"]
    before = {c["quarter"]: c["value"] for c in region}
    assert _cell(planner, "region:North", "2027Q1") == before["2027Q1"]

    # a second tab opens a form on South before the version is submitted (used at the end)
    late_tab = Session(planner.page.context.new_page(), planner.base, planner.folder)
    late = late_tab.open(f"/plans/{pid}?version=baseline&level=region&edit=region:South&eq=2027Q2")
    late.get_by_test_id("override-form").wait_for()

    # override North 2027Q1 by +5% with a reason and a comment; save from the keyboard
    page.locator('a[data-edit="region:North|2027Q1"]').click()
    form = page.get_by_test_id("override-form")
    form.wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'ov-amount'")
    page.keyboard.type("5")
    planner.fill({"Reason": "promotion", "Comment": "spring push in the north"})
    assert planner.unlabelled_controls() == []
    planner.shot("02-override-form", "plan-override", "[data-testid=plan-table]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "save-override"
    page.keyboard.press("Enter")
    page.get_by_test_id("notice").wait_for()
    assert "Override saved: North 2027Q1" in page.get_by_test_id("notice").inner_text()
    assert _cell(planner, "region:North", "2027Q1") == pytest.approx(
        before["2027Q1"] * 1.05, rel=1e-12
    )
    with api_as(server, "planner") as api:
        after = api.get(
            f"/v1/plans/{pid}/versions/baseline",
            params={"level": "store", "region": "North", "quarters": "2027Q1"},
        ).json()["cells"]
        audit = api.get("/v1/audit", params={"plan_id": pid, "action": "plan.override"}).json()
    for cell in after:
        assert _cell(planner, f"store:{cell['keys']['store']}", "2027Q1") == cell["value"]
        old = next(c for c in stores if c["keys"] == cell["keys"] and c["quarter"] == "2027Q1")
        assert cell["value"] == pytest.approx(old["value"] * 1.05, rel=1e-12)
    event = audit["events"][0]
    assert (event["actor"], event["reason"], event["comment"]) == (
        NAMES["planner"],
        "promotion",
        "spring push in the north",
    )
    planner.press("submit-version")
    assert _state(planner) == "submitted"
    assert page.get_by_test_id("approve-version").count() == 0
    planner.shot("03-submitted")

    # an approver (another named key) approves, then locks
    approver = signed_in("approver")
    desk = approver.open(f"/plans/{pid}")
    assert desk.get_by_test_id("who-name").inner_text() == NAMES["approver"]
    approver.fill({"Comment (required to reject)": "agreed with sales"})
    approver.press("approve-version")
    assert _state(approver) == "approved"
    card = desk.get_by_test_id("version-card").inner_text()
    assert f"Approved by {NAMES['approver']}" in card and "agreed with sales" in card
    approver.press("lock-version")
    assert _state(approver) == "locked"
    assert desk.locator("a.edit-link").count() == 0
    approver.chart_drawn("#plan-fan")
    approver.shot("04-locked", "plan-locked", "h1")

    # half a quarter of actuals arrives: North sells 40% above its plan, South on plan
    with api_as(server, "planner") as api:
        bottom = api.get(
            f"/v1/plans/{pid}/versions/baseline",
            params={"level": "region,store,product", "quarters": "2027Q1"},
        ).json()["cells"]
        rows = [
            {
                **cell["keys"],
                "date": (dt.date(2027, 1, 4) + dt.timedelta(weeks=week)).isoformat(),
                "units": cell["value"] / 90 * 7 * (1.4 if cell["keys"]["region"] == "North" else 1),
            }
            for cell in bottom
            for week in range(6)
        ]
        assert api.post("/v1/actuals", json={"rows": rows}).status_code == 201
        tracking = api.get(
            f"/v1/plans/{pid}/tracking", params={"level": "region", "quarters": "2027Q1"}
        ).json()
    desk.reload()
    table_rows = desk.locator("[data-testid=tracking-table] tbody tr")
    on_page = {
        table_rows.nth(i).get_attribute("data-address"): table_rows.nth(i).get_attribute(
            "data-warning"
        )
        for i in range(table_rows.count())
    }
    warned = {c["keys"]["region"]: c for c in tracking["cells"]}
    assert warned["North"]["warning"] and not warned["South"]["warning"]
    regions = {a: w for a, w in on_page.items() if a.startswith("region:")}
    assert regions == {"region:North": "yes", "region:South": "no"}  # the API's warnings
    flagged = desk.locator('[data-testid=tracking-table] tr.flag[data-address="region:North"]')
    shown = flagged.locator('td[data-field="projection"]').get_attribute("data-value")
    assert float(shown) == warned["North"]["projection"]
    assert "above the band" in flagged.inner_text()
    assert flagged.evaluate("r => getComputedStyle(r.cells[1]).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    )  # highlighted
    approver.shot("05-tracking-warning", "plan-tracking", "#tracking-title")
    desk.set_viewport_size(TABLET)
    desk.reload()
    approver.chart_drawn("#plan-fan")
    assert desk.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    ), "the plan page scrolls sideways at tablet width"
    approver.shot("04b-locked-tablet")

    # the form opened earlier is refused by the engine, inline, with the version's state now
    late_tab.fill({"Amount (% or units)": "3", "Reason": "customer"})
    late_tab.press("save-override", then="override-error")
    error = late.get_by_test_id("override-error")
    late_tab.chart_drawn("#plan-fan")
    text = error.inner_text()
    assert "version 'baseline' is locked: it cannot change" in text
    assert "The version is now locked" in text
    late_tab.shot("06-late-override-refused")
    with api_as(server, "planner") as api:
        refused = api.post(
            f"/v1/plans/{pid}/versions/baseline/overrides",
            json=override_body({"region": "South"}, "2027Q2", "customer", percent=3),
        )
        assert refused.status_code == 409 and refused.json()["message"] in text
        south = api.get(
            f"/v1/plans/{pid}/versions/baseline",
            params={"level": "region", "region": "South", "quarters": "2027Q2"},
        ).json()["cells"][0]
    assert south["value"] == south["baseline"]  # nothing moved


def test_a_price_list_is_drafted_approved_published_and_exported(
    signed_in: Callable[[str], Session], server: Server
) -> None:
    analyst = signed_in("pricing")
    page = analyst.open("/pricing/recommendations")
    analyst.fill({"Largest price change (%)": "5"})
    page.get_by_role("button", name="Recommend prices").click()
    page.get_by_test_id("recommendations").wait_for()
    analyst.fill({"Save these prices as a draft price list named": "spring prices"})
    page.get_by_test_id("draft-from-recommendations").click()
    page.wait_for_url(re.compile(r"/pricing/price-lists/\d+"))
    list_id = int(re.search(r"/price-lists/(\d+)", page.url).group(1))
    assert page.get_by_test_id("list-state").inner_text() == "draft"
    with api_as(server, "pricing") as api:
        stored = api.get(f"/v1/price-lists/{list_id}").json()
    for item in stored["items"]:
        row = page.locator(f'[data-testid=list-items] tr[data-product="{item["product"]}"]')
        shown = row.locator('td[data-field="new_price"]').get_attribute("data-value")
        assert float(shown) == item["new_price"]
        assert f"${item['new_price']:,.2f}" in row.inner_text()
    analyst.press("submit-list")
    assert page.get_by_test_id("list-state").inner_text() == "submitted"
    assert page.get_by_test_id("own-submission").is_visible()

    approver = signed_in("approver")
    desk = approver.open(f"/pricing/price-lists/{list_id}")
    approver.press("approve-list")
    assert desk.get_by_test_id("list-state").inner_text() == "approved"
    assert desk.get_by_test_id("publish-list").count() == 0  # publishing is the pricing team's

    page.reload()
    analyst.press("publish-list")
    assert page.get_by_test_id("list-state").inner_text() == "published"
    assert analyst.unlabelled_controls() == []
    analyst.shot("01-published", "price-list", "h1")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-list-csv").click()
    saved = Path(analyst.folder / "price_list.csv")
    download_info.value.save_as(saved)
    with api_as(server, "planner") as api:
        expected = api.get(f"/v1/price-lists/{list_id}/export").content
        events = api.get("/v1/audit", params={"price_list_id": list_id}).json()["events"]
    assert saved.read_bytes() == expected  # the file is byte for byte the API's
    rows = list(csv.DictReader(io.StringIO(expected.decode("utf-8"))))
    assert [r["product"] for r in rows] == [i["product"] for i in stored["items"]]
    steps = {e["action"]: e["actor"] for e in events}
    assert steps["price_list.approve"] == NAMES["approver"]
    assert steps["price_list.publish"] == NAMES["pricing"]
