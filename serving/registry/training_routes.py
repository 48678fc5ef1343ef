"""Data scientists start retraining runs in the background and follow their status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from engine.core.errors import DataError
from serving.core.routing import OffLoopRoute
from serving.core.schemas import ErrorBody
from serving.registry.data_roots import allowed_file, names_a_file
from serving.registry.training_runs import TrainingRuns
from serving.registry.training_schemas import TrainingRequest, TrainingRunList, TrainingRunStatus

RUN_ID = r"^[0-9a-f]{12}$"
"""The ids TrainingRuns hands out; the schema says so, and any other id is a 422."""

router = APIRouter(prefix="/training", tags=["training"], route_class=OffLoopRoute)


def _runs(request: Request) -> TrainingRuns:
    return request.app.state.training_runs


@router.post(
    "/runs",
    status_code=202,
    response_model=TrainingRunStatus,
    responses={
        202: {
            "description": "Queued; follow it by its id.",
            "links": {
                "RunStatus": {
                    "operationId": "get_training_run",
                    "parameters": {"run_id": "$response.body#/id"},
                }
            },
        },
        404: {"model": ErrorBody},
        422: {"model": ErrorBody},
    },
)
def start_run(request: Request, body: TrainingRequest) -> TrainingRunStatus:
    """Queue a training run (`lodestar train` in a child process); poll its status by id.

    `data` (and `columns` when it names a TOML file) must lie under the server's data
    folders (LODESTAR_DATA_ROOTS); any other path is refused before the file is looked at.
    """
    keys = [k.strip() for k in body.keys or [] if k.strip()]
    if any("," in k or k.startswith("-") for k in keys):
        raise DataError("a key column name cannot contain ',' or start with '-'", "keys")
    if body.models is not None and body.family != "sales":
        raise DataError("models applies to the sales family only", "models")
    roots = request.app.state.settings.training_data_roots
    data = allowed_file(body.data, roots, "data")
    columns = body.columns
    if columns and names_a_file(columns):
        columns = str(allowed_file(columns, roots, "columns"))
    run = _runs(request).submit(
        body.family, str(data), columns, keys or None, body.force, body.models
    )
    return TrainingRunStatus(**run.to_dict())


@router.get("/runs", response_model=TrainingRunList)
def list_runs(request: Request) -> TrainingRunList:
    """Recent runs started on this server, newest first."""
    return TrainingRunList(runs=[TrainingRunStatus(**r.to_dict()) for r in _runs(request).all()])


@router.get(
    "/runs/{run_id}",
    response_model=TrainingRunStatus,
    responses={404: {"model": ErrorBody}},
    operation_id="get_training_run",
)
def get_run(
    request: Request,
    run_id: Annotated[
        str,
        Path(
            pattern=RUN_ID,
            description="Run id, as returned when the run was started.",
            examples=["3f2a9c1b7d4e"],
        ),
    ],
) -> TrainingRunStatus:
    """Status of one run: queued, running, succeeded (with the version), failed (why), or
    interrupted (the server stopped before the run finished)."""
    return TrainingRunStatus(**_runs(request).get(run_id).to_dict())
