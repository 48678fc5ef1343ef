"""Pricing pages: elasticities, the scenario builder, saved scenarios side by side, recommendations.

Every number comes from `engine.pricing.answers` with the same champions and arguments as the
pricing API, so a scenario's page equals POST /v1/pricing/scenarios for the same scenario.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from engine.core.calendar import parse_quarters, quarter_label
from engine.core.errors import DataError, LodestarError, NoChampionError
from engine.core.series import normalise_filter, select_series
from engine.database.scenarios import ScenarioRepository
from engine.pricing.answers import (
    compare_scenarios,
    demand_curve,
    elasticity_table,
    recommendation_table,
    what_if,
)
from engine.pricing.scenario import RecommendationRequest, Scenario, parse_scenario
from models.pricing import ELASTICITY_COLUMNS
from serving.core.auth import Role
from serving.pricing.routes import json_records as records
from serving.pricing.routes import saved_scenarios
from serving.ui import charts
from serving.ui.exports import export_response
from serving.ui.forecast_pages import covered_quarters
from serving.ui.nav import NavItem
from serving.ui.pages import (
    PlannerViewer,
    PricingViewer,
    Viewer,
    checked_form,
    error_body,
    render,
)

router = APIRouter(include_in_schema=False)

CHANGE_ROWS = 3
PROMO_ROWS = 2
CURVE_PERCENTS = [-20.0, -15.0, -10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0]
MEASURES = ("units", "revenue", "margin")
WHAT_IF_COLUMNS = [
    "quarter",
    "product",
    *(
        f"{prefix}{m}{suffix}"
        for m in MEASURES
        for prefix, suffix in (
            ("baseline_", ""),
            ("", ""),
            ("", "_lo_95"),
            ("", "_hi_95"),
            ("change_", ""),
            ("change_", "_lo_95"),
            ("change_", "_hi_95"),
        )
    ),
]


def _store(request: Request) -> ScenarioRepository:
    return saved_scenarios(request.app.state.settings)


def _champions(request: Request) -> tuple[Any, Any]:
    champions = request.app.state.champions
    return champions.get("sales"), champions.get("pricing")


# -- elasticities -------------------------------------------------------------------------------


@router.get("/pricing/elasticities")
def elasticities_page(
    request: Request, found: PlannerViewer, product: str | None = None, kind: str | None = None
) -> Response:
    """Own, cross and competitor elasticities with 95% CIs; implausible ones marked."""
    context: dict[str, Any] = {"product": product or "", "kind": kind or ""}
    try:
        pricing = request.app.state.champions.get("pricing")
        context["version"] = pricing.version
        context["products"] = list(pricing.payload.products)
        table = elasticity_table(pricing.payload, [product] if product else None)
        rows = records(table[ELASTICITY_COLUMNS])
        own = [{**r, "label": r["product"]} for r in rows if r["kind"] == "own"]
        context["figure"] = charts.elasticity_chart(own)
        context["rows"] = [r for r in rows if not kind or r["kind"] == kind]
    except LodestarError as exc:
        context["error"] = error_body(exc)
    return render(request, found, "elasticities.html", **context)


# -- scenario builder ---------------------------------------------------------------------------


def builder_options(request: Request) -> dict[str, Any]:
    """Products, stores, segments and quarters the builder's controls offer."""
    sales, pricing = _champions(request)
    fiscal = request.app.state.settings.fiscal_year_start_month
    index = sales.payload.index
    segments = [
        f"{col}={value}"
        for col in index.columns
        if col not in ("product", "store")
        for value in sorted(index[col].astype(str).unique())
    ]
    return {
        "products": [str(p) for p in pricing.payload.products],
        "stores": sorted(index["store"].astype(str).unique()) if "store" in index.columns else [],
        "segments": segments,
        "quarters": [quarter_label(q) for q in covered_quarters(sales, fiscal)],
    }


def _filter(form: dict[str, Any], prefix: str) -> dict[str, str]:
    """{'product': 'P01', 'region': 'North'} from a row's product, store and segment controls."""
    out: dict[str, str] = {}
    for key in ("product", "store"):
        value = str(form.get(f"{prefix}_{key}") or "").strip()
        if value:
            out[key] = value
    segment = str(form.get(f"{prefix}_segment") or "").strip()
    if segment:
        column, _, value = segment.partition("=")
        if not value:
            raise DataError(f"segment '{segment}' is not like region=North", f"{prefix}_segment")
        out[column] = value
    return out


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def period_from_form(form: dict[str, Any], fiscal: int) -> dict[str, str]:
    """start/end of the scenario from whole quarters (consecutive) or from two dates."""
    mode = form.get("period", "all")
    if mode == "quarters":
        chosen = sorted(parse_quarters(_as_list(form.get("quarters")), fiscal))
        if any(b != a + 1 for a, b in zip(chosen, chosen[1:], strict=False)):
            raise DataError("choose consecutive quarters (or give start and end dates)", "quarters")
        return {
            "start": str(chosen[0].start_time.date()),
            "end": str(chosen[-1].end_time.date()),
        }
    if mode == "dates":
        return {k: str(form[k]) for k in ("start", "end") if form.get(k)}
    return {}


