"""Liveness and readiness; both stay open without an API key."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from engine.core.families import FAMILIES
from serving.deps import ChampionsDep

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    """Ready when every model family has a loaded champion; degraded when the store is broken."""

    ready: bool
    degraded: bool = Field(
        description="The model store cannot be read or written (or model files are missing): "
        "loaded champions keep answering, but nothing can be promoted, listed or trained."
    )
    problems: list[str] = Field(
        description="What is wrong with the model store, with the store's own reason.",
        examples=[
            [
                "the model store cannot move the sales champion to v2: attempt to write a "
                "readonly database (since 2027-01-04T09:00:00+00:00)"
            ]
        ],
    )
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
    """200 when every family has a loaded champion, else 503 (same body) for load balancers.

    A broken model store does not make a server with its champions loaded unready (it still
    answers); `degraded` and `problems` say what is wrong.
    """
    versions = champions.versions()
    problems = [str(problem) for problem in champions.store.health.problems()]
    body = Readiness(
        ready=set(versions) == set(FAMILIES),
        degraded=bool(problems),
        problems=problems,
        loaded=sorted(versions),
        versions=versions,
    )
    return JSONResponse(body.model_dump(), status_code=200 if body.ready else 503)
