"""Pricing teams' answers: what-ifs, recommendations, saved scenarios; elasticities for planners."""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Response

from engine.core.errors import NoChampionError
from engine.core.series import normalise_filter
from engine.core.settings import Settings
from engine.database.scenarios import ScenarioRepository
from engine.database.setup import open_database
from engine.pricing.answers import (
    compare_scenarios,
    comparison_notes,
    demand_curve,
    elasticity_table,
    recommendation_table,
    what_if,
)
from engine.pricing.saved import SCENARIO_NAME
from engine.pricing.scenario import RecommendationRequest, Scenario, parse_scenario
from models.pricing import ELASTICITY_COLUMNS
from serving.core.json_answer import json_answer
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import (
    ChampionsDep,
    PricingChampion,
    Role,
    SalesChampion,
    SettingsDep,
    require_role,
)
from serving.pricing.schemas import (
    CompareIn,
    CompareResponse,
    DemandCurveIn,
    DemandCurveResponse,
    ElasticityResponse,
    RecommendationResponse,
    SavedScenario,
    SavedScenarioList,
    SaveScenarioIn,
    WhatIfResponse,
)

router = APIRouter(prefix="/pricing", tags=["pricing"], route_class=OffLoopRoute)

_ERRORS = error_responses(404, 409, 422)
_PRICING: dict[str, Any] = {
    "responses": _ERRORS,
    "dependencies": [Depends(require_role(Role.pricing))],
}
_PLANNER: dict[str, Any] = {
    "responses": _ERRORS,
    "dependencies": [Depends(require_role(Role.planner))],
}
ScenarioName = Annotated[
    str, Path(pattern=SCENARIO_NAME, description="Saved scenario name.", examples=["p01-minus-5"])
]


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
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


def _json(answer: WhatIfResponse | CompareResponse) -> Response:
    """An answer validated once, serialised directly (not re-validated by response_model).

    `notes` appear only when there is something to say, so answers without any stay as they were.
    """
    body = answer.model_dump_json(exclude=None if answer.notes else {"notes"})
    return Response(body, media_type="application/json")


def saved_scenarios(settings: Settings) -> ScenarioRepository:
    """The saved scenarios of this deployment (in the application database)."""
    return ScenarioRepository(open_database(settings.database_uri))


@router.post("/scenarios", response_model=WhatIfResponse, **_PRICING)
def post_what_if(
    body: Scenario, sales: SalesChampion, pricing: PricingChampion, settings: SettingsDep
) -> Response:
    """Units, revenue and margin of a scenario vs the baseline, per week, quarter and in total."""
    result = what_if(sales.payload, pricing.payload, body, settings.fiscal_year_start_month)
    answer = WhatIfResponse(
        name=result.name,
        sales_model_version=sales.version,
        pricing_model_version=pricing.version,
        summary=json_records(result.summary),
        quarterly=json_records(result.quarterly),
        weekly=json_records(result.weekly),
        notes=list(result.notes),
    )
    return _json(answer)


@router.post("/demand-curve", response_model=DemandCurveResponse, **_PRICING)
def post_demand_curve(
    body: DemandCurveIn, sales: SalesChampion, pricing: PricingChampion
) -> Response:
    """Units, revenue and margin per product at each uniform price change, with 95% intervals."""
    table = demand_curve(
        sales.payload, pricing.payload, normalise_filter(body.filter), body.percents
    )
    answer = DemandCurveResponse(
        sales_model_version=sales.version,
        pricing_model_version=pricing.version,
        points=json_records(table),
    )
    return json_answer(answer)


@router.post("/recommendations", response_model=RecommendationResponse, **_PRICING)
def post_recommendations(
    body: RecommendationRequest, pricing: PricingChampion, champions: ChampionsDep
) -> Response:
    """Recommended prices under the objective and constraints; 422 names any conflict."""
    try:
        sales = champions.get("sales")
    except NoChampionError:
        sales = None
    table, joint = recommendation_table(pricing.payload, body, sales.payload if sales else None)
    table["binding"] = table["binding"].map(lambda s: [b for b in s.split(";") if b])
    answer = RecommendationResponse(
        pricing_model_version=pricing.version,
        sales_model_version=sales.version if sales else None,
        objective=body.objective,
        joint=joint,
        recommendations=json_records(table),
    )
    return json_answer(answer)