def scenario_from_form(form: dict[str, Any], fiscal: int) -> dict[str, Any]:
    """The builder's controls as a scenario body (the API's shape)."""
    changes = []
    for i in range(CHANGE_ROWS):
        value = str(form.get(f"change{i}_value") or "").strip()
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            raise DataError(
                f"price change {i + 1}: '{value}' is not a number", f"change{i}_value"
            ) from None
        kind = "price" if form.get(f"change{i}_kind") == "price" else "percent"
        changes.append({"filter": _filter(form, f"change{i}"), kind: number})
    promotions = []
    for j in range(PROMO_ROWS):
        if not form.get(f"promo{j}_on"):
            continue
        promo: dict[str, Any] = {"filter": _filter(form, f"promo{j}")}
        for end in ("start", "end"):
            if form.get(f"promo{j}_{end}"):
                promo[end] = str(form[f"promo{j}_{end}"])
        promotions.append(promo)
    name = str(form.get("name") or "").strip() or "scenario"
    return {
        "name": name,
        "price_changes": changes,
        "promotions": promotions,
        **period_from_form(form, fiscal),
    }


def form_from_scenario(scenario: dict[str, Any]) -> dict[str, Any]:
    """Best-effort builder controls for a saved scenario (its first rows, single values)."""
    form: dict[str, Any] = {"name": scenario.get("name", "")}

    def put(prefix: str, raw_filter: dict[str, Any]) -> None:
        for key, values in normalise_filter(raw_filter).items():
            if key in ("product", "store"):
                form[f"{prefix}_{key}"] = values[0]
            else:
                form[f"{prefix}_segment"] = f"{key}={values[0]}"

    for i, change in enumerate(scenario.get("price_changes", [])[:CHANGE_ROWS]):
        put(f"change{i}", change.get("filter", {}))
        kind = "price" if change.get("price") is not None else "percent"
        form[f"change{i}_kind"] = kind
        form[f"change{i}_value"] = change.get(kind)
    for j, promo in enumerate(scenario.get("promotions", [])[:PROMO_ROWS]):
        form[f"promo{j}_on"] = "1"
        put(f"promo{j}", promo.get("filter", {}))
        form[f"promo{j}_start"] = promo.get("start") or ""
        form[f"promo{j}_end"] = promo.get("end") or ""
    if scenario.get("start") or scenario.get("end"):
        form.update(
            period="dates", start=scenario.get("start") or "", end=scenario.get("end") or ""
        )
    return form


def _sum(values: list[float | None]) -> float | None:
    """Sum, or None when any value is unknown (margin without cost)."""
    return None if any(v is None for v in values) else float(sum(values))  # type: ignore[arg-type]


def breakdown(summary: list[dict[str, Any]], moved: set[str]) -> dict[str, Any]:
    """Own vs cross: products whose price the scenario changes, and the products that follow."""
    groups: dict[str, Any] = {"own": [], "cross": []}
    for row in summary:
        if row["product"] == "TOTAL":
            continue
        groups["own" if row["product"] in moved else "cross"].append(row)
    totals = {
        name: {f"change_{m}": _sum([r[f"change_{m}"] for r in rows]) for m in MEASURES}
        for name, rows in groups.items()
    }
    return {"groups": groups, "totals": totals}


def moved_products(sales: Any, scenario: Scenario) -> set[str]:
    """Products with a series whose price one of the scenario's changes sets."""
    index = sales.payload.index
    if "product" not in index.columns:
        return set()
    out: set[str] = set()
    for change in scenario.price_changes:
        rows = select_series(index, change.filters)
        out.update(index["product"].astype(str).iloc[rows])
    return out


