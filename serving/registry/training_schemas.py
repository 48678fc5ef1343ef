"""Shapes for background training runs started by data scientists."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainingRequest(BaseModel):
    """Train a family on a history file that the server can read."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"family": "sales", "data": ".lodestar/demo/sales.csv", "models": "fast"}]
        },
    )

    family: Literal["sales", "leads", "pricing"]
    data: str = Field(
        min_length=1,
        max_length=4096,
        description="Path on the server, under one of its data folders (LODESTAR_DATA_ROOTS).",
    )
    columns: str | None = Field(
        default=None,
        max_length=4096,
        pattern=r"^[^\x00-\x1f]*$",
        description="Map contract names to yours: date=week,units=move (or a TOML file under "
        "the data folders).",
        examples=["date=week,units=qty"],
    )
    keys: list[str] | None = Field(
        default=None,
        max_length=20,
        description="Series key columns.",
        examples=[["region", "store", "product"]],
    )
    force: bool = Field(default=False, description="Promote even if it does not beat the champion.")
    models: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^[a-z_]+(,[a-z_]+)*$",
        description="Sales only: model selection (fast, standard, full, baseline or a comma list).",
        examples=["fast"],
    )


class TrainingRunStatus(BaseModel):
    """Where a run stands; `version` is the registered version once it succeeded."""

    id: str
    family: str
    data: str
    status: Literal["queued", "running", "succeeded", "failed", "interrupted"] = Field(
        description="interrupted: the server stopped or restarted before the run finished, so "
        "its outcome was not recorded (see `message`)."
    )
    created_at: str
    started_at: str | None
    finished_at: str | None
    exit_code: int | None
    version: str | None
    message: str


class TrainingRunList(BaseModel):
    runs: list[TrainingRunStatus]
