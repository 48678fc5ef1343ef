"""What a plan page shows: the view asked for (version, level, drill filters, quarters), the drill
rule over the plan's hierarchy, and the on-screen tables arranged from the repository's rows.

Every number comes unchanged from `engine.database` (read_cells, compare_versions, tracking,
forecast_value_added), the functions the /v1/plans routes call; this module only arranges rows
into groups x quarters and says where each drill link and edit link goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from starlette.datastructures import QueryParams

from engine.core.calendar import parse_quarters, quarter_label, quarter_of
from engine.core.errors import DataError
from engine.database.plans import BASELINE, filtered_positions
from engine.planning.hierarchy import KEY_SEPARATOR, TOTAL, Hierarchy

RESERVED = frozenset(
    {"version", "level", "quarters", "compare", "edit", "eq", "format", "table", "notice"}
)
"""Query names that are never key filters."""


def level_columns(level: str) -> list[str]:
    """'total' -> []; 'region' -> ['region']; 'region,store,product' -> the three columns."""
    return [] if level == TOTAL else level.split(",")


def address(level: str, keys: dict[str, str]) -> str:
    """A cell's group as one query value: 'region:North', 'total:'."""
    return f"{level}:{KEY_SEPARATOR.join(keys.values())}"


@dataclass
class PlanView:
    """The plan page's state: version, level, key filters, quarters, compare and edited cell."""

    plan_id: int
    version: str
    level: str
    filters: dict[str, list[str]]
    quarters: list[str]
    plan_quarters: list[str]
    compare: str | None = None
    edit: str | None = None
    edit_quarter: str | None = None
    levels: list[str] = field(default_factory=list)

    def query(self, **changes: Any) -> str:
        """This view's query string with some parts changed (edit and compare dropped unless
        given)."""
        params: list[tuple[str, str]] = [
            ("version", changes.get("version", self.version)),
            ("level", changes.get("level", self.level)),
        ]
        for key, values in changes.get("filters", self.filters).items():
            params.extend((key, v) for v in values)
        quarters = changes.get("quarters", self.quarters)
        if quarters != self.plan_quarters:
            params.extend(("quarters", q) for q in quarters)
        compare = changes.get("compare", self.compare)
        if compare:
            params.append(("compare", compare))
        if changes.get("edit"):
            params.extend([("edit", changes["edit"]), ("eq", changes["eq"])])
        return urlencode(params)

    def title(self) -> str:
        """'region North · store S01', or 'All series'."""
        parts = [f"{k} {', '.join(v)}" for k, v in self.filters.items()]
        return " · ".join(parts) or "All series"


def read_view(params: QueryParams, plan: dict[str, Any], hierarchy: Hierarchy) -> PlanView:
    """The view in a plan page's query string; defaults: baseline, the first key, every quarter."""
    versions = [v["name"] for v in plan["versions"]]
    version = params.get("version") or (BASELINE if BASELINE in versions else versions[0])
    default_level = hierarchy.keys[0] if hierarchy.keys else TOTAL
    level = (params.get("level") or default_level).strip()
    hierarchy.positions_of(level)  # an unknown level is refused naming the choices
    filters: dict[str, list[str]] = {}
    for key, value in params.multi_items():
        if key in hierarchy.columns and key not in RESERVED:
            picked = [v.strip() for v in value.split(",") if v.strip()]
            if picked:
                filters.setdefault(key, []).extend(picked)
    plan_quarters = list(plan["quarters"])
    asked = params.getlist("quarters")
    quarters = plan_quarters
    if any(a.strip() for a in asked):
        fiscal = int(plan["fiscal_start_month"])
        wanted = [quarter_label(q) for q in parse_quarters(",".join(asked), fiscal)]
        unknown = [q for q in wanted if q not in plan_quarters]
        if unknown:
            raise DataError(
                f"quarter {unknown[0]} is not in plan {plan['id']} ({', '.join(plan_quarters)})",
                "quarters",
            )
        quarters = [q for q in plan_quarters if q in wanted]
    compare = params.get("compare") or None
    return PlanView(
        plan_id=int(plan["id"]),
        version=version,
        level=level,
        filters=filters,
        quarters=quarters,
        plan_quarters=plan_quarters,
        compare=compare if compare != version else None,
        edit=params.get("edit") or None,
        edit_quarter=params.get("eq") or None,
        levels=list(plan["levels"]),
    )