def run_scenario(request: Request, scenario: Scenario) -> dict[str, Any]:
    """The what-if and everything the result section shows."""
    sales, pricing = _champions(request)
    fiscal = request.app.state.settings.fiscal_year_start_month
    result = what_if(sales.payload, pricing.payload, scenario, fiscal)
    quarterly = records(result.quarterly)
    summary = records(result.summary)
    total_by_quarter = [r for r in quarterly if r["product"] == "TOTAL"]
    out: dict[str, Any] = {
        "result_name": result.name,
        "versions": {"sales": sales.version, "pricing": pricing.version},
        "quarterly": sorted(
            quarterly, key=lambda r: (r["quarter"], r["product"] != "TOTAL", r["product"])
        ),
        "summary": summary,
        "total": next(r for r in summary if r["product"] == "TOTAL"),
        "change_figure": charts.change_bars(total_by_quarter, MEASURES, "quarter"),
        "breakdown": breakdown(summary, moved_products(sales, scenario)),
        "scenario_json": scenario.model_dump_json(),
    }
    if scenario.price_changes:
        first = scenario.price_changes[0]
        points = records(
            demand_curve(sales.payload, pricing.payload, first.filters, CURVE_PERCENTS, scenario)
        )
        out["curve_filter"] = first.filters
        out["curve_figure"] = charts.demand_curve_chart(points, "units")
        out["curve_revenue_figure"] = charts.demand_curve_chart(points, "revenue")
    return out


def _builder(request: Request, found: Viewer, form: dict[str, Any], **context: Any) -> Response:
    try:
        options = builder_options(request)
    except LodestarError as exc:
        options = {"products": [], "stores": [], "segments": [], "quarters": []}
        context.setdefault("error", error_body(exc))
    return render(
        request,
        found,
        "scenarios.html",
        form=form,
        options=options,
        change_rows=range(CHANGE_ROWS),
        promo_rows=range(PROMO_ROWS),
        **context,
    )


@router.get("/pricing/scenarios")
def scenario_builder(request: Request, found: PricingViewer, load: str | None = None) -> Response:
    """The empty builder, or a saved scenario (`load=name`) run and shown in it."""
    if not load:
        return _builder(request, found, {"change0_kind": "percent"})
    try:
        saved = _store(request).get(load)["scenario"]
        return _builder(
            request,
            found,
            form_from_scenario(saved),
            **run_scenario(request, parse_scenario(saved)),
        )
    except LodestarError as exc:
        return _builder(request, found, {}, error=error_body(exc))


@router.post("/pricing/scenarios")
async def scenario_run(request: Request, found: PricingViewer) -> Response:
    """Run the builder's scenario and show units, revenue and margin against the baseline."""
    form = await checked_form(request, found)
    fiscal = request.app.state.settings.fiscal_year_start_month
    try:
        scenario = Scenario.model_validate(scenario_from_form(form, fiscal))
        result = await run_in_threadpool(run_scenario, request, scenario)
        return _builder(request, found, form, **result)
    except (LodestarError, ValidationError) as exc:
        body = error_body(exc)
        return _builder(request, found, form, error=body)


def _posted_scenario(form: dict[str, Any]) -> Scenario:
    try:
        return Scenario.model_validate_json(str(form.get("scenario_json") or ""))
    except ValidationError as exc:
        raise DataError(
            f"the scenario to save is not valid: {exc.errors()[0]['msg']}", "scenario"
        ) from None


@router.post("/pricing/scenarios/save")
async def scenario_save(request: Request, found: PricingViewer) -> Response:
    """Keep the scenario just run under a name, then show the saved list."""
    form = await checked_form(request, found)
    try:
        scenario = _posted_scenario(form)
        name = str(form.get("save_name") or "").strip()
        _store(request).save(name, scenario, overwrite=bool(form.get("overwrite")))
    except LodestarError as exc:
        return await _saved_page(request, found, error=error_body(exc))
    return RedirectResponse(f"/pricing/saved?saved={name}", status_code=303)


@router.post("/pricing/scenarios/export")
async def scenario_export(request: Request, found: PricingViewer) -> Response:
    """The scenario's quarterly table (what the page shows) as CSV or XLSX."""
    form = await checked_form(request, found)
    try:
        scenario = _posted_scenario(form)
        sales, pricing = _champions(request)
        fiscal = request.app.state.settings.fiscal_year_start_month
        result = await run_in_threadpool(what_if, sales.payload, pricing.payload, scenario, fiscal)
        rows = records(result.quarterly)
        return export_response(
            rows, WHAT_IF_COLUMNS, f"what_if_{scenario.name}", str(form.get("format"))
        )
    except LodestarError as exc:
        return _builder(request, found, {}, error=error_body(exc))


# -- saved scenarios ----------------------------------------------------------------------------


async def _saved_page(request: Request, found: Viewer, **context: Any) -> Response:
    context.setdefault("scenarios", _store(request).list())
    return render(request, found, "saved.html", **context)


@router.get("/pricing/saved")
async def saved_list(request: Request, found: PricingViewer, saved: str | None = None) -> Response:
    """Every saved scenario, to open, compare or delete."""
    return await _saved_page(request, found, just_saved=saved)


