"""Liveness and readiness; both stay open without an API key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from engine.core.families import FAMILIES
from serving.deps import ChampionsDep

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    """Ready when every model family has a loaded champion; which ones are loaded."""

    ready: bool
    loaded: list[str] = Field(examples=[["leads", "pricing", "sales"]])
    versions: dict[str, str] = Field(examples=[{"sales": "3", "leads": "1", "pricing": "2"}])


@router.get("/health")
async def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Some family has no champion yet."}},
)
async def ready(champions: ChampionsDep) -> JSONResponse:
    """200 when every family has a loaded champion, else 503 (same body) for load balancers."""
    versions = champions.versions()
    body = Readiness(
        ready=set(versions) == set(FAMILIES), loaded=sorted(versions), versions=versions
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)
