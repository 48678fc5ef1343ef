"""Data scientists' model lifecycle: champions and challengers, promotion, rollback, history.

Every move records who made it: the API key's id and role (the key's name once keys have
names), so `GET /v1/models/{family}/history` answers who moved the champion, when and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from engine.database.audit import record_champion_move
from engine.database.setup import Database
from engine.registry import lifecycle
from serving.core.champions import ChampionRegistry
from serving.core.routing import OffLoopRoute
from serving.core.schemas import ErrorBody, error_responses
from serving.deps import ChampionsDep, DatabaseDep, StoreDep
from serving.registry.schemas import (
    AliasMoveResponse,
    ChampionHistoryResponse,
    ModelsResponse,
    PromoteRequest,
    RollbackRequest,
)

router = APIRouter(prefix="/models", tags=["models"], route_class=OffLoopRoute)

Family = Annotated[
    Literal["sales", "leads", "pricing"], Path(description="Model family.", examples=["sales"])
]
_ERRORS = {
    **error_responses(404, 409, 422),
    503: {"model": ErrorBody, "description": "The model store cannot be read or written."},
}


@router.get("", response_model=ModelsResponse, responses={503: _ERRORS[503]})
async def list_models(
    store: StoreDep,
    champions: ChampionsDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Challengers per family.")] = 10,
) -> ModelsResponse:
    """Each family's champion and recent challengers: version, metrics, data range, trained at."""
    families = await run_in_threadpool(lifecycle.overview, store, limit)
    loaded = champions.versions()
    for fam in families:
        fam["loaded_version"] = loaded.get(fam["family"])
    return ModelsResponse(families=families)


def caller_name(request: Request) -> str:
    """Who is calling, for the champion history: the key's name (or id) and its role."""
    caller = getattr(request.state, "caller", None)
    if caller is None or caller.key_id == "open":
        return "api (open: no API keys configured)"
    return f"api key {caller.actor} ({caller.role.value})"


def _move(
    request: Request,
    champions: ChampionRegistry,
    db: Database,
    move_alias: Callable[..., lifecycle.AliasMove],
    *args: Any,
) -> AliasMoveResponse:
    """Run a lifecycle move with this server's loader and installer (so it serves the new
    champion at once), audit it and answer with the version now loaded; blocking, so the
    routes calling it are sync (they run in the thread pool)."""
    move = move_alias(*args, champions.load_payload, champions.install, caller_name(request))
    record_champion_move(db, request.state.caller.actor, move.to_dict())
    return AliasMoveResponse(**move.to_dict(), loaded_version=champions.versions().get(move.family))


_UNDO = {
    200: {
        "description": "The champion moved (or, with dry_run, would move).",
        "links": {
            "RollBack": {
                "operationId": "rollback_champion",
                "parameters": {"family": "$request.path.family"},
            }
        },
    }
}
"""OpenAPI link: a promotion can be undone by a rollback of the same family."""


@router.post("/{family}/promote", response_model=AliasMoveResponse, responses={**_ERRORS, **_UNDO})
def promote(
    request: Request,
    family: Family,
    body: Annotated[PromoteRequest, Body()],
    store: StoreDep,
    champions: ChampionsDep,
    db: DatabaseDep,
) -> AliasMoveResponse:
    """Make a version champion (dry_run: only show champion-vs-challenger metrics).

    The version is loaded before the alias moves, and this server swaps to it at once.
    """
    return _move(
        request,
        champions,
        db,
        lifecycle.move_champion,
        store,
        family,
        body.version,
        "promote",
        body.dry_run,
    )


@router.post(
    "/{family}/rollback",
    response_model=AliasMoveResponse,
    responses=_ERRORS,
    operation_id="rollback_champion",
)
def rollback(
    request: Request,
    family: Family,
    store: StoreDep,
    champions: ChampionsDep,
    db: DatabaseDep,
    body: Annotated[RollbackRequest | None, Body()] = None,
) -> AliasMoveResponse:
    """Undo the last champion move (see the history), or move back to `version`."""
    body = body or RollbackRequest()
    return _move(
        request, champions, db, lifecycle.rollback, store, family, body.version, body.dry_run
    )


@router.get(
    "/{family}/history",
    response_model=ChampionHistoryResponse,
    responses={503: _ERRORS[503]},
)
async def champion_history(
    family: Family,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Most recent moves to return.")] = 50,
) -> ChampionHistoryResponse:
    """Every move of the family's champion, newest first: when, who, action, from, to, why."""
    view = await run_in_threadpool(lifecycle.history_view, store, family, limit)
    return ChampionHistoryResponse(**view)