def comparison_table(rows: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    """One row per product with each scenario's whole-range result beside the others."""
    products = list(dict.fromkeys(r["product"] for r in rows if r["product"] != "TOTAL"))
    by_key = {(r["scenario"], r["product"]): r for r in rows}
    return [
        {"product": p, "cells": [by_key.get((n, p)) for n in names]} for p in [*products, "TOTAL"]
    ]


@router.post("/pricing/saved/compare")
async def saved_compare(request: Request, found: PricingViewer) -> Response:
    """Run the chosen saved scenarios side by side (whole-range totals per product)."""
    form = await checked_form(request, found)
    names = _as_list(form.get("names"))
    try:
        if not names:
            raise DataError("choose at least one saved scenario to compare", "names")
        store = _store(request)
        scenarios = {name: parse_scenario(store.get(name)["scenario"]) for name in names}
        sales, pricing = _champions(request)
        fiscal = request.app.state.settings.fiscal_year_start_month
        table = await run_in_threadpool(
            compare_scenarios, sales.payload, pricing.payload, scenarios, fiscal
        )
        rows = records(table)
        return await _saved_page(
            request, found, compared=names, comparison=comparison_table(rows, names)
        )
    except LodestarError as exc:
        return await _saved_page(request, found, error=error_body(exc))


@router.post("/pricing/saved/delete")
async def saved_delete(request: Request, found: PricingViewer) -> Response:
    """Forget one saved scenario."""
    form = await checked_form(request, found)
    try:
        _store(request).delete(str(form.get("name") or ""))
    except LodestarError as exc:
        return await _saved_page(request, found, error=error_body(exc))
    return RedirectResponse("/pricing/saved", status_code=303)


# -- recommendations ----------------------------------------------------------------------------


def _number(form: dict[str, Any], key: str) -> float | None:
    text = str(form.get(key) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise DataError(f"'{text}' is not a number", key) from None


def recommendation_from_form(form: dict[str, Any]) -> dict[str, Any]:
    """The constraint form as a recommendation request body (the API's shape)."""
    constraints: dict[str, Any] = {}
    for key in ("min_margin_pct", "max_change_pct", "min_price", "max_price"):
        value = _number(form, key)
        if value is not None:
            constraints[key] = value
    endings = [e.strip() for e in str(form.get("price_endings") or "").split(",") if e.strip()]
    if endings:
        constraints["price_endings"] = endings
    above, below = str(form.get("ladder_above") or ""), str(form.get("ladder_below") or "")
    if above and below:
        constraints["ladders"] = [
            {"above": above, "below": below, "pct": _number(form, "ladder_pct") or 0.0}
        ]
    body: dict[str, Any] = {
        "filter": _filter(form, "rec"),
        "objective": form.get("objective") or "margin",
        "constraints": constraints,
    }
    weeks = _number(form, "weeks")
    if weeks is not None:
        body["weeks"] = int(weeks)
    return body


def _recommendations(
    request: Request, found: Viewer, form: dict[str, Any], **context: Any
) -> Response:
    try:
        options = builder_options(request)
    except LodestarError as exc:
        options = {"products": [], "stores": [], "segments": [], "quarters": []}
        context.setdefault("error", error_body(exc))
    return render(request, found, "recommendations.html", form=form, options=options, **context)


@router.get("/pricing/recommendations")
def recommendations_page(request: Request, found: PricingViewer) -> Response:
    """The constraint form."""
    return _recommendations(request, found, {"objective": "margin", "weeks": 13})


@router.post("/pricing/recommendations")
async def recommendations_run(request: Request, found: PricingViewer) -> Response:
    """Recommended prices under the constraints, with the binding constraint per product."""
    form = await checked_form(request, found)
    try:
        body = RecommendationRequest.model_validate(recommendation_from_form(form))
        pricing = request.app.state.champions.get("pricing")
        try:
            sales = request.app.state.champions.get("sales")
        except NoChampionError:
            sales = None
        table, joint = await run_in_threadpool(
            recommendation_table, pricing.payload, body, sales.payload if sales else None
        )
        table["binding"] = table["binding"].map(lambda s: [b for b in str(s).split(";") if b])
        rows = records(table)
        return _recommendations(
            request,
            found,
            form,
            rows=rows,
            joint=joint,
            objective=body.objective,
            request_json=body.model_dump_json(),
        )
    except (LodestarError, ValidationError) as exc:
        return _recommendations(request, found, form, error=error_body(exc))


MENU = [
    NavItem("Pricing", "Elasticities", "/pricing/elasticities", Role.planner),
    NavItem("Pricing", "Scenarios", "/pricing/scenarios", Role.pricing),
    NavItem("Pricing", "Saved scenarios", "/pricing/saved", Role.pricing),
    NavItem("Pricing", "Recommendations", "/pricing/recommendations", Role.pricing),
]
"""This module's Workbench menu entries, in menu order."""
