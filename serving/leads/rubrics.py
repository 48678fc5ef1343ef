"""The points rubric over HTTP: propose a version, read them, and sign one off per team.

A key of team marketing or sales signs for its team; a version is active once both have signed.
Creating a version needs a team key (or a data scientist); reading needs any planner key.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from engine.core.errors import ForbiddenError
from engine.database import lead_rubrics
from engine.leads.rubric import rubric_from_dict
from serving.core.auth import Caller
from serving.core.json_answer import json_answer
from serving.core.params import row_id
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import DatabaseDep, Planner, Role
from serving.leads.schemas import RubricIn, RubricList, RubricVersion, SignOffIn

_ERRORS = error_responses(403, 404, 409, 422)
router = APIRouter(
    prefix="/leads/rubrics", tags=["lead loop"], route_class=OffLoopRoute, responses=_ERRORS
)

VersionId = Annotated[int, row_id("Rubric version.")]


def team_of(caller: Caller, doing: str) -> str:
    """The caller's team (marketing or sales); a key without one may not do this."""
    if not caller.team:
        raise ForbiddenError(
            f"{doing} needs a key of team marketing or sales; this key has no team", "team"
        )
    return caller.team


@router.get("", response_model=RubricList)
def list_rubrics(caller: Planner, db: DatabaseDep) -> Response:
    """Every rubric version, newest first, and which one is active."""
    found = lead_rubrics.active_rubric(db)
    return json_answer(
        RubricList(
            active=found[0] if found else None,
            rubrics=[RubricVersion(**r) for r in lead_rubrics.list_rubrics(db)],
        )
    )


@router.post("", response_model=RubricVersion, status_code=201)
def create_rubric(body: RubricIn, caller: Planner, db: DatabaseDep) -> Response:
    """Store a new draft version; it needs a marketing and a sales sign-off to become active."""
    team = caller.team
    if not team and not caller.role.allows(Role.data_scientist):
        team_of(caller, "proposing a rubric")
    rubric = rubric_from_dict(body.rubric)
    made = lead_rubrics.create_rubric(
        db, rubric, caller.actor, team, "hand", body.based_on, body.note
    )
    return json_answer(RubricVersion(**made), status_code=201)


@router.get("/{version}", response_model=RubricVersion)
def get_rubric(version: VersionId, caller: Planner, db: DatabaseDep) -> Response:
    """One version: document, status, who made it and who signed."""
    return json_answer(RubricVersion(**lead_rubrics.get_rubric(db, version)))


@router.post("/{version}/sign-off", response_model=RubricVersion)
def sign_off(version: VersionId, body: SignOffIn, caller: Planner, db: DatabaseDep) -> Response:
    """Sign a draft for the caller's team; with both teams signed it becomes the active one."""
    team = team_of(caller, "signing a rubric off")
    done = lead_rubrics.sign_off(db, version, team, caller.actor, body.comment)
    return json_answer(RubricVersion(**done))
