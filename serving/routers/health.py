"""Liveness and readiness; both stay open without an API key."""

from __future__ import annotations

from fastapi import APIRouter

from engine.store import FAMILIES
from serving.deps import ChampionsDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/ready")
def ready(champions: ChampionsDep) -> dict[str, object]:
    """Which families have a loaded champion (ready when all do)."""
    loaded = champions.loaded_families()
    return {"ready": set(loaded) == set(FAMILIES), "loaded": loaded}
