"""Data scientists' model lifecycle: champions and challengers, promotion and rollback."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from engine.database.audit import record_champion_move
from engine.registry import lifecycle
from serving.core.schemas import ErrorBody
from serving.deps import ChampionsDep, DatabaseDep, StoreDep
from serving.registry.schemas import (
    AliasMoveResponse,
    ModelsResponse,
    PromoteRequest,
    RollbackRequest,
)

router = APIRouter(prefix="/models", tags=["models"])

Family = Annotated[Literal["sales", "leads", "pricing"], Path(description="Model family.")]
_ERRORS = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}


@router.get("", response_model=ModelsResponse)
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


def _answer(move: lifecycle.AliasMove, champions: ChampionsDep) -> AliasMoveResponse:
    return AliasMoveResponse(**move.to_dict(), loaded_version=champions.versions().get(move.family))


@router.post("/{family}/promote", response_model=AliasMoveResponse, responses=_ERRORS)
async def promote(
    family: Family,
    body: Annotated[PromoteRequest, Body()],
    store: StoreDep,
    champions: ChampionsDep,
    request: Request,
    db: DatabaseDep,
) -> AliasMoveResponse:
    """Make a version champion (dry_run: only show champion-vs-challenger metrics).

    The version is loaded before the alias moves, and this server swaps to it at once.
    """
    move = await run_in_threadpool(
        lifecycle.move_champion,
        store,
        family,
        body.version,
        "promote",
        body.dry_run,
        champions.load_payload,
        champions.install,
    )
    await run_in_threadpool(record_champion_move, db, request.state.caller.actor, move.to_dict())
    return _answer(move, champions)


@router.post("/{family}/rollback", response_model=AliasMoveResponse, responses=_ERRORS)
async def rollback(
    family: Family,
    store: StoreDep,
    champions: ChampionsDep,
    request: Request,
    db: DatabaseDep,
    body: Annotated[RollbackRequest | None, Body()] = None,
) -> AliasMoveResponse:
    """Move the champion back to `version`, or to the newest version before the champion."""
    body = body or RollbackRequest()

    def run() -> lifecycle.AliasMove:
        target = body.version or lifecycle.rollback_target(store, family)
        return lifecycle.move_champion(
            store,
            family,
            target,
            "rollback",
            body.dry_run,
            champions.load_payload,
            champions.install,
        )

    move = await run_in_threadpool(run)
    await run_in_threadpool(record_champion_move, db, request.state.caller.actor, move.to_dict())
    return _answer(move, champions)
