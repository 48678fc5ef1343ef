"""Planners' plan pages: the plan list, a plan's quarters by level with drill-down, overrides,
version compare, submit / approve / reject / lock, tracking against actuals, forecast value added.

Every read and write goes through the `engine.database` repository functions the /v1/plans
routes call, with the same arguments, so a page shows the API's numbers and the engine decides
every rule (roles are checked here too, and the API keeps enforcing them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import QueryParams

from engine.core.calendar import parse_quarter, quarter_label
from engine.core.errors import ConflictError, DataError, LodestarError, NotFoundError
from engine.core.intervals import BAND_COLUMNS
from engine.database import plans, reviews
from engine.database.plans import TRANSITIONS, Override
from engine.database.setup import Database
from engine.forecasting.answers import forecast_rows
from engine.forecasting.quarterly import QuarterQuery
from engine.planning.answers import EDITABLE, plan_quarters
from engine.planning.hierarchy import Hierarchy
from serving.core.auth import Role
from serving.deps import DatabaseDep
from serving.planning.routes import VERSION_STEPS, VersionAt, cache_for, take_version_step
from serving.planning.schemas import OverrideIn, PlanCreate, VersionCopy
from serving.ui import charts
from serving.ui.exports import ExportFormat, export_response
from serving.ui.forecast_pages import covered_quarters, history_rows
from serving.ui.nav import NavItem
from serving.ui.pages import (
    PlannerViewer,
    Viewer,
    checked_form,
    error_body,
    path_id,
    render,
)
from serving.ui.plan_view import (
    PlanView,
    by_address,
    crumbs,
    focus_filters,
    group_rows,
    read_view,
    weekly_plan,
)
from serving.ui.steps import offered, posted_decision, step_form

router = APIRouter(include_in_schema=False)

CELL_COLUMNS = ["level", "quarter", "value", "baseline", *BAND_COLUMNS[1:], "pinned"]
TRACKING_COLUMNS = [
    "level",
    "quarter",
    "plan",
    "forecast",
    "plan_lo_80",
    "plan_hi_80",
    "actual_to_date",
    "days_covered",
    "days_in_quarter",
    "projection",
    "variance",
    "variance_pct",
    "status",
    "warning",
    "series_reporting",
    "series_total",
]
COMPARE_COLUMNS = ["level", "quarter", "a", "b", "difference", "percent"]
TABLES = ("cells", "tracking", "compare")


def plan_number(text: str) -> int:
    """A plan id from the path; anything but a plan number is 'no plan'."""
    return path_id(text, "plan", "plan_id")


@dataclass
class PlanData:
    """Everything a plan page or its export shows, read once."""

    plan: dict[str, Any]
    hierarchy: Hierarchy
    view: PlanView
    version: dict[str, Any]
    parent: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    tracking: dict[str, Any] | None = None
    tracked: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    compared: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def shown(self) -> list[dict[str, Any]]:
        """The parent row (when drilled) then the table's rows."""
        return [*self.parent, *self.rows]

    def cells(self) -> list[dict[str, Any]]:
        """Every cell on screen, flat, in table order."""
        return [
            row["cells"][q] for row in self.shown for q in self.view.quarters if q in row["cells"]
        ]

    def key_columns(self) -> list[str]:
        """Key columns of the groups on screen, in the plan's column order."""
        used = {k for row in self.shown for k in row["keys"]}
        return [c for c in self.hierarchy.columns if c in used]


def read_plan(db: Database, plan_id: int, params: QueryParams) -> PlanData:
    """The plan, its hierarchy, the view and the cells on screen (the API's read_cells)."""
    plan = plans.show_plan(db, plan_id)
    hierarchy = plans.hierarchy_for(db, plan_id)
    view = read_view(params, plan, hierarchy)
    answer = plans.read_cells(db, plan_id, view.version, view.level, view.quarters, view.filters)
    rows = group_rows(hierarchy, view, answer["cells"])
    parent: list[dict[str, Any]] = []
    focus = focus_filters(hierarchy, view)
    if focus is not None:
        found = plans.read_cells(db, plan_id, view.version, focus[0], view.quarters, focus[1])
        parent = group_rows(hierarchy, view, found["cells"])
        for row in parent:
            row["drill"] = None
            row["label"] = (" · ".join(f"{k} {v}" for k, v in row["keys"].items()) or "Total") + (
                " (all of it)" if row["keys"] else ""
            )
    return PlanData(plan, hierarchy, view, answer["version"], parent, rows)


