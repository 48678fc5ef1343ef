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
    sign_in: Callable[[Role], TestClient],
) -> None:
    planner = sign_in(Role.planner)
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
    assert_page_equals_api(stores_page.text, stores + [c for c in regions if c is north or
                                                      c["keys"] == {"region": "North"}])
    bottom_page = planner.get(f"/plans/{pid}?{drill_link(stores_page.text, 'S01')}")
    bottom = api_cells(planner, pid, level="region,store,product", store="S01", region="North")
    assert len(bottom) == 4 * len(QUARTERS)
    assert_page_equals_api(bottom_page.text, bottom)
    assert "data-drill=" not in bottom_page.text.split('data-testid="plan-table"')[1]
    category = planner.get(f"/plans/{pid}", params={"level": "category"})
    assert_page_equals_api(category.text, api_cells(planner, pid, level="category"))
    bad = planner.get(f"/plans/{pid}", params={"level": "galaxy"})
    api_bad = planner.get(
        f"/v1/plans/{pid}/versions/baseline", params={"level": "galaxy"},
        headers=headers_for(Role.planner),
    )
    assert bad.status_code == api_bad.status_code == 422
    assert html.escape(api_bad.json()["message"], quote=True).replace("&#x27;", "&#39;") in bad.text
