"""Reps and lead allocation: sales keeps its reps (territories, segments, capacity), proposes
an allocation of the open leads, and a sales manager (team sales, role approver or above)
accepts it; only then do owners change. Every step is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from engine.core.errors import ConflictError, ForbiddenError, NoChampionError
from engine.database import lead_allocation
from engine.database.lead_allocation import AllocationRequest
from serving.core.auth import Caller, Team
from serving.core.json_answer import json_answer
from serving.core.params import row_id
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import ChampionsDep, DatabaseDep, Planner, Role, SettingsDep
from serving.leads.schemas import AcceptIn, AllocationIn, AllocationOut, RepIn, RepList, RepOut

_ERRORS = error_responses(403, 404, 409, 422)
router = APIRouter(prefix="/leads", tags=["lead loop"], route_class=OffLoopRoute, responses=_ERRORS)

RepName = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$")]
AllocationId = Annotated[int, row_id("Allocation id.")]


def sales_only(caller: Caller, doing: str) -> None:
    """Team sales (or a data scientist) manages reps and allocations."""
    if caller.team != Team.sales and not caller.role.allows(Role.data_scientist):
        raise ForbiddenError(f"{doing} needs a key of team sales", "team")


@router.put("/reps/{name}", response_model=RepOut)
def put_rep(
    name: RepName, body: RepIn, caller: Planner, db: DatabaseDep, settings: SettingsDep
) -> Response:
    """Create or change a rep (audited)."""
    sales_only(caller, "changing reps")
    if body.webhook_url and not settings.lead_webhook_secret:
        raise ConflictError(
            "this server has no LODESTAR_LEAD_WEBHOOK_SECRET to sign alert webhooks with; "
            "set it, or leave webhook_url empty (alerts then wait in the inbox)",
            "webhook_url",
        )
    done = lead_allocation.put_rep(
        db,
        name,
        body.territories,
        body.segments,
        body.weekly_capacity,
        body.webhook_url,
        body.active,
        caller.actor,
    )
    return json_answer(RepOut(**done))


@router.get("/reps", response_model=RepList)
def get_reps(caller: Planner, db: DatabaseDep) -> Response:
    """Every rep."""
    return json_answer(RepList(reps=[RepOut(**r) for r in lead_allocation.list_reps(db)]))


@router.post("/allocations", response_model=AllocationOut, status_code=201)
def propose(
    body: AllocationIn,
    caller: Planner,
    db: DatabaseDep,
    settings: SettingsDep,
    champions: ChampionsDep,
) -> Response:
    """Propose an allocation of the open, unowned leads maximising expected pipeline value."""
    sales_only(caller, "proposing an allocation")
    try:
        lag = float(champions.get("leads").payload.info.get("lag_days", 0.0))
    except NoChampionError:
        lag = 0.0
    request = AllocationRequest(**body.model_dump())
    made = lead_allocation.propose(db, request, caller.actor, lag, settings.fiscal_year_start_month)
    return json_answer(AllocationOut(**made), status_code=201)


@router.get("/allocations/{allocation_id}", response_model=AllocationOut)
def get_allocation(allocation_id: AllocationId, caller: Planner, db: DatabaseDep) -> Response:
    """A proposal or accepted allocation with its items and summary."""
    return json_answer(AllocationOut(**lead_allocation.get_allocation(db, allocation_id)))


@router.post("/allocations/{allocation_id}/accept", response_model=AllocationOut)
def accept(
    allocation_id: AllocationId, body: AcceptIn, caller: Planner, db: DatabaseDep
) -> Response:
    """A sales manager (team sales, approver or above) accepts: leads get their reps."""
    if caller.team != Team.sales or not caller.role.allows(Role.approver):
        raise ForbiddenError(
            "accepting an allocation needs a sales manager: a key of team sales with role "
            "approver or above",
            "team",
        )
    done = lead_allocation.accept(db, allocation_id, caller.actor, body.comment)
    return json_answer(AllocationOut(**done))
