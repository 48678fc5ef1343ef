"""Plan pages over the plan repository: the API's numbers at every drill level, overrides with
reasons (a stale one shows the current value inline), roles by button and by API, version
compare, tracking with warnings, forecast value added, exports."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from serving.core.auth import Role
from tests.override_requests import override_body
from tests.serving.api_keys import NAMES, SECOND_APPROVER, headers_for, second_approver_headers
from tests.serving.ui.conftest import csrf_of, signed_in_with
from tests.serving.ui.page_cells import table_cells

QUARTERS = ["2027Q1", "2027Q2"]


def address(level: str, keys: dict[str, str]) -> str:
    return f"{level}:{'|'.join(keys.values())}"


def make_plan(client: TestClient, name: str) -> int:
    """A plan made through the page's form (2027Q1..2027Q2); its id."""
    token = csrf_of(client.get("/plans").text)
    made = client.post(
        "/plans",
        data={"csrf_token": token, "name": name, "first": QUARTERS[0], "last": QUARTERS[-1]},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return int(re.search(r"/plans/(\d+)", made.headers["location"]).group(1))


def api_cells(client: TestClient, pid: int, version: str = "baseline", **params: str) -> list:
    answer = client.get(
        f"/v1/plans/{pid}/versions/{version}", params=params, headers=headers_for(Role.planner)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["cells"]


def shown_cells(page: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(row address, quarter) -> the plan table cell's raw numbers."""
    return {(c["row"]["address"], c["quarter"]): c for c in table_cells(page, "plan-table")}


def assert_page_equals_api(page: str, cells: list[dict[str, Any]]) -> None:
    shown = shown_cells(page)
    for cell in cells:
        got = shown[(address(cell["level"], cell["keys"]), cell["quarter"])]
        for attr, field in (
            ("value", "value"),
            ("baseline", "baseline"),
            ("lo80", "lo_80"),
            ("hi80", "hi_80"),
            ("lo95", "lo_95"),
            ("hi95", "hi_95"),
            ("revision", "revision"),
        ):
            assert float(got[attr]) == cell[field], (cell["keys"], cell["quarter"], field)


def chart_lines(page: str) -> dict[str, dict[str, Any]]:
    """The plan page fan chart's named traces."""
    found = re.search(r'class="figure-data" data-target="plan-fan">(.*?)</script>', page, re.S)
    assert found, "no fan chart on the page"
    return {t["name"]: t for t in json.loads(found.group(1))["data"]}


def drill_link(page: str, label: str) -> str:
    found = re.search(rf'href="\?([^"]+)" data-drill="{re.escape(label)}"', page)
    assert found, f"no drill link for {label}"
    return html.unescape(found.group(1))


def test_plan_page_equals_the_api_at_every_drill_level(
    plan_sign_in: Callable[[Role], TestClient],
) -> None:
    planner = plan_sign_in(Role.planner)
    pid = make_plan(planner, "drill")
    listed = planner.get("/plans").text
    assert f'href="/plans/{pid}"' in listed and "drill" in listed
    page = planner.get(f"/plans/{pid}")
    assert page.status_code == 200, page.text
    regions = api_cells(planner, pid, level="region")
    total = api_cells(planner, pid, level="total")
    assert_page_equals_api(page.text, regions + total)
    assert 'class="total"' in page.text and "Total" in page.text
    north = next(c for c in regions if c["keys"] == {"region": "North"})
    assert f"{north['value']:,.0f}" in page.text
    assert f"{north['lo_80']:,.0f} – {north['hi_80']:,.0f}" in page.text
    lines = chart_lines(page.text)
    weekly = planner.get(
        "/v1/forecasts",
        params={"quarters": ",".join(QUARTERS), "level": "total", "granularity": "week"},
        headers=headers_for(Role.planner),
    ).json()["forecasts"]
    assert lines["forecast"]["y"] == [w["mean"] for w in weekly]
    assert lines["plan"]["x"] == lines["forecast"]["x"]
    assert lines["plan"]["y"] == pytest.approx(lines["forecast"]["y"], rel=1e-12)  # plan = fc
    assert lines["actual"]["y"]

    stores_page = planner.get(f"/plans/{pid}?{drill_link(page.text, 'North')}")
    assert "level=store" in drill_link(page.text, "North")
    stores = api_cells(planner, pid, level="store", region="North")
    assert {c["keys"]["store"] for c in stores} == {"S01", "S02"}
    assert_page_equals_api(
        stores_page.text,
        stores + [c for c in regions if c is north or c["keys"] == {"region": "North"}],
    )
    bottom_page = planner.get(f"/plans/{pid}?{drill_link(stores_page.text, 'S01')}")
    bottom = api_cells(planner, pid, level="region,store,product", store="S01", region="North")
    assert len(bottom) == 4 * len(QUARTERS)
    assert_page_equals_api(bottom_page.text, bottom)
    assert "data-drill=" not in bottom_page.text.split('data-testid="plan-table"')[1]
    category = planner.get(f"/plans/{pid}", params={"level": "category"})
    assert_page_equals_api(category.text, api_cells(planner, pid, level="category"))
    bad = planner.get(f"/plans/{pid}", params={"level": "galaxy"})
    api_bad = planner.get(
        f"/v1/plans/{pid}/versions/baseline",
        params={"level": "galaxy"},
        headers=headers_for(Role.planner),
    )
    assert bad.status_code == api_bad.status_code == 422
    assert html.escape(api_bad.json()["message"], quote=True).replace("&#x27;", "&#39;") in bad.text


def form_fields(page: str, testid: str) -> dict[str, str]:
    """Hidden and pre-filled fields of the form with this data-testid."""
    found = re.search(rf'<form[^>]*data-testid="{testid}".*?</form>', page, re.S)
    assert found, f"no form {testid}"
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found.group(0))
    return {k: html.unescape(v) for k, v in pairs}


def edit_page(client: TestClient, pid: int, cell: str, quarter: str, **view: str) -> str:
    page = client.get(f"/plans/{pid}", params={**view, "edit": cell, "eq": quarter})
    assert page.status_code == 200, page.text
    return page.text


def test_an_override_with_a_reason_moves_the_children_and_a_stale_one_shows_the_current_value(
    plan_sign_in: Callable[[Role], TestClient],
) -> None:
    planner = plan_sign_in(Role.planner)
    pid = make_plan(planner, "override")
    before = api_cells(planner, pid, quarters="2027Q1")
    page = edit_page(planner, pid, "region:North", "2027Q1")
    fields = form_fields(page, "override-form")
    north = next(c for c in before if c["level"] == "region" and c["keys"]["region"] == "North")
    assert fields["revision"] == str(north["revision"]) and fields["cell"] == "region:North"
    assert (
        'name="reason"' in page
        and '<option value="market_intelligence">market intelligence' in page
    )
    form = {
        **fields,
        "mode": "percent",
        "amount": "5",
        "reason": "promotion",
        "comment": "spring push",
    }
    done = planner.post(
        f"/plans/{pid}/versions/baseline/overrides", data=form, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    shown = planner.get(done.headers["location"])
    assert "Override saved: North 2027Q1" in shown.text and "promotion" in shown.text
    after = api_cells(planner, pid, quarters="2027Q1")
    old = {address(c["level"], c["keys"]): c["value"] for c in before}
    new = {address(c["level"], c["keys"]): c["value"] for c in after}
    assert new["region:North"] == pytest.approx(old["region:North"] * 1.05, rel=1e-12)
    for store in ("S01", "S02"):  # every store sat at its forecast: each moves by 5% too
        assert new[f"store:{store}"] == pytest.approx(old[f"store:{store}"] * 1.05, rel=1e-12)
    assert new["region:South"] == pytest.approx(old["region:South"], rel=1e-12)  # re-summed
    assert new["total:"] == pytest.approx(old["total:"] + 0.05 * old["region:North"], rel=1e-12)
    assert_page_equals_api(shown.text, [c for c in after if c["level"] in ("region", "total")])
    lines = chart_lines(shown.text)
    q1 = [i for i, d in enumerate(lines["forecast"]["x"]) if "2027-01-01" <= d < "2027-04-01"]
    total_after = next(c for c in after if c["level"] == "total")
    scale = total_after["value"] / total_after["baseline"]
    assert [lines["plan"]["y"][i] for i in q1] == pytest.approx(
        [lines["forecast"]["y"][i] * scale for i in q1], rel=1e-12
    )
    audit = planner.get(
        "/v1/audit",
        params={"plan_id": pid, "action": "plan.override"},
        headers=headers_for(Role.planner),
    ).json()["events"]
    assert [(e["actor"], e["reason"], e["comment"]) for e in audit] == [
        (NAMES[Role.planner], "promotion", "spring push")
    ]

    stale = {**form, "amount": "2"}  # still carries the revision read before the override
    api_stale = planner.post(
        f"/v1/plans/{pid}/versions/baseline/overrides",
        json=override_body(
            {"region": "North"}, "2027Q1", "promotion", percent=2, revision=int(form["revision"])
        ),
        headers=headers_for(Role.planner),
    )
    assert api_stale.status_code == 409
    refused = planner.post(f"/plans/{pid}/versions/baseline/overrides", data=stale)
    assert refused.status_code == 409
    message = api_stale.json()["message"]
    assert html.escape(message, quote=False) in refused.text
    current = re.search(r'data-testid="current-value">.*?data-value="([^"]+)"', refused.text, re.S)
    assert float(current.group(1)) == api_stale.json()["current"]["value"] == new["region:North"]
    assert f"{new['region:North']:,.0f}" in refused.text
    fresh = form_fields(refused.text, "override-form")
    assert fresh["revision"] == str(api_stale.json()["current"]["revision"])
    assert re.search(r'name="amount"[^>]*value="2"', refused.text)  # what was typed is kept
    assert api_cells(planner, pid, quarters="2027Q1") == after  # nothing moved

    bad_reason = planner.post(
        f"/plans/{pid}/versions/baseline/overrides",
        data={**fresh, "amount": "1", "reason": "hunch"},
    )
    assert bad_reason.status_code == 422 and "unknown reason &#39;hunch&#39;" in bad_reason.text
    negative = planner.post(
        f"/plans/{pid}/versions/baseline/overrides",
        data={**fresh, "mode": "value", "amount": "-3", "reason": "other"},
    )
    assert (
        negative.status_code == 422 and "value" in negative.text and 'role="alert"' in negative.text
    )
    assert "Traceback" not in negative.text
    no_token = planner.post(
        f"/plans/{pid}/versions/baseline/overrides", data={**fresh, "csrf_token": "x"}
    )
    assert no_token.status_code == 403


def step(client: TestClient, pid: int, version: str, action: str, **data: str) -> Any:
    page = client.get(f"/plans/{pid}", params={"version": version}).text
    token = csrf_of(page)
    revision = re.search(
        r'data-testid="version-card" data-state="[^"]+" data-revision="(\d+)"', page
    )
    return client.post(
        f"/plans/{pid}/versions/{version}/{action}",
        data={
            "csrf_token": token,
            "revision": revision.group(1),
            "back": f"version={version}",
            **data,
        },
        follow_redirects=False,
    )


def state_of(client: TestClient, pid: int, version: str) -> str:
    versions = client.get(f"/v1/plans/{pid}/versions", headers=headers_for(Role.planner)).json()
    return next(v["state"] for v in versions if v["name"] == version)


def test_buttons_follow_the_role_and_the_engine_still_decides(
    plan_sign_in: Callable[[Role], TestClient], plan_app: TestClient
) -> None:
    planner = plan_sign_in(Role.planner)
    approver = plan_sign_in(Role.approver)
    other_approver = signed_in_with(plan_app, SECOND_APPROVER[0])
    pid = make_plan(planner, "roles")
    menu = planner.get(f"/plans/{pid}").text
    assert 'href="/plans"' in menu and 'href="/pricing/price-lists"' in menu
    assert 'data-testid="approve-version"' not in menu and 'data-testid="lock-version"' not in menu
    assert step(planner, pid, "baseline", "submit").status_code == 303
    assert state_of(planner, pid, "baseline") == "submitted"
    submitted = planner.get(f"/plans/{pid}").text
    assert 'data-testid="approve-version"' not in submitted
    assert 'class="edit-link"' not in submitted  # a submitted version takes no overrides
    refused = step(planner, pid, "baseline", "approve")
    assert refused.status_code == 403 and "needs the approver role" in refused.text
    api = planner.post(
        f"/v1/plans/{pid}/versions/baseline/approve", headers=headers_for(Role.planner)
    )
    assert api.status_code == 403 and "needs the approver role" in api.json()["message"]

    # an approver's own submission: not offered to them, refused by the engine if forced
    token = csrf_of(approver.get(f"/plans/{pid}").text)
    copied = approver.post(
        f"/plans/{pid}/versions",
        data={"csrf_token": token, "name": "approver-draft", "copy_from": "baseline"},
        follow_redirects=False,
    )
    assert copied.status_code == 303 and "version=approver-draft" in copied.headers["location"]
    assert step(approver, pid, "approver-draft", "submit").status_code == 303
    own = approver.get(f"/plans/{pid}", params={"version": "approver-draft"}).text
    assert 'data-testid="own-submission"' in own and 'data-testid="approve-version"' not in own
    forced = step(approver, pid, "approver-draft", "approve")
    api_forced = approver.post(
        f"/v1/plans/{pid}/versions/approver-draft/approve", headers=headers_for(Role.approver)
    )
    assert forced.status_code == api_forced.status_code == 403
    assert html.escape(api_forced.json()["message"]).replace("&#x27;", "&#39;") in forced.text
    assert f"{NAMES[Role.approver]} submitted version" in forced.text
    assert state_of(planner, pid, "approver-draft") == "submitted"

    # someone else decides: a reject needs a comment; approve, then lock
    offered = other_approver.get(f"/plans/{pid}").text
    assert 'data-testid="approve-version"' in offered and 'data-testid="reject-version"' in offered
    no_reason = step(other_approver, pid, "baseline", "reject")
    assert no_reason.status_code == 422 and "say why the version is rejected" in no_reason.text
    assert step(other_approver, pid, "baseline", "approve", comment="fine").status_code == 303
    approved = other_approver.get(f"/plans/{pid}").text
    assert 'data-testid="lock-version"' in approved and "fine" in approved
    assert step(other_approver, pid, "baseline", "lock").status_code == 303
    assert state_of(planner, pid, "baseline") == "locked"

    # a further override (a form opened before the lock) is refused, inline, by the engine
    locked = planner.get(f"/plans/{pid}", params={"edit": "total:", "eq": "2027Q1"}).text
    assert 'data-testid="override-form"' not in locked and "is locked" in locked
    late = planner.post(
        f"/plans/{pid}/versions/baseline/overrides",
        data={
            "csrf_token": csrf_of(locked),
            "cell": "total:",
            "quarter": "2027Q1",
            "revision": "1",
            "mode": "percent",
            "amount": "1",
            "reason": "other",
            "back": "version=baseline",
        },
    )
    api_late = planner.post(
        f"/v1/plans/{pid}/versions/baseline/overrides",
        json=override_body({}, "2027Q1", "other", percent=1),
        headers=headers_for(Role.planner),
    )
    assert late.status_code == api_late.status_code == 409
    assert html.escape(api_late.json()["message"]).replace("&#x27;", "&#39;") in late.text
    assert 'data-testid="override-error"' in late.text and "<strong>locked</strong>" in late.text
    second = other_approver.post(
        f"/v1/plans/{pid}/versions/approver-draft/approve", headers=second_approver_headers()
    )
    assert second.status_code == 200  # the API agrees: a different approver may decide


def load_actuals(client: TestClient, rows: list[dict[str, Any]]) -> None:
    answer = client.post("/v1/actuals", json={"rows": rows}, headers=headers_for(Role.planner))
    assert answer.status_code == 201, answer.text


def weekly_actuals(cells: list[dict[str, Any]], weeks: int, first: dt.date, north: float) -> list:
    """Bottom cells' 2027Q1 plan spread by day (90 days), North sold at `north` times plan."""
    rows = []
    for cell in cells:
        factor = north if cell["keys"]["region"] == "North" else 1.0
        for week in range(weeks):
            day = first + dt.timedelta(weeks=week)
            rows.append(
                {**cell["keys"], "date": day.isoformat(), "units": cell["value"] / 90 * 7 * factor}
            )
    return rows


def test_compare_tracking_fva_and_exports_show_the_api_numbers(
    plan_sign_in: Callable[[Role], TestClient], demo_paths: dict[str, Path]
) -> None:
    planner = plan_sign_in(Role.planner)
    approver = plan_sign_in(Role.approver)
    pid = make_plan(planner, "reviews")
    token = csrf_of(planner.get(f"/plans/{pid}").text)
    planner.post(f"/plans/{pid}/versions", data={"csrf_token": token, "name": "push"})
    pushed = planner.post(
        f"/v1/plans/{pid}/versions/push/overrides",
        json=override_body({"region": "North"}, "2027Q1", "customer", percent=10),
        headers=headers_for(Role.planner),
    )
    assert pushed.status_code == 200
    view = {"version": "push", "compare": "baseline", "level": "region"}
    page = planner.get(f"/plans/{pid}", params=view).text
    api = planner.get(
        f"/v1/plans/{pid}/compare",
        params={"a": "baseline", "b": "push", "level": "region"},
        headers=headers_for(Role.planner),
    ).json()["cells"]
    shown = {(c["row"]["address"], c["quarter"]): c for c in table_cells(page, "compare-table")}
    for cell in api:
        got = shown[(address(cell["level"], cell["keys"]), cell["quarter"])]
        assert float(got["difference"]) == cell["difference"]
        assert (float(got["a"]), float(got["b"])) == (cell["a"], cell["b"])
    north = next(c for c in api if c["keys"] == {"region": "North"} and c["quarter"] == "2027Q1")
    assert north["difference"] == pytest.approx(0.1 * north["a"], rel=1e-12)
    assert f"+{north['difference']:,.0f}</strong> (+10.0%)" in page

    # half a quarter of actuals: North runs 40% above plan, South on plan
    bottom = api_cells(planner, pid, quarters="2027Q1", level="region,store,product")
    load_actuals(planner, weekly_actuals(bottom, 6, dt.date(2027, 1, 4), north=1.4))
    page = planner.get(f"/plans/{pid}", params={"level": "region", "quarters": "2027Q1"}).text
    tracking = planner.get(
        f"/v1/plans/{pid}/tracking",
        params={"version": "baseline", "level": "region", "quarters": "2027Q1"},
        headers=headers_for(Role.planner),
    ).json()
    rows = {
        c["row"]["address"]: c
        for c in table_cells(page, "tracking-table")
        if c.get("field") == "projection"
    }
    flags = {c["row"]["address"]: c["row"]["warning"] for c in table_cells(page, "tracking-table")}
    for cell in tracking["cells"]:
        where = address(cell["level"], cell["keys"])
        assert float(rows[where]["value"]) == cell["projection"]
        assert flags[where] == ("yes" if cell["warning"] else "no")
    assert flags["region:North"] == "yes" and flags["region:South"] == "no"
    north_sold = sum(
        r["units"]
        for r in weekly_actuals(bottom, 6, dt.date(2027, 1, 4), 1.4)
        if r["region"] == "North"
    )
    assert float(rows["region:North"]["value"]) == pytest.approx(north_sold * 90 / 42, rel=1e-9)
    assert 'class="flag"' in page and "above the band" in page

    everything = planner.get(
        f"/v1/plans/{pid}/tracking",
        params={"version": "baseline", "quarters": "2027Q1"},
        headers=headers_for(Role.planner),
    ).json()["cells"]
    by_cell = {address(c["level"], c["keys"]): c for c in everything}
    as_csv = planner.get(
        f"/plans/{pid}/export",
        params={"level": "region", "quarters": "2027Q1", "table": "tracking", "format": "csv"},
    )
    exported = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["level"] for r in exported] == ["total", "region", "region"]
    for row in exported:
        cell = by_cell["total:" if row["level"] == "total" else f"region:{row['region']}"]
        assert float(row["projection"]) == pytest.approx(cell["projection"], rel=1e-12)
        assert row["warning"] == str(cell["warning"])

    # what is on screen, as CSV and XLSX: the API's cells for the same view
    cells_view = {"version": "push", "level": "store", "region": "North"}
    api_view = api_cells(planner, pid, "push", level="store", region="North")
    parent = api_cells(planner, pid, "push", level="region", region="North")
    as_csv = planner.get(f"/plans/{pid}/export", params={**cells_view, "format": "csv"})
    table = pd.read_csv(io.StringIO(as_csv.text), float_precision="round_trip")
    assert list(table.columns[:4]) == ["region", "store", "level", "quarter"]
    assert table["value"].tolist() == [c["value"] for c in parent + api_view]
    assert table["lo_95"].tolist() == [c["lo_95"] for c in parent + api_view]
    as_xlsx = planner.get(f"/plans/{pid}/export", params={**cells_view, "format": "xlsx"})
    sheet = list(load_workbook(io.BytesIO(as_xlsx.content)).active.iter_rows(values_only=True))
    column = sheet[0].index("value")
    # XLSX keeps numbers as text of at most 17 significant digits: equal to 1e-12
    assert [r[column] for r in sheet[1:]] == pytest.approx(
        [c["value"] for c in parent + api_view], rel=1e-12
    )
    bad = planner.get(f"/plans/{pid}/export", params={**cells_view, "table": "secrets"})
    assert bad.status_code == 422 and "table &#39;secrets&#39; is not one of" in bad.text

    # a full quarter and last year's history: forecast value added of the approved version
    history = pd.read_csv(demo_paths["sales"])[["date", "region", "store", "product", "units"]]
    load_actuals(planner, history.to_dict(orient="records"))
    load_actuals(planner, weekly_actuals(bottom, 14, dt.date(2026, 12, 28), north=1.2))
    assert step(planner, pid, "push", "submit").status_code == 303
    assert step(approver, pid, "push", "approve").status_code == 303
    page = planner.get(f"/plans/{pid}", params={"version": "push"}).text
    fva = planner.get(f"/v1/plans/{pid}/fva", headers=headers_for(Role.planner)).json()
    assert fva["quarters_with_actuals"] == ["2027Q1"]
    shown = {
        (c["row"]["level"], c["row"]["quarter"], c["field"]): float(c["value"])
        for c in table_cells(page, "fva-table")
    }
    for row in fva["levels"]:
        assert shown[(row["level"], row["quarter"], "plan_wape")] == row["plan_wape"]
        assert shown[(row["level"], row["quarter"], "plan_value_added")] == row["plan_value_added"]
    total = next(r for r in fva["levels"] if r["level"] == "total")
    assert f"{total['plan_wape'] * 100:,.1f}%" in page
    assert [r["reason"] for r in fva["reasons"]] == ["customer"]
    assert 'data-testid="fva-reasons"' in page and ">customer</th>" in page


def test_plan_pages_answer_within_a_second(plan_sign_in: Callable[[Role], TestClient]) -> None:
    """Issue 12 asks for < 1 s server side on the demo data; best of three per view."""
    planner = plan_sign_in(Role.planner)
    pid = make_plan(planner, "timed")
    token = csrf_of(planner.get(f"/plans/{pid}").text)
    planner.post(f"/plans/{pid}/versions", data={"csrf_token": token, "name": "other"})
    views = [
        f"/plans/{pid}",
        f"/plans/{pid}?level=store&region=North&compare=other&edit=region:North&eq=2027Q1",
        f"/plans/{pid}?level=region,store,product&compare=other",
        f"/plans/{pid}/export?level=region,store,product&format=xlsx",
        "/plans",
    ]
    for path in views:
        assert planner.get(path).status_code == 200, path
        best = min(_timed(planner, path) for _ in range(3))
        assert best < 1.0, (path, best)


def _timed(client: TestClient, path: str) -> float:
    start = time.perf_counter()
    client.get(path)
    return time.perf_counter() - start
