"""Lead scores for marketing and sales, and the pipeline they imply for planners."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Response

from engine.core.errors import DataError
from engine.leads.answers import pipeline_table, score_table
from serving.core.json_answer import json_answer
from serving.core.routing import OffLoopRoute
from serving.core.schemas import ErrorBody
from serving.deps import LeadsChampion, Role, SettingsDep, require_role
from serving.leads.schemas import PipelineRequest, PipelineResponse, ScoreRequest, ScoreResponse

router = APIRouter(
    prefix="/leads",
    tags=["leads"],
    dependencies=[Depends(require_role(Role.planner))],
    route_class=OffLoopRoute,
)

_ERRORS = {409: {"model": ErrorBody}, 422: {"model": ErrorBody}}
_SCORED = ["row", "lead_id", "probability", "score", "tier", "reasons"]
_SCORED += [f"reason_{k}" for k in (1, 2, 3)] + ["base_score", "other_points"]


@router.post("/score", response_model=ScoreResponse, responses=_ERRORS)
def score_leads(body: ScoreRequest, champion: LeadsChampion) -> Response:
    """Score a batch of leads; a bad row gets its own error and the rest are still scored."""
    scorer = champion.payload
    scored, errors = score_table(scorer, pd.DataFrame.from_records(body.leads), detail=True)
    answer = ScoreResponse(
        model_version=champion.version,
        tiers=scorer.tiers.as_dict(),
        scored=scored[_SCORED].to_dict(orient="records"),
        errors=[e.to_dict() for e in errors],
    )
    return json_answer(answer)


@router.post("/pipeline", response_model=PipelineResponse, responses=_ERRORS)
def lead_pipeline(
    body: PipelineRequest, champion: LeadsChampion, settings: SettingsDep
) -> Response:
    """Expected conversions and pipeline value per quarter and segment, with 80/95% intervals."""
    try:
        as_of = pd.Timestamp(body.as_of) if body.as_of else pd.Timestamp.today().normalize()
    except ValueError:
        raise DataError(f"as_of '{body.as_of}' is not a date", "as_of") from None
    frame = pd.DataFrame.from_records(body.leads)
    table, errors, lag = pipeline_table(
        champion.payload, frame, body.by, as_of, settings.fiscal_year_start_month
    )
    answer = PipelineResponse(
        model_version=champion.version,
        by=body.by,
        as_of=str(as_of.date()),
        lag_days=lag,
        pipeline=table.to_dict(orient="records"),
        errors=[e.to_dict() for e in errors],
    )
    return json_answer(answer)