def add_reviews(data: PlanData, db: Database) -> None:
    """Tracking (the API's tracking for this version and quarters) and the version compare."""
    view, shown = data.view, {row["address"] for row in data.shown}
    tracking = reviews.tracking(db, view.plan_id, view.version, None, view.quarters)
    data.tracking = tracking
    data.tracked = {  # quarters without any actual yet have nothing to track
        k: r
        for k, r in by_address(tracking["cells"]).items()
        if k[0] in shown and r["status"] != "not started"
    }
    if view.compare:
        compared = plans.compare_versions(
            db, view.plan_id, view.compare, view.version, None, view.quarters
        )
        data.compared = {k: r for k, r in by_address(compared["cells"]).items() if k[0] in shown}


def fva_section(db: Database, plan_id: int) -> dict[str, Any]:
    """Forecast value added, or the engine's reason there is none yet."""
    try:
        return {"fva": reviews.forecast_value_added(db, plan_id), "fva_note": None}
    except ConflictError as exc:
        return {"fva": None, "fva_note": exc.message}


def fan_figure(request: Request, data: PlanData) -> dict[str, Any] | None:
    """Weekly actuals, the sales champion's weekly forecast with its 80/95% bands (as on the
    forecast page) and the plan as one more line, for the group the drill stands on."""
    focus = data.parent or (data.rows if len(data.rows) == 1 else [])
    if not focus:
        return None
    fiscal = int(data.plan["fiscal_start_month"])
    cells = {q: c for q, c in focus[0]["cells"].items() if q in data.view.quarters}
    title = f"{focus[0]['label']}: weekly units, actual, forecast and plan"
    try:
        sales = request.app.state.champions.get("sales")
        periods = [parse_quarter(q, fiscal) for q in data.view.quarters]
        query = QuarterQuery(periods, data.view.filters, [])
        weekly = forecast_rows(sales.payload, sales.cache, query, fiscal, weekly=True)
        history = history_rows(sales.payload, data.view.filters)
    except LodestarError:  # no champion, or one that does not cover the plan: quarters only
        ordered = [cells[q] for q in data.view.quarters if q in cells]
        forecast = [{**c, "date": c["quarter"], "mean": c["baseline"]} for c in ordered]
        plan_line = [{"date": c["quarter"], "value": c["value"]} for c in ordered]
        return charts.fan_chart(title, [], forecast, plan_line, period="quarter")
    return charts.fan_chart(title, history, weekly, weekly_plan(weekly, cells, fiscal))


def version_actions(version: dict[str, Any], found: Viewer) -> dict[str, Any]:
    """Which buttons this viewer is offered for this version (the engine still decides)."""
    state = version["state"]
    own = version.get("submitted_by") == found.caller.actor
    may_decide = offered(found, VERSION_STEPS, TRANSITIONS, "approve", state)
    return {
        "editable": state in EDITABLE and found.may(Role.planner),
        "submit": offered(found, VERSION_STEPS, TRANSITIONS, "submit", state),
        "decide": may_decide and not own,
        "own_submission": may_decide and own,
        "lock": offered(found, VERSION_STEPS, TRANSITIONS, "lock", state),
        "copy": found.may(Role.planner),
    }


