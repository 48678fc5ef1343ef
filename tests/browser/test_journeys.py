"""One journey per user type through a real browser against a real `lodestar serve`.

Each journey saves screenshots (pytest's temporary folder, `browser-artifacts/<test>/`) and
runs with every request off 127.0.0.1 blocked, so the Workbench is proven to work offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests.browser.conftest import TABLET, Session, api_as
from tests.e2e.lodestar_process import Server


def _fits_width(session: Session) -> bool:
    """No sideways scrolling of the page itself (wide tables scroll inside their frame)."""
    return session.page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def test_planner_drills_to_a_region_and_exports_xlsx(planner: Session, server: Server) -> None:
    page = planner.open("/forecasts")
    assert page.get_by_test_id("who-role").inner_text() == "planner"
    planner.chart_drawn()
    planner.shot("01-forecast-by-region", "forecasts")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    region = page.locator("a[data-drill]").first.get_attribute("data-drill")
    page.locator("a[data-drill]").first.click()
    page.wait_for_url(re.compile(r"level=store"))
    assert f"region {region}" in page.locator(".breadcrumbs").inner_text()
    planner.chart_drawn()
    planner.shot("02-drilled-to-region")
    quarters = page.locator("input[name=quarters]:checked").evaluate_all(
        "nodes => nodes.map(n => n.value)"
    )
    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    saved = Path(planner.folder / "forecast.xlsx")
    download_info.value.save_as(saved)
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert rows[0] == ("store", "quarter", "mean", "lo_80", "hi_80", "lo_95", "hi_95")
    with api_as(server, "planner") as api:
        answer = api.get(
            "/v1/forecasts",
            params={"quarters": ",".join(quarters), "level": "store", "region": region},
        ).json()["forecasts"]
    exported = [r for r in rows[1:] if r[0] != "TOTAL"]
    assert [(r[0], r[1]) for r in exported] == [(a["store"], a["quarter"]) for a in answer]
    assert [r[2] for r in exported] == pytest.approx([a["mean"] for a in answer])
    shown = page.locator("td[data-mean]").evaluate_all("n => n.map(c => +c.dataset.mean)")
    assert sorted(a["mean"] for a in answer) == pytest.approx(sorted(shown[: len(answer)]))
    page.set_viewport_size(TABLET)
    page.reload()
    planner.chart_drawn()
    assert _fits_width(planner)
    planner.shot("03-tablet-width")


def test_pricing_analyst_builds_a_minus_5_scenario(analyst: Session, server: Server) -> None:
    page = analyst.open("/pricing/scenarios")
    analyst.fill(
        {"Scenario name": "P01 minus 5", "#change0_product": "P01", "#change0_value": "-5"}
    )
    analyst.press("run-scenario", then="kpis")
    analyst.chart_drawn("#curve-chart")
    analyst.shot("01-scenario-result", "scenario", "#result-title")
    scenario = {
        "name": "P01 minus 5",
        "price_changes": [{"filter": {"product": "P01"}, "percent": -5}],
    }
    with api_as(server, "pricing") as api:
        answer = api.post("/v1/pricing/scenarios", json=scenario).json()
    total = next(r for r in answer["summary"] if r["product"] == "TOTAL")
    for measure in ("units", "revenue", "margin"):
        shown = page.get_by_test_id(f"total-change-{measure}")
        assert float(shown.get_attribute("data-value")) == total[f"change_{measure}"]
    assert (
        page.get_by_test_id("total-change-units").inner_text() == f"+{total['change_units']:,.0f}"
    )
    for row in answer["quarterly"]:
        cells = page.locator(
            f'tr[data-quarter="{row["quarter"]}"][data-product="{row["product"]}"]'
        )
        for field in ("units", "change_units", "change_revenue", "change_margin"):
            value = cells.locator(f'td[data-field="{field}"]').get_attribute("data-value")
            assert float(value) == row[field], (row["quarter"], row["product"], field)
    analyst.fill({"Save as": "p01-minus-5"})
    page.get_by_test_id("save-scenario").click()
    page.wait_for_url(re.compile(r"/pricing/saved"))
    page.get_by_label("compare p01-minus-5").check()
    analyst.press("compare", then="comparison")
    analyst.shot("02-saved-and-compared")


def test_sales_rep_filters_hot_leads_and_sees_reasons(
    signed_in: Callable[[str], Session], server: Server, workbench_home: Path
) -> None:
    leads = pd.read_csv(workbench_home / "demo" / "leads.csv").drop(
        columns=["converted", "conversion_date"]
    )
    leads["owner"] = [("Ana", "Ben", "Chloe")[i % 3] for i in range(len(leads))]
    upload = Path(workbench_home / "crm_export.csv")
    leads.to_csv(upload, index=False)
    rep = signed_in("planner")
    page = rep.open("/leads")
    page.get_by_label("Upload a CSV of leads to score").set_input_files(str(upload))
    rep.press("upload", then="lead-table")
    rep.fill({"Tier": "hot", "Owner": "Ben"})
    page.get_by_test_id("filter").click()
    page.wait_for_url(re.compile(r"tier=hot"))
    rows = page.locator("[data-testid=lead-table] tbody tr")
    assert rows.count() > 0
    assert set(rows.evaluate_all("r => r.map(x => x.dataset.tier)")) == {"hot"}
    first = rows.first
    assert first.locator("td").nth(5).inner_text() == "Ben"
    reasons = first.get_by_test_id("reasons").locator("li")
    assert reasons.count() == 3 and "score" in reasons.first.inner_text()
    scores = rows.evaluate_all("r => r.map(x => +x.cells[1].dataset.value)")
    assert scores == sorted(scores, reverse=True)
    rep.shot("01-hot-leads", "leads")
    rep.open("/leads/pipeline")
    rep.chart_drawn("#pipeline-chart")
    rep.shot("02-pipeline", "pipeline")


def test_data_scientist_dry_runs_then_promotes_and_trains(
    scientist: Session, server: Server
) -> None:
    page = scientist.open("/models")
    assert page.get_by_test_id("champion-sales").inner_text() == "v1"
    scientist.shot("01-models", "models")
    scientist.press("preview-sales-2", then="comparison")
    assert "dry run" in page.get_by_test_id("dry-run-message").inner_text()
    first_metric = page.locator("[data-testid=comparison] tbody th").first.inner_text()
    assert first_metric == "backtest_wape (decides)"
    scientist.shot("02-dry-run")
    with api_as(server, "data_scientist") as api:
        assert api.get("/v1/models").json()["families"][0]["champion"]["version"] == "1"
        scientist.press("confirm-move")
        assert "moved from v1 to v2" in page.get_by_test_id("notice").inner_text()
        sales = api.get("/v1/models").json()["families"][0]
        assert sales["champion"]["version"] == "2" and sales["loaded_version"] == "2"
    assert page.get_by_test_id("champion-sales").inner_text() == "v2"
    scientist.open("/models/pricing/versions/1")
    page.locator("figure img").first.wait_for()
    assert page.locator("figure img").first.evaluate("img => img.naturalWidth") > 0
    scientist.shot("03-run-charts", "run-charts")
    scientist.open("/models/training")
    data = Path(server.log_path).parent / "demo" / "sales.csv"
    scientist.fill({"Family": "pricing", "Data file on the server": str(data)})
    page.get_by_test_id("start-training").click()
    page.wait_for_url(re.compile(r"/models/training/[0-9a-f]{12}"))
    scientist.shot("04-training-queued")
    status = page.get_by_test_id("run-status")
    page.wait_for_function(
        "el => ['succeeded', 'failed'].includes(el.textContent)",
        arg=status.element_handle(),
        timeout=240_000,
    )
    assert status.inner_text() == "succeeded", page.locator("[data-run-message]").inner_text()
    scientist.shot("05-training-finished", "training")


def test_a_planner_cannot_reach_pricing_or_model_actions(planner: Session, server: Server) -> None:
    page = planner.open("/forecasts")
    menu = page.get_by_role("navigation", name="Main")
    links = menu.locator("a").evaluate_all("a => a.map(x => x.getAttribute('href'))")
    assert "/pricing/elasticities" in links
    for hidden in ("/pricing/scenarios", "/pricing/saved", "/pricing/recommendations", "/models"):
        assert hidden not in links
    planner.open("/pricing/scenarios")
    assert "needs the pricing role" in page.get_by_test_id("error").inner_text()
    planner.open("/models")
    assert "needs the data_scientist role" in page.get_by_test_id("error").inner_text()
    planner.shot("01-refused")
    token = planner.csrf()
    scenario = {"price_changes": [{"filter": {"product": "P01"}, "percent": -5}]}
    answer = page.request.post(
        f"{server.url}/v1/pricing/scenarios", data=scenario, headers={"X-CSRF-Token": token}
    )
    assert answer.status == 403 and "needs the pricing role" in answer.json()["message"]
    promote = page.request.post(
        f"{server.url}/v1/models/sales/promote",
        data={"version": "1"},
        headers={"X-CSRF-Token": token},
    )
    assert promote.status == 403
    assert page.request.get(f"{server.url}/v1/models").status == 403
    assert page.request.get(f"{server.url}/v1/pricing/elasticities").status == 200


def test_every_page_loads_offline_with_its_charts(scientist: Session, server: Server) -> None:
    page = scientist.page
    loaded: list[str] = []
    page.on("requestfinished", lambda r: loaded.append(r.url))
    paths = [
        "/forecasts",
        "/leads",
        "/leads/pipeline",
        "/pricing/elasticities",
        "/pricing/scenarios",
        "/pricing/saved",
        "/pricing/recommendations",
        "/pricing/price-lists",
        "/plans",
        "/models",
        "/models/training",
        "/models/sales/versions/1",
    ]
    for path in paths:
        answer = page.goto(f"{server.url}{path}")
        assert answer is not None and answer.status == 200, path
        assert page.locator("main h1").count() == 1
        for chart in page.locator(".chart").all():
            chart.locator(".main-svg").first.wait_for()
        assert scientist.unlabelled_controls() == [], path
    assert any(url.endswith("/assets/plotly.min.js") for url in loaded)
    assert all(url.startswith(server.url) or url.startswith("data:") for url in loaded)
    scientist.open("/pricing/elasticities")
    scientist.chart_drawn()
    scientist.shot("01-elasticities", "elasticities")
