"""Lead scores for marketing and sales, and the pipeline they imply for planners."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Depends, Response

from engine.core.errors import DataError
from engine.database.lead_rubrics import active_rubric
from engine.database.setup import Database
from engine.leads.answers import pipeline_table, score_both
from engine.leads.tiering import ActiveRubric, deciding_source
from serving.core.json_answer import json_answer
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import DatabaseDep, LeadsChampion, Role, SettingsDep, require_role
from serving.leads.schemas import (
    PipelineRequest,
    PipelineResponse,
    ScoreRequest,
    ScoreResponseBoth,
)

_ERRORS = error_responses(409, 422)
router = APIRouter(
    prefix="/leads",
    tags=["leads"],
    dependencies=[Depends(require_role(Role.planner))],
    route_class=OffLoopRoute,
    responses=_ERRORS,
)

_SCORED = ["row", "lead_id", "probability", "score", "tier", "reasons"]
_SCORED += [f"reason_{k}" for k in (1, 2, 3)] + ["base_score", "other_points"]
_SCORED += ["model_tier", "points", "decay", "rubric_version", "rubric_tier", "rules_fired"]
_SCORED += ["tier_source"]


def signed_rubric(db: Database) -> ActiveRubric | None:
    """The rubric both teams signed, if any."""
    found = active_rubric(db)
    return ActiveRubric(*found) if found is not None else None


@router.post("/score", response_model=ScoreResponseBoth)
def score_leads(
    body: ScoreRequest, champion: LeadsChampion, settings: SettingsDep, db: DatabaseDep
) -> Response:
    """Score a batch of leads: the model's probability and reasons, the active rubric's points
    and the rules that fired, and the tier from whichever the deployment names; a bad row gets
    its own error and the rest are still scored."""
    scorer = champion.payload
    active = signed_rubric(db)
    frame = pd.DataFrame.from_records(body.leads)
    scored, errors = score_both(scorer, frame, active, settings.lead_tier_source, detail=True)
    answer = ScoreResponseBoth(
        model_version=champion.version,
        tiers=scorer.tiers.as_dict(),
        scored=scored[_SCORED].to_dict(orient="records"),
        errors=[e.to_dict() for e in errors],
        rubric=({"version": active.version, **active.rubric.to_dict()} if active else None),
        tier_source=deciding_source(settings.lead_tier_source, active),
    )
    return json_answer(answer)


@router.post("/pipeline", response_model=PipelineResponse)
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
