"""Planners' plans: create from the sales champion, read, copy, compare, override, decide, track.

Every route runs one database transaction through engine/database; a stale revision or a frozen
version is a 409 whose body carries the current state, a bad field a 422 naming it.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from engine.core.calendar import parse_quarters
from engine.core.settings import Settings
from engine.database import plans, reviews
from engine.database.approvals import StepRequest
from engine.database.plan_pricing import apply_scenario, scenario_by_series
from engine.database.plans import VERSION_NAME
from engine.database.scenarios import ScenarioRepository
from engine.database.setup import Database
from engine.forecasting.quarterly import QuarterlyCache
from engine.planning.answers import plan_quarters, quarter_labels
from engine.pricing.scenario import parse_scenario
from serving.core.auth import Role
from serving.core.champions import LoadedModel
from serving.core.csv_export import CSV_RESPONSE, tabular
from serving.core.params import row_id
from serving.core.routing import OffLoopRoute
from serving.core.schemas import error_responses
from serving.deps import (
    DatabaseDep,
    Planner,
    Pricer,
    PricingChampion,
    SalesChampion,
    SettingsDep,
)
from serving.forecasting.routes import key_filters
from serving.planning.schemas import (
    ApplyScenarioIn,
    Comparison,
    Fva,
    OverrideIn,
    OverrideOut,
    PinsIn,
    PinsOut,
    PlanCreate,
    PlanInfo,
    PlanList,
    Tracking,
    VersionCells,
    VersionCopy,
    VersionInfo,
)
from serving.planning.steps import Step, add_step_routes

_ERRORS = error_responses(403, 404, 409, 422)
router = APIRouter(prefix="/plans", tags=["plans"], route_class=OffLoopRoute, responses=_ERRORS)

PlanId = Annotated[int, row_id("Plan id.")]
VersionName = Annotated[
    str,
    Path(
        pattern=VERSION_NAME.pattern,
        max_length=80,
        description="Version name, e.g. baseline.",
        examples=["baseline"],
    ),
]
LevelQuery = Annotated[
    str | None,
    Query(max_length=200, description="One level: total, region, ...", examples=["region"]),
]
QuartersQuery = Annotated[
    str | None, Query(max_length=200, description="Comma list of quarters.", examples=["2027Q1"])
]
_RESERVED = {"quarters", "level", "granularity", "version", "a", "b", "changed_only"}


def quarter_filter(text: str | None, settings: Settings) -> list[str] | None:
    """'2027Q1,2027Q2' -> labels (None: every quarter of the plan)."""
    if not text:
        return None
    return quarter_labels(parse_quarters(text, settings.fiscal_year_start_month))


@dataclass
class CellScope:
    """Which cells a read keeps: one level and some quarters (None: every one)."""

    level: str | None
    quarters: list[str] | None


def cell_scope(
    settings: SettingsDep, level: LevelQuery = None, quarters: QuartersQuery = None
) -> CellScope:
    """Dependency: the `level` and `quarters` query parameters, the quarters as labels."""
    return CellScope(level, quarter_filter(quarters, settings))


Scope = Annotated[CellScope, Depends(cell_scope)]


def cache_for(champion: LoadedModel, settings: Settings) -> QuarterlyCache:
    """The champion's quarterly cache on this server's fiscal calendar."""
    cache = champion.cache
    if cache is None or cache.fiscal_start_month != settings.fiscal_year_start_month:
        cache = QuarterlyCache.build(champion.payload, settings.fiscal_year_start_month)
    return cache


@router.post("", response_model=PlanInfo, status_code=201)
def create_plan(
    body: PlanCreate, caller: Planner, db: DatabaseDep, sales: SalesChampion, settings: SettingsDep
) -> dict[str, Any]:
    """A plan from the sales champion: version 'baseline', every level and quarter, 80/95% bands."""
    quarters = plan_quarters(body.quarters, settings.fiscal_year_start_month)
    return plans.create_plan(
        db, cache_for(sales, settings), sales.version, quarters, body.name, caller.actor
    )


@router.get("", response_model=PlanList)
def list_plans(caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """Every plan with its versions."""
    return {"plans": plans.list_plans(db)}


@router.get("/{plan_id}", response_model=PlanInfo)
def get_plan(plan_id: PlanId, caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """One plan: quarters, levels, champion version, versions and their states."""
    return plans.show_plan(db, plan_id)


@router.get("/{plan_id}/versions", response_model=list[VersionInfo])
def list_versions(plan_id: PlanId, caller: Planner, db: DatabaseDep) -> list[dict[str, Any]]:
    """A plan's versions and where each stands."""
    return plans.show_plan(db, plan_id)["versions"]


@router.post("/{plan_id}/versions", response_model=VersionInfo, status_code=201)
def copy_version(
    plan_id: PlanId, body: VersionCopy, caller: Planner, db: DatabaseDep
) -> dict[str, Any]:
    """A new draft version copied from another (numbers, pins and override history)."""
    return plans.copy_version(db, plan_id, body.copy_from, body.name, caller.actor)