@router.get("/elasticities", response_model=ElasticityResponse, **_PLANNER)
def get_elasticities(
    pricing: PricingChampion,
    product: Annotated[
        str | None, Query(description="Comma list of products (default all).", examples=["P01"])
    ] = None,
) -> Response:
    """Own, cross and competitor elasticities with 95% CIs and plausibility flags."""
    wanted = [p.strip() for p in product.split(",") if p.strip()] if product else None
    table = elasticity_table(pricing.payload, wanted)
    answer = ElasticityResponse(
        model_version=pricing.version, elasticities=json_records(table[ELASTICITY_COLUMNS])
    )
    return json_answer(answer)


_SAVED_LINKS = {
    201: {
        "description": "Saved; read it, compare it or delete it by its name.",
        "links": {
            "ReadSavedScenario": {
                "operationId": "get_saved_scenario",
                "parameters": {"name": "$response.body#/name"},
            },
            "CompareSavedScenario": {
                "operationId": "compare_saved_scenarios",
                "requestBody": {"names": ["$response.body#/name"]},
            },
            "DeleteSavedScenario": {
                "operationId": "delete_saved_scenario",
                "parameters": {"name": "$response.body#/name"},
            },
        },
    }
}
"""OpenAPI links: how a client (and the stateful schemathesis test) chains the calls."""


@router.post(
    "/saved-scenarios",
    response_model=SavedScenario,
    status_code=201,
    dependencies=_PRICING["dependencies"],
    responses={**_ERRORS, **_SAVED_LINKS},
)
def save_scenario(body: SaveScenarioIn, settings: SettingsDep) -> Response:
    """Keep a named scenario."""
    record = saved_scenarios(settings).save(body.name, body.scenario, overwrite=body.overwrite)
    return json_answer(SavedScenario(**record), status_code=201)


@router.get("/saved-scenarios", response_model=SavedScenarioList, **_PRICING)
def list_scenarios(settings: SettingsDep) -> Response:
    """Every saved scenario."""
    records = saved_scenarios(settings).list()
    return json_answer(SavedScenarioList(scenarios=[SavedScenario(**r) for r in records]))


@router.post(
    "/saved-scenarios/compare",
    response_model=CompareResponse,
    operation_id="compare_saved_scenarios",
    **_PRICING,
)
def post_compare_scenarios(
    body: CompareIn, sales: SalesChampion, pricing: PricingChampion, settings: SettingsDep
) -> Response:
    """Run saved scenarios side by side: whole-range totals per product and scenario."""
    store = saved_scenarios(settings)
    scenarios = {name: parse_scenario(store.get(name)["scenario"]) for name in body.names}
    table = compare_scenarios(
        sales.payload, pricing.payload, scenarios, settings.fiscal_year_start_month
    )
    answer = CompareResponse(
        sales_model_version=sales.version,
        pricing_model_version=pricing.version,
        rows=json_records(table),
        notes=comparison_notes(pricing.payload),
    )
    return _json(answer)


@router.get(
    "/saved-scenarios/{name}",
    response_model=SavedScenario,
    operation_id="get_saved_scenario",
    **_PRICING,
)
def get_scenario(name: ScenarioName, settings: SettingsDep) -> Response:
    """One saved scenario by name."""
    return json_answer(SavedScenario(**saved_scenarios(settings).get(name)))


@router.delete(
    "/saved-scenarios/{name}", status_code=204, operation_id="delete_saved_scenario", **_PRICING
)
def delete_scenario(name: ScenarioName, settings: SettingsDep) -> Response:
    """Forget a saved scenario."""
    saved_scenarios(settings).delete(name)
    return Response(status_code=204)
