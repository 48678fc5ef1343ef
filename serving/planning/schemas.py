"""Request and response shapes of plans, actuals, price lists and the audit trail."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from engine.database.approvals import StepRequest
from engine.database.plans import Override
from engine.pricing.scenario import RecommendationRequest

CellKeys = dict[str, str]
_CELL_HELP = "The cell's level keys: {} is the total, {'region': 'North'} a region, and so on."
_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanCreate(Strict):
    """A new plan from the sales champion."""

    name: str = Field(min_length=1, max_length=120, examples=["FY27 plan"])
    quarters: str = Field(
        max_length=200,
        description="A range '2027Q1..2027Q4' or a list '2027Q1,2027Q2' (fiscal quarters).",
        examples=["2027Q1..2027Q4"],
    )


class VersionInfo(BaseModel):
    """Where a version stands and who moved it there."""

    name: str
    state: str
    revision: int
    source: str
    created_by: str
    created_at: str
    copied_from: str | None = None
    scenario_id: str | None = None
    submitted_by: str | None = None
    submitted_at: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    decision_comment: str | None = None
    locked_by: str | None = None
    locked_at: str | None = None


class PlanInfo(BaseModel):
    """A plan: its quarters, levels, the champion it came from and its versions."""

    id: int
    name: str
    quarters: list[str]
    champion_version: str
    fiscal_start_month: int
    levels: list[str]
    series: int
    created_by: str
    created_at: str
    versions: list[VersionInfo]


class PlanList(BaseModel):
    plans: list[PlanInfo]


class CellPlace(BaseModel):
    """Where a cell sits: its level, its keys at that level and its quarter."""

    level: str
    keys: CellKeys
    quarter: str


class VersionAnswer(BaseModel):
    """An answer about one version of a plan."""

    plan_id: int
    version: VersionInfo


class Cell(CellPlace):
    """One number of a version, with the statistical forecast and its bands beside it."""

    value: float
    baseline: float
    lo_80: float
    hi_80: float
    lo_95: float
    hi_95: float
    pinned: bool
    revision: int
    revenue: float | None = None
    margin: float | None = None


class VersionCells(VersionAnswer):
    cells: list[Cell]


class VersionCopy(Strict):
    """A new version copied from an existing one."""

    name: str = Field(pattern=_NAME, examples=["north-push"])
    copy_from: str = Field(default="baseline", max_length=80)


class OverrideIn(Strict):
    """A new number for one cell: `value` (units) or `percent` (change), with a reason."""

    cell: CellKeys = Field(description=_CELL_HELP, examples=[{"region": "North"}])
    quarter: str = Field(max_length=10, examples=["2027Q1"])
    value: float | None = Field(default=None, ge=0, le=1e15)
    percent: float | None = Field(default=None, gt=-100, le=10000, examples=[5.0])
    reason: str = Field(max_length=80, examples=["promotion"])
    comment: str = Field(default="", max_length=2000)
    revision: int | None = Field(
        default=None, ge=1, description="The cell's revision you read; a stale one gets 409."
    )
    pins: list[CellKeys] = Field(
        default_factory=list, max_length=200, description="Cells to pin (hold) first."
    )

    @model_validator(mode="after")
    def _one_of(self) -> OverrideIn:
        if (self.value is None) == (self.percent is None):
            raise ValueError("give exactly one of 'value' or 'percent'")
        return self

    def to_override(self) -> Override:
        """The engine's override as asked (the quarter label upper-cased, as the engine keys it)."""
        return Override(**{**self.model_dump(), "quarter": self.quarter.strip().upper()})


class OverrideOut(BaseModel):
    plan_id: int
    version: str
    version_revision: int
    before: float
    after: float
    cells_changed: int
    cell: Cell


class PinsIn(Strict):
    """Pin (hold) or unpin cells of one quarter."""

    cells: list[CellKeys] = Field(min_length=1, max_length=200)
    quarter: str = Field(max_length=10, examples=["2027Q1"])
    pinned: bool = True


class PinsOut(BaseModel):
    version: VersionInfo
    cells: list[str]