@router.get("/{plan_id}/versions/{version}", response_model=VersionCells, responses=CSV_RESPONSE)
def get_cells(
    request: Request,
    plan_id: PlanId,
    version: VersionName,
    caller: Planner,
    db: DatabaseDep,
    scope: Scope,
) -> Any:
    """A version's cells; filter by level, quarters and keys (e.g. `region=North`).

    A key filter keeps the cells lying wholly inside it. `Accept: text/csv` for CSV.
    """
    answer = plans.read_cells(db, plan_id, version, scope.level, scope.quarters, filters(request))
    rows = [{**c["keys"], **{k: v for k, v in c.items() if k != "keys"}} for c in answer["cells"]]
    return tabular(request, rows, VersionCells(**answer), f"plan{plan_id}_{version}.csv")


def filters(request: Request) -> dict[str, list[str]]:
    return {k: v for k, v in key_filters(request).items() if k not in _RESERVED}


@router.get("/{plan_id}/compare", response_model=Comparison)
def compare(
    plan_id: PlanId,
    caller: Planner,
    db: DatabaseDep,
    scope: Scope,
    a: Annotated[str, Query(max_length=80, description="First version.")] = "baseline",
    b: Annotated[str, Query(max_length=80, description="Second version.")] = "baseline",
    changed_only: Annotated[bool, Query(description="Only cells that differ.")] = False,
) -> dict[str, Any]:
    """Two versions cell by cell: a, b, b - a and the percent change."""
    return plans.compare_versions(db, plan_id, a, b, scope.level, scope.quarters, changed_only)


@router.post("/{plan_id}/versions/{version}/overrides", response_model=OverrideOut)
def override(
    plan_id: PlanId,
    version: VersionName,
    body: OverrideIn,
    caller: Planner,
    db: DatabaseDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Set a cell (units or percent, with a reason); children move by baseline share, parents
    re-sum. Send the cell's `revision` to be told (409) when someone changed it meanwhile."""
    return plans.override(
        db, plan_id, version, body.to_override(), caller.actor, settings.reason_codes
    )


@router.post("/{plan_id}/versions/{version}/pins", response_model=PinsOut)
def pins(
    plan_id: PlanId, version: VersionName, body: PinsIn, caller: Planner, db: DatabaseDep
) -> dict[str, Any]:
    """Pin (hold) or unpin cells; overrides elsewhere leave pinned cells as they are."""
    return plans.set_pins(
        db, plan_id, version, body.cells, body.quarter.strip().upper(), body.pinned, caller.actor
    )


VERSION_STEPS = {
    "submit": Step(Role.planner, "Send a draft (or rejected) version for approval."),
    "approve": Step(
        Role.approver,
        "Approve a submitted version (never your own submission); it never changes again.",
    ),
    "reject": Step(Role.approver, "Send a submitted version back with a comment saying why."),
    "lock": Step(Role.approver, "Lock an approved version for good."),
}
"""A version's steps, each a POST route of its name."""


@dataclass
class VersionAt:
    """The plan version a step route's path names (FastAPI reads these field types as
    objects, so this module does not postpone annotations)."""

    plan_id: PlanId
    version: VersionName


def take_version_step(db: Database, at: VersionAt, request: StepRequest) -> dict[str, Any]:
    """A version's step as its route (and the plan page's form) takes it."""
    return plans.transition(db, at.plan_id, at.version, request)


add_step_routes(
    router,
    "/{plan_id}/versions/{version}",
    VERSION_STEPS,
    VersionAt,
    take_version_step,
    VersionInfo,
)


@router.get("/{plan_id}/tracking", response_model=Tracking)
def tracking(
    plan_id: PlanId,
    caller: Planner,
    db: DatabaseDep,
    scope: Scope,
    version: Annotated[
        str | None, Query(max_length=80, description="Default: the approved version.")
    ] = None,
) -> dict[str, Any]:
    """Actual vs plan vs forecast, the run rate projected to quarter end, early warnings."""
    return reviews.tracking(db, plan_id, version, scope.level, scope.quarters)


@router.get("/{plan_id}/fva", response_model=Fva)
def fva(plan_id: PlanId, caller: Planner, db: DatabaseDep) -> dict[str, Any]:
    """Forecast value added: naive vs statistical vs approved plan, per level and reason."""
    return reviews.forecast_value_added(db, plan_id)


@router.post("/{plan_id}/scenarios", response_model=VersionInfo, status_code=201)
def apply_pricing(
    plan_id: PlanId,
    body: ApplyScenarioIn,
    caller: Pricer,
    db: DatabaseDep,
    sales: SalesChampion,
    pricing: PricingChampion,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Apply a saved pricing scenario as a new version: units, revenue and margin per cell."""
    scenario = parse_scenario(ScenarioRepository(db).get(body.scenario)["scenario"])
    show = plans.show_plan(db, plan_id)
    hierarchy = plans.hierarchy_for(db, plan_id)
    effect = scenario_by_series(
        hierarchy, sales.payload, pricing.payload, scenario, show["fiscal_start_month"]
    )
    return apply_scenario(db, plan_id, body.base, body.name, body.scenario, effect, caller.actor)