def plan_context(
    request: Request,
    db: Database,
    found: Viewer,
    plan_id: str,
    params: QueryParams,
    edit: dict[str, Any] | None = None,
    action_error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything plan.html needs; an engine refusal becomes an inline error."""
    context: dict[str, Any] = {
        "view": None,
        "error": None,
        "edit": edit or {},
        "action_error": action_error,
        "reasons": request.app.state.settings.reason_codes,
    }
    try:
        data = read_plan(db, plan_number(plan_id), params)
        add_reviews(data, db)
    except LodestarError as exc:
        context["error"] = error_body(exc)
        return context
    context.update(
        data=data,
        plan=data.plan,
        view=data.view,
        version=data.version,
        crumbs=crumbs(data.hierarchy, data.view),
        actions=version_actions(data.version, found),
        figure=fan_figure(request, data),
        **fva_section(db, data.view.plan_id),
    )
    if data.view.edit and data.view.edit_quarter in data.view.quarters:
        context["editing"] = (data.view.edit, data.view.edit_quarter)
    return context


def _page(request: Request, found: Viewer, context: dict[str, Any], status: int = 200) -> Response:
    if context.get("error") and status == 200:
        status = int(context["error"].get("status", 200))
    return render(request, found, "plan.html", status_code=status, **context)


@router.get("/plans")
def plans_page(request: Request, found: PlannerViewer, db: DatabaseDep) -> Response:
    """Every plan with its versions, and the form that makes a new one from the champion."""
    return plans_list(request, found, db, {})


def plans_list(
    request: Request,
    found: Viewer,
    db: Database,
    form: dict[str, Any],
    error: dict[str, Any] | None = None,
) -> Response:
    """The plan list page (with an inline error after a refused create)."""
    context: dict[str, Any] = {"form": form, "error": error, "quarters": []}
    try:
        context["plans"] = plans.list_plans(db)
    except LodestarError as exc:
        context["plans"], context["error"] = [], error_body(exc)
    try:
        sales = request.app.state.champions.get("sales")
        fiscal = request.app.state.settings.fiscal_year_start_month
        context["quarters"] = [quarter_label(q) for q in covered_quarters(sales, fiscal)]
        context["sales_version"] = sales.version
    except LodestarError as exc:
        context["create_note"] = exc.message
    status = int(error["status"]) if error else 200
    return render(request, found, "plans.html", status_code=status, **context)


@router.post("/plans")
async def plan_create(request: Request, found: PlannerViewer, db: DatabaseDep) -> Response:
    """A plan from the sales champion for a range of quarters (as POST /v1/plans)."""
    form = await checked_form(request, found)
    settings = request.app.state.settings
    try:
        first, last = str(form.get("first") or ""), str(form.get("last") or "")
        body = PlanCreate(name=str(form.get("name") or "").strip(), quarters=f"{first}..{last}")
        quarters = plan_quarters(body.quarters, settings.fiscal_year_start_month)
        sales = request.app.state.champions.get("sales")
        made = await run_in_threadpool(
            plans.create_plan,
            db,
            cache_for(sales, settings),
            sales.version,
            quarters,
            body.name,
            found.caller.actor,
        )
    except (LodestarError, ValidationError) as exc:
        return await run_in_threadpool(plans_list, request, found, db, form, error_body(exc))
    notice = f"Plan {made['name']} made from sales champion v{made['champion_version']}."
    return RedirectResponse(f"/plans/{made['id']}?{urlencode({'notice': notice})}", 303)


@router.get("/plans/{plan_id}")
def plan_page(
    request: Request, found: PlannerViewer, db: DatabaseDep, plan_id: str, notice: str | None = None
) -> Response:
    """A plan version's quarters at a level, drill-down, chart, compare, tracking and FVA."""
    context = plan_context(request, db, found, plan_id, request.query_params)
    return _page(request, found, {**context, "notice": notice})


def _number(form: dict[str, Any], name: str) -> float:
    text = str(form.get(name) or "").strip().replace(",", "")
    if not text:
        raise DataError(f"give the {name} of the override", name)
    try:
        return float(text)
    except ValueError:
        raise DataError(f"'{text}' is not a number", name) from None


def override_from_form(form: dict[str, Any], hierarchy: Hierarchy) -> Override:
    """The inline form as the API's override body, checked by the API's own schema."""
    level, _, key = str(form.get("cell") or "").partition(":")
    try:
        group = hierarchy.groups[hierarchy.position(level, key)]
    except KeyError:
        raise NotFoundError(f"no cell {level} {key} in this plan", "cell") from None
    amount = _number(form, "amount")
    mode = "value" if form.get("mode") == "value" else "percent"
    revision = str(form.get("revision") or "").strip()
    body = OverrideIn(
        cell=group.keys(),
        quarter=str(form.get("quarter") or ""),
        reason=str(form.get("reason") or ""),
        comment=str(form.get("comment") or ""),
        revision=int(revision) if revision.isdigit() else None,
        **{mode: amount},
    )
    return body.to_override()


def back_params(form: dict[str, Any], **extra: str) -> QueryParams:
    """The view the form was posted from, with some parts added."""
    params = [
        (k, v) for k, v in QueryParams(str(form.get("back") or "")).multi_items() if k not in extra
    ]
    return QueryParams([*params, *extra.items()])


@router.post("/plans/{plan_id}/versions/{version}/overrides")
async def plan_override(
    request: Request, found: PlannerViewer, db: DatabaseDep, plan_id: str, version: str
) -> Response:
    """Override one cell (as POST /v1/plans/{id}/versions/{v}/overrides); a refusal, such as a
    stale revision or a locked version, is shown in the cell's form with the current value."""
    form = await checked_form(request, found)
    settings = request.app.state.settings
    try:
        pid = plan_number(plan_id)
        hierarchy = await run_in_threadpool(plans.hierarchy_for, db, pid)
        asked = override_from_form(form, hierarchy)
        done = await run_in_threadpool(
            plans.override, db, pid, version, asked, found.caller.actor, settings.reason_codes
        )
    except (LodestarError, ValidationError) as exc:
        error = error_body(exc)
        params = back_params(
            form,
            version=version,
            edit=str(form.get("cell") or ""),
            eq=str(form.get("quarter") or ""),
        )
        context = await run_in_threadpool(
            plan_context, request, db, found, plan_id, params, {"form": form, "error": error}
        )
        return _page(request, found, context, int(error["status"]))
    cell = done["cell"]
    where = " · ".join(cell["keys"].values()) or "Total"
    notice = (
        f"Override saved: {where} {cell['quarter']} {done['before']:,.0f} → "
        f"{done['after']:,.0f} ({asked.reason}); {done['cells_changed']} cells moved."
    )
    params = back_params(form, version=version, notice=notice)
    return RedirectResponse(f"/plans/{pid}?{urlencode(list(params.multi_items()))}", 303)


@router.post("/plans/{plan_id}/versions/{version}/{action}")
async def plan_decide(
    request: Request, found: PlannerViewer, db: DatabaseDep, plan_id: str, version: str, action: str
) -> Response:
    """Submit, approve, reject or lock a version (as the API's routes of the same names)."""
    form = await step_form(request, found, VERSION_STEPS, action, "a version")
    try:
        pid = plan_number(plan_id)
        done = await run_in_threadpool(
            take_version_step,
            db,
            VersionAt(pid, version),
            posted_decision(form).by(action, found.caller.actor),
        )
    except (LodestarError, ValidationError) as exc:
        error = error_body(exc)
        params = back_params(form, version=version)
        context = await run_in_threadpool(
            plan_context, request, db, found, plan_id, params, None, error
        )
        return _page(request, found, context, int(error["status"]))
    notice = f"Version {done['name']} is now {done['state']}."
    params = back_params(form, version=version, notice=notice)
    return RedirectResponse(f"/plans/{pid}?{urlencode(list(params.multi_items()))}", 303)


@router.post("/plans/{plan_id}/versions")
async def plan_copy(
    request: Request, found: PlannerViewer, db: DatabaseDep, plan_id: str
) -> Response:
    """A new draft version copied from another (as POST /v1/plans/{id}/versions)."""
    form = await checked_form(request, found)
    try:
        pid = plan_number(plan_id)
        body = VersionCopy(
            name=str(form.get("name") or "").strip(),
            copy_from=str(form.get("copy_from") or "baseline"),
        )
        done = await run_in_threadpool(
            plans.copy_version, db, pid, body.copy_from, body.name, found.caller.actor
        )
    except (LodestarError, ValidationError) as exc:
        error = error_body(exc)
        context = await run_in_threadpool(
            plan_context, request, db, found, plan_id, back_params(form), None, error
        )
        return _page(request, found, context, int(error["status"]))
    params = back_params(form, version=done["name"], notice=f"Version {done['name']} made.")
    return RedirectResponse(f"/plans/{pid}?{urlencode(list(params.multi_items()))}", 303)


def export_rows(data: PlanData, table: str) -> tuple[list[dict[str, Any]], list[str]]:
    """(rows, columns) of one on-screen table, key columns first."""
    keys = data.key_columns()
    if table == "cells":
        rows = [{**c["keys"], **c} for c in data.cells()]
        extra = [m for m in ("revenue", "margin") if any(m in r for r in rows)]
        return rows, [*keys, *CELL_COLUMNS, *extra]
    source = data.tracked if table == "tracking" else data.compared
    columns = TRACKING_COLUMNS if table == "tracking" else COMPARE_COLUMNS
    ordered = [
        source[(row["address"], q)]
        for row in data.shown
        for q in data.view.quarters
        if (row["address"], q) in source
    ]
    return [{**r["keys"], **r} for r in ordered], [*keys, *columns]


@router.get("/plans/{plan_id}/export")
def plan_export(
    request: Request,
    found: PlannerViewer,
    db: DatabaseDep,
    plan_id: str,
    file_format: ExportFormat = "csv",
    table: str = "cells",
) -> Response:
    """One table of the page as it is on screen (same view), as CSV or XLSX, formula-safe."""
    try:
        if table not in TABLES:
            raise DataError(f"table '{table}' is not one of {', '.join(TABLES)}", "table")
        data = read_plan(db, plan_number(plan_id), request.query_params)
        add_reviews(data, db)
        if table == "compare" and not data.view.compare:
            raise DataError("choose a version to compare with first", "compare")
        rows, columns = export_rows(data, table)
        name = f"plan{data.view.plan_id}_{data.view.version}_{data.view.level}_{table}"
        return export_response(rows, columns, name, file_format)
    except LodestarError as exc:
        context = plan_context(request, db, found, plan_id, request.query_params)
        context["error"] = error_body(exc)
        return _page(request, found, context)


MENU = [
    NavItem("Planning", "Plans", "/plans", Role.planner),
]
"""This module's Workbench menu entries, in menu order."""