def drill_candidates(hierarchy: Hierarchy) -> list[str]:
    """Levels a drill may open, in order: each key column alone, then the bottom series."""
    out = [key for key in hierarchy.keys]
    if hierarchy.bottom_level not in out:
        out.append(hierarchy.bottom_level)
    return out


def next_level(hierarchy: Hierarchy, current: str, filters: dict[str, list[str]]) -> str | None:
    """The first drill level below a group: one whose groups lie wholly inside `filters`."""
    for candidate in drill_candidates(hierarchy):
        columns = level_columns(candidate)
        if candidate == current or all(c in filters for c in columns):
            continue
        if len(filtered_positions(hierarchy, candidate, filters)):
            return candidate
    return None


def drill_filters(view: PlanView, keys: dict[str, str]) -> dict[str, list[str]]:
    """The view's filters narrowed to one group."""
    out = {k: list(v) for k, v in view.filters.items()}
    for column, value in keys.items():
        out[column] = [value]
    return out


def drill_query(hierarchy: Hierarchy, view: PlanView, keys: dict[str, str]) -> str | None:
    """Query of the page one level below a group, or None at the bottom."""
    narrowed = drill_filters(view, keys)
    below = next_level(hierarchy, view.level, narrowed)
    if below is None:
        return None
    return view.query(level=below, filters=narrowed)


def crumbs(hierarchy: Hierarchy, view: PlanView) -> list[tuple[str, str]]:
    """(label, query) per drill step taken, each opening the level below that step."""
    out: list[tuple[str, str]] = []
    kept: dict[str, list[str]] = {}
    for key, values in view.filters.items():
        kept = {**kept, key: values}
        below = next_level(hierarchy, key, kept) or view.level
        out.append((f"{key} {', '.join(values)}", view.query(level=below, filters=kept)))
    return out


def focus_filters(hierarchy: Hierarchy, view: PlanView) -> tuple[str, dict[str, list[str]]] | None:
    """(level, filters) of the group the drill stands on: the total at the top, else the group
    the filters name (all of them, else the last one), when it is a group of this plan."""
    if not view.filters:
        return (TOTAL, {}) if view.level != TOTAL else None
    single = {k: v[0] for k, v in view.filters.items() if len(v) == 1}
    if len(single) != len(view.filters):
        return None
    last = list(single)[-1]
    for cell in (single, {last: single[last]}):
        try:
            position = hierarchy.locate(cell)
        except (DataError, LookupError):
            continue
        group = hierarchy.groups[position]
        if group.level != view.level:
            return group.level, view.filters
    return None


def group_rows(
    hierarchy: Hierarchy, view: PlanView, cells: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per group (in the order read) with its cells by quarter, label and links."""
    rows: dict[str, dict[str, Any]] = {}
    for cell in cells:
        where = address(cell["level"], cell["keys"])
        row = rows.get(where)
        if row is None:
            shown = [v for k, v in cell["keys"].items() if k not in view.filters]
            label = " · ".join(shown) or " · ".join(cell["keys"].values()) or "Total"
            row = {
                "address": where,
                "level": cell["level"],
                "keys": cell["keys"],
                "label": label,
                "cells": {},
                "drill": drill_query(hierarchy, view, cell["keys"]),
            }
            rows[where] = row
        row["cells"][cell["quarter"]] = cell
    return list(rows.values())


def by_address(rows: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of a tracking or compare answer keyed by (group address, quarter)."""
    return {(address(r["level"], r["keys"]), r["quarter"]): r for r in rows}


def weekly_plan(
    forecast: list[dict[str, Any]], cells: dict[str, dict[str, Any]], fiscal: int
) -> list[dict[str, Any]]:
    """The plan per forecast period: each period's forecast mean scaled by its quarter's plan /
    forecast (the rule overrides use across the hierarchy), so a +5% quarter draws 5% higher.
    A quarter whose forecast is zero spreads its plan evenly over its periods."""
    if not forecast:
        return []
    dates = pd.DatetimeIndex([r["date"] for r in forecast])
    labels = [quarter_label(q) for q in quarter_of(dates, fiscal)]
    counts = pd.Series(labels).value_counts().to_dict()
    out = []
    for row, label in zip(forecast, labels, strict=True):
        cell = cells.get(label)
        if cell is None:
            continue
        if cell["baseline"] > 0:
            value = row["mean"] * cell["value"] / cell["baseline"]
        else:
            value = cell["value"] / counts[label]
        out.append({"date": row["date"], "value": float(value)})
    return out
