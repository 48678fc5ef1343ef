"""Model lifecycle shapes for data scientists: versions, champions, alias moves."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class VersionSummary(BaseModel):
    """One registered version: metrics, training data range and when it was trained."""

    version: str = Field(examples=["4"])
    aliases: list[str]
    is_champion: bool
    run_id: str | None
    trained_at: str | None = Field(description="ISO time the version was registered.")
    data_start: str | None = Field(description="First date of the training data.")
    data_end: str | None = Field(description="Last date of the training data.")
    model: str | None
    metrics: dict[str, float]


class FamilyModels(BaseModel):
    """A family's champion and its recent challengers, newest first."""

    family: str = Field(examples=["sales"])
    registered_model: str
    loaded_version: str | None = Field(description="Version this server is answering from.")
    champion: VersionSummary | None
    challengers: list[VersionSummary]
    n_versions: int


class ModelsResponse(BaseModel):
    families: list[FamilyModels]


class PromoteRequest(BaseModel):
    """Which version becomes champion; dry_run shows the comparison without moving anything."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"version": "2", "dry_run": True}, {"version": "2"}]},
    )

    version: str = Field(min_length=1, max_length=20, pattern=r"^\d+$")
    dry_run: bool = False


class RollbackRequest(BaseModel):
    """Roll back to `version`, or (when omitted) undo the last champion move."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"dry_run": True}]})

    version: str | None = Field(default=None, min_length=1, max_length=20, pattern=r"^\d+$")
    dry_run: bool = False


class MetricComparison(BaseModel):
    metric: str
    champion: float | None
    challenger: float | None
    difference: float | None = Field(description="challenger minus champion")


class AliasMoveResponse(BaseModel):
    """What happened to the champion alias, with the metrics it was decided on."""

    family: str
    action: str = Field(examples=["promote"])
    previous_champion: str | None
    champion: str | None
    target: str
    moved: bool
    dry_run: bool
    loaded_version: str | None = Field(description="Version this server now answers from.")
    comparison: list[MetricComparison]
    message: str


class ChampionMoveRecord(BaseModel):
    """One move of the champion alias."""

    seq: int = Field(description="Move number within the family, counting from 1.")
    family: str
    at: str | None = Field(
        description="ISO time of the move (null for moves recorded before the history existed)."
    )
    who: str = Field(
        description="Who moved it: 'api key <id> (<role>)', 'cli (<user>)' or 'training run <id>'.",
        examples=["api key 1f2e3d4c (data_scientist)"],
    )
    action: str = Field(description="train, promote or rollback.", examples=["promote"])
    from_version: str | None = Field(description="Champion before the move (null: none).")
    to_version: str = Field(description="Champion after the move.")
    reason: str
    undoes: int | None = Field(description="For a rollback: the seq of the move it undid.")
    undone: bool = Field(description="A later rollback undid this move.")


class ChampionHistoryResponse(BaseModel):
    """A family's champion and the moves that led there, newest first."""

    family: str
    champion: str | None
    moves: list[ChampionMoveRecord]
