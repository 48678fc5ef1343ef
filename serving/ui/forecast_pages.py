"""Planners' forecast pages: the sales champion's quarters by level, drill-down, fan chart, export.

Rows come from `engine.forecasting.answers.forecast_rows` with the same arguments as
GET /v1/forecasts, so the page, its CSV/XLSX export and the API agree to the last digit.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from engine.core.calendar import parse_quarters, quarter_label, quarter_of
from engine.core.errors import LodestarError
from engine.core.intervals import BAND_COLUMNS
from engine.core.series import select_series
from engine.forecasting.answers import forecast_rows
from engine.forecasting.quarterly import QuarterlyCache, QuarterQuery
from serving.core.auth import Role
from serving.core.champions import LoadedModel
from serving.ui import charts
from serving.ui.exports import ExportFormat, export_response
from serving.ui.nav import NavItem
from serving.ui.pages import (
    PlannerViewer,
    error_body,
    refused,
    render,
)

router = APIRouter(include_in_schema=False)
DEFAULT_QUARTERS = 4
TOTAL = "total"


@dataclass
class ForecastView:
    """What a forecast page was asked for: level, drill filters and quarters."""

    level: str
    filters: dict[str, list[str]]
    quarters: list[str]
    levels: list[str] = field(default_factory=list)
    drill_order: list[str] = field(default_factory=list)

    @property
    def level_keys(self) -> list[str]:
        return [] if self.level == TOTAL else [self.level]

    def next_level(self) -> str | None:
        """The level one step further down the drill order, if any."""
        order = [TOTAL, *self.drill_order]
        if self.level not in order:
            return None
        rest = [lvl for lvl in order[order.index(self.level) + 1 :] if lvl not in self.filters]
        return rest[0] if rest else None

    def crumbs(self) -> list[tuple[str, str]]:
        """(label, query) per drill step taken, each opening the level below that step."""
        out: list[tuple[str, str]] = []
        kept: dict[str, list[str]] = {}
        for key, values in self.filters.items():
            kept = {**kept, key: values}
            order = [TOTAL, *self.drill_order]
            below = (
                [lvl for lvl in order[order.index(key) + 1 :] if lvl not in kept]
                if key in order
                else []
            )
            out.append(
                (
                    f"{key} {', '.join(values)}",
                    self.query(filters=kept, level=below[0] if below else self.level),
                )
            )
        return out

    def query(self, **changes: Any) -> str:
        """This view's query string with some parts changed."""
        params: list[tuple[str, str]] = [("level", changes.get("level", self.level))]
        filters = changes.get("filters", self.filters)
        for key, values in filters.items():
            params.extend((key, v) for v in values)
        params.extend(("quarters", q) for q in changes.get("quarters", self.quarters))
        return urlencode(params)


def covered_quarters(champion: LoadedModel, fiscal: int) -> list[pd.Period]:
    """Quarters the champion can answer that hold some forecast (not only actuals)."""
    cache = champion.cache
    if not isinstance(cache, QuarterlyCache) or cache.fiscal_start_month != fiscal:
        cache = QuarterlyCache.build(champion.payload, fiscal)
    first = quarter_of(pd.DatetimeIndex([champion.payload.dates[0]]), fiscal)[0]
    return [q for q in cache.covered if q >= first]


def read_view(request: Request, champion: LoadedModel, fiscal: int) -> ForecastView:
    """The level, key filters and quarters in the query string (defaults: region, 4 quarters)."""
    payload = champion.payload
    levels = [str(c) for c in payload.index.columns]
    keys = [str(k) for k in payload.keys]
    params = request.query_params
    default_level = keys[0] if keys else TOTAL
    level = params.get("level") or default_level
    filters: dict[str, list[str]] = {}
    for key, value in params.multi_items():
        if key in levels and value.strip():
            filters.setdefault(key, []).extend(v.strip() for v in value.split(",") if v.strip())
    asked = params.getlist("quarters")
    if asked:
        quarters = [quarter_label(q) for q in parse_quarters(",".join(asked), fiscal)]
    else:
        quarters = [quarter_label(q) for q in covered_quarters(champion, fiscal)[:DEFAULT_QUARTERS]]
    return ForecastView(level, filters, quarters, levels, keys)