class Decision(Strict):
    """Submit, approve, reject or lock, with a comment (required to reject)."""

    comment: str = Field(default="", max_length=2000)
    revision: int | None = Field(default=None, ge=1, description="The version's revision read.")

    def by(self, action: str, actor: str) -> StepRequest:
        """The engine's request when `actor` takes `action` with this comment and revision."""
        return StepRequest(action, actor, self.comment, self.revision)


class CompareCell(CellPlace):
    a: float
    b: float
    difference: float
    percent: float | None


class Comparison(BaseModel):
    plan_id: int
    a: str
    b: str
    cells: list[CompareCell]


class TrackingCell(CellPlace):
    """Actual vs plan vs forecast for one cell, with the run rate projected to quarter end."""

    plan: float
    forecast: float
    plan_lo_80: float
    plan_hi_80: float
    actual_to_date: float
    days_covered: float
    days_in_quarter: float
    projection: float | None
    variance: float | None
    variance_pct: float | None
    status: Literal["not started", "in progress", "complete"]
    warning: bool
    series_reporting: int
    series_total: int


class Tracking(VersionAnswer):
    warnings: int
    cells: list[TrackingCell]


class FvaLevel(BaseModel):
    level: str
    quarter: str
    cells: int
    actual: float
    naive_wape: float | None
    forecast_wape: float | None
    plan_wape: float | None
    forecast_value_added: float | None
    plan_value_added: float | None


class FvaReason(BaseModel):
    reason: str
    cells: int
    forecast_wape: float | None
    plan_wape: float | None
    plan_value_added: float | None
    cells_improved: int


class Fva(VersionAnswer):
    quarters_with_actuals: list[str]
    levels: list[FvaLevel]
    reasons: list[FvaReason]


class ApplyScenarioIn(Strict):
    """Apply a saved pricing scenario to a plan version, as a new version."""

    scenario: str = Field(pattern=_NAME, description="Saved scenario name.")
    name: str = Field(pattern=_NAME, description="Name of the new version.")
    base: str = Field(default="baseline", max_length=80, description="Version to start from.")


class ActualsIn(Strict):
    """Actual sales rows, checked exactly like training data."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=200_000)
    columns: dict[str, str] = Field(
        default_factory=dict,
        max_length=50,
        description="Contract name -> your column name, e.g. {'date': 'week'}.",
    )


class ActualsOut(BaseModel):
    rows: int
    series: int
    first_date: str
    last_date: str
    keys: list[str]


class AuditLine(BaseModel):
    """Who, when, what (before → after) and why."""

    id: int
    at: str
    actor: str
    action: str
    plan_id: int | None = None
    version: str | None = None
    cell: str | None = None
    before: str | None = None
    after: str | None = None
    reason: str | None = None
    comment: str | None = None
    price_list_id: int | None = None
    scenario_id: str | None = None
    family: str | None = None
    detail: dict[str, Any] | None = None


class AuditOut(BaseModel):
    events: list[AuditLine]


class ManualPrice(Strict):
    product: str = Field(min_length=1, max_length=120)
    price: float = Field(gt=0, lt=1e9)


class PriceListCreate(Strict):
    """A draft price list: from recommendations (a request) or hand-set prices."""

    name: str = Field(min_length=1, max_length=120)
    recommendation: RecommendationRequest | None = None
    prices: list[ManualPrice] | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _one_source(self) -> PriceListCreate:
        if (self.recommendation is None) == (self.prices is None):
            raise ValueError("give exactly one of 'recommendation' or 'prices'")
        return self


class PriceItem(BaseModel):
    product: str
    current_price: float
    new_price: float
    change_pct: float
    unit_change: float | None
    revenue_change: float | None
    margin_change: float | None
    binding: str


class PriceListInfo(BaseModel):
    id: int
    name: str
    state: str
    revision: int
    source: str
    pricing_model_version: str | None = None
    sales_model_version: str | None = None
    objective: str | None = None
    created_by: str
    created_at: str
    submitted_by: str | None = None
    decided_by: str | None = None
    decision_comment: str | None = None
    published_by: str | None = None
    published_at: str | None = None
    items: list[PriceItem] = Field(default_factory=list)


class PriceLists(BaseModel):
    price_lists: list[PriceListInfo]
