"""Workflow steps over HTTP: per step the least role and what it does, one table per workflow
that the /v1 routes and the Workbench pages both read (the engine decides the rest), and the
POST route each step gets.

No `from __future__ import annotations` here: a route's caller dependency is built per step,
so its annotations must be objects when FastAPI reads them, not names to look up.
"""

from collections.abc import Callable, Mapping
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends

from engine.database.approvals import StepRequest
from engine.database.setup import Database
from serving.core.auth import Caller, Role
from serving.deps import DatabaseDep, require_role
from serving.planning.schemas import Decision


class Step(NamedTuple):
    """A workflow step's least role and its route's one-line summary."""

    role: Role
    summary: str


def add_step_routes(
    router: APIRouter,
    path: str,
    steps: Mapping[str, Step],
    target: type,
    take: Callable[[Database, Any, StepRequest], dict[str, Any]],
    response_model: type,
) -> None:
    """POST `path`/<action> for each step, open to the step's role and above: `target` (a
    class of the path's parameters) names the row, `take(db, target, request)` moves it."""
    for action, step in steps.items():
        router.add_api_route(
            f"{path}/{action}",
            _step_endpoint(action, step.role, target, take),
            methods=["POST"],
            name=action,
            description=step.summary,
            response_model=response_model,
        )


def _step_endpoint(
    action: str,
    role: Role,
    target: type,
    take: Callable[[Database, Any, StepRequest], dict[str, Any]],
) -> Callable[..., dict[str, Any]]:
    def take_step(
        where: Annotated[target, Depends()],  # type: ignore[valid-type]
        caller: Annotated[Caller, Depends(require_role(role))],
        db: DatabaseDep,
        body: Decision | None = None,
    ) -> dict[str, Any]:
        return take(db, where, (body or Decision()).by(action, caller.actor))

    return take_step