def history_rows(payload: Any, filters: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Recent actual units per period, summed over the filtered series (the chart's history)."""
    if not len(payload.actual_dates):
        return []
    rows = select_series(payload.index, filters) if filters else np.arange(len(payload.index))
    actuals = np.asarray(payload.actuals)[rows]
    seen = ~np.isnan(actuals).all(axis=0)
    totals = np.nansum(actuals, axis=0)
    dates = pd.DatetimeIndex(payload.actual_dates).strftime("%Y-%m-%d")
    return [
        {"date": d, "units": float(t)} for d, t, s in zip(dates, totals, seen, strict=True) if s
    ]


def quarter_table(rows: list[dict[str, Any]], level: list[str]) -> list[dict[str, Any]]:
    """Rows per group with one cell per quarter, for the wide on-screen table."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(str(row[k]) for k in level)
        group = groups.setdefault(key, {"labels": dict(zip(level, key, strict=True)), "cells": {}})
        group["cells"][row["quarter"]] = row
    return list(groups.values())


def _forecast_answer(request: Request, view: ForecastView, champion: LoadedModel, fiscal: int):
    selection = QuarterQuery(parse_quarters(",".join(view.quarters), fiscal), view.filters, [])
    at_level = replace(selection, level=view.level_keys)
    rows = forecast_rows(champion.payload, champion.cache, at_level, fiscal)
    total = (
        forecast_rows(champion.payload, champion.cache, selection, fiscal)
        if view.level_keys
        else rows
    )
    return selection, rows, total


@router.get("/forecasts")
def forecasts_page(request: Request, found: PlannerViewer) -> Response:
    """Quarter table at a level with drill-down links, a fan chart of the selection, exports."""
    fiscal = request.app.state.settings.fiscal_year_start_month
    context: dict[str, Any] = {"view": None, "error": None}
    try:
        champion = request.app.state.champions.get("sales")
        context["version"] = champion.version
        context["available"] = [quarter_label(q) for q in covered_quarters(champion, fiscal)]
        view = read_view(request, champion, fiscal)
        context["view"] = view
        selection, rows, total = _forecast_answer(request, view, champion, fiscal)
        context["table"] = quarter_table(rows, view.level_keys)
        context["total"] = quarter_table(total, [])[0]
        weekly = forecast_rows(champion.payload, champion.cache, selection, fiscal, weekly=True)
        title = " · ".join(f"{k} {', '.join(v)}" for k, v in view.filters.items()) or "All series"
        context["figure"] = charts.fan_chart(
            f"{title}: weekly units, actual and forecast",
            history_rows(champion.payload, view.filters),
            weekly,
        )
    except LodestarError as exc:
        context["error"] = error_body(exc)
    return render(request, found, "forecasts.html", **context)


@router.get("/forecasts/export")
def forecasts_export(
    request: Request, found: PlannerViewer, file_format: ExportFormat = "csv"
) -> Response:
    """The rows on screen (the API's columns) as CSV or XLSX."""
    fiscal = request.app.state.settings.fiscal_year_start_month
    try:
        champion = request.app.state.champions.get("sales")
        view = read_view(request, champion, fiscal)
        _, rows, total = _forecast_answer(request, view, champion, fiscal)
        if view.level_keys:
            rows = [*rows, *({**r, view.level: "TOTAL"} for r in total)]
        columns = [*view.level_keys, "quarter", *BAND_COLUMNS]
        name = f"forecast_v{champion.version}_{view.level}"
        return export_response(rows, columns, name, file_format)
    except LodestarError as exc:
        return refused(request, found, "forecasts.html", exc, view=None)


MENU = [
    NavItem("Planning", "Forecasts", "/forecasts", Role.planner),
]
"""This module's Workbench menu entries, in menu order."""
