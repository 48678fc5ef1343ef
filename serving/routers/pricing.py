"""Pricing teams' answers: what-ifs, recommendations, saved scenarios; elasticities for planners."""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Query, Response

from engine.errors import NoChampionError, NotFoundError
from engine.pricing import ScenarioStore, parse_recommendation, parse_scenario, recommend_prices
from engine.pricing import simulate as run_scenario
from engine.settings import Settings
from serving.deps import (
    ChampionsDep,
    PricingChampion,
    Role,
    SalesChampion,
    SettingsDep,
    require_role,
)
from serving.schemas.common import ErrorBody
from serving.schemas.pricing import (
    CompareIn,
    CompareResponse,
    ElasticityResponse,
    RecommendationIn,
    RecommendationResponse,
    SavedScenario,
    SavedScenarioList,
    SaveScenarioIn,
    ScenarioIn,
    WhatIfResponse,
)

router = APIRouter(prefix="/pricing", tags=["pricing"])

_ERRORS = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}
_PRICING = [Depends(require_role(Role.pricing))]
_PLANNER = [Depends(require_role(Role.planner))]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with JSON-safe values (dates as ISO strings, NaN as None), column-wise."""
    names = [str(c) for c in frame.columns]
    columns = []
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            columns.append(values.dt.strftime("%Y-%m-%d").tolist())
        elif pd.api.types.is_float_dtype(values):
            array = values.to_numpy(dtype=float)
            column = array.tolist()
            if not np.isfinite(array).all():
                column = [v if math.isfinite(v) else None for v in column]
            columns.append(column)
        else:
            column = values.tolist()
            columns.append(
                [None if isinstance(v, float) and not math.isfinite(v) else v for v in column]
            )
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _scenarios(settings: Settings) -> ScenarioStore:
    return ScenarioStore(settings.home / "scenarios")


@router.post("/scenarios", response_model=WhatIfResponse, responses=_ERRORS, dependencies=_PRICING)
def what_if(
    body: ScenarioIn, sales: SalesChampion, pricing: PricingChampion, settings: SettingsDep
) -> Response:
    """Units, revenue and margin of a scenario vs the baseline, per week, quarter and in total."""
    scenario = parse_scenario(body.model_dump(mode="json"))
    result = run_scenario(
        sales.payload, pricing.payload, scenario, settings.fiscal_year_start_month
    )
    answer = WhatIfResponse(
        name=result.name,
        sales_model_version=sales.version,
        pricing_model_version=pricing.version,
        summary=_records(result.summary),
        quarterly=_records(result.quarterly),
        weekly=_records(result.weekly),
    )
    # validated once above; serialised directly rather than re-validated by response_model
    return Response(answer.model_dump_json(), media_type="application/json")


@router.post(
    "/recommendations",
    response_model=RecommendationResponse,
    responses=_ERRORS,
    dependencies=_PRICING,
)
def recommendations(
    body: RecommendationIn, pricing: PricingChampion, champions: ChampionsDep
) -> RecommendationResponse:
    """Recommended prices under the objective and constraints; 422 names any conflict."""
    try:
        sales = champions.get("sales")
    except NoChampionError:
        sales = None
    request = parse_recommendation(body.model_dump(mode="json"))
    table, joint = recommend_prices(pricing.payload, request, sales.payload if sales else None)
    table["binding"] = table["binding"].map(lambda s: [b for b in s.split(";") if b])
    return RecommendationResponse(
        pricing_model_version=pricing.version,
        sales_model_version=sales.version if sales else None,
        objective=request.objective,
        joint=joint,
        recommendations=_records(table),
    )


@router.get(
    "/elasticities", response_model=ElasticityResponse, responses=_ERRORS, dependencies=_PLANNER
)
def elasticities(
    pricing: PricingChampion,
    product: Annotated[
        str | None, Query(description="Comma list of products (default all).", examples=["P01"])
    ] = None,
) -> ElasticityResponse:
    """Own, cross and competitor elasticities with 95% CIs and plausibility flags."""
    table = pricing.payload.elasticities
    if product:
        wanted = [p.strip() for p in product.split(",") if p.strip()]
        unknown = sorted(set(wanted) - set(pricing.payload.products))
        if unknown:
            raise NotFoundError(f"unknown product '{unknown[0]}'", "product")
        table = table[table["product"].isin(wanted)]
    columns = ["product", "cross_product", "kind", "elasticity", "lo_95", "hi_95", "n_obs"]
    columns += ["plausible", "dml_elasticity", "confounded"]
    return ElasticityResponse(model_version=pricing.version, elasticities=_records(table[columns]))


@router.post(
    "/saved-scenarios",
    response_model=SavedScenario,
    status_code=201,
    responses=_ERRORS,
    dependencies=_PRICING,
)
def save_scenario(body: SaveScenarioIn, settings: SettingsDep) -> SavedScenario:
    """Keep a named scenario (file-based under LODESTAR_HOME/scenarios)."""
    record = _scenarios(settings).save(
        body.name, body.scenario.model_dump(mode="json"), overwrite=body.overwrite
    )
    return SavedScenario(**record)


@router.get(
    "/saved-scenarios", response_model=SavedScenarioList, responses=_ERRORS, dependencies=_PRICING
)
def list_scenarios(settings: SettingsDep) -> SavedScenarioList:
    """Every saved scenario."""
    return SavedScenarioList(scenarios=[SavedScenario(**r) for r in _scenarios(settings).list()])


@router.post(
    "/saved-scenarios/compare",
    response_model=CompareResponse,
    responses=_ERRORS,
    dependencies=_PRICING,
)
def compare_scenarios(
    body: CompareIn, sales: SalesChampion, pricing: PricingChampion, settings: SettingsDep
) -> CompareResponse:
    """Run saved scenarios side by side: whole-range totals per product and scenario."""
    store = _scenarios(settings)
    frames = []
    for name in body.names:
        scenario = parse_scenario(store.get(name)["scenario"])
        result = run_scenario(
            sales.payload, pricing.payload, scenario, settings.fiscal_year_start_month
        )
        frames.append(result.summary.assign(scenario=name))
    return CompareResponse(
        sales_model_version=sales.version,
        pricing_model_version=pricing.version,
        rows=_records(pd.concat(frames, ignore_index=True)),
    )


@router.get(
    "/saved-scenarios/{name}",
    response_model=SavedScenario,
    responses=_ERRORS,
    dependencies=_PRICING,
)
def get_scenario(name: str, settings: SettingsDep) -> SavedScenario:
    """One saved scenario by name."""
    return SavedScenario(**_scenarios(settings).get(name))
