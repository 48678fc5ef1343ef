"""Plan reviews from the database: tracking against actuals and forecast value added.

The numbers come from the pure functions in engine/planning (tracking, fva); this module only
gathers a plan's cells, its overrides and the actuals of its series.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from engine.core.calendar import parse_quarter
from engine.core.errors import ConflictError
from engine.database.actuals import actuals_for
from engine.database.models import PlanOverride
from engine.database.plans import (
    BASELINE,
    cells_frame,
    check_quarters,
    final_version,
    get_plan,
    get_version,
    hierarchy_of,
    version_summary,
)
from engine.database.setup import Database
from engine.planning.fva import fva_by_level, fva_by_reason
from engine.planning.tracking import quarter_actuals, tracking_table


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with NaN as None (JSON has no NaN)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict(orient="records")


def tracking(
    db: Database,
    plan_id: int,
    version: str | None = None,
    level: str | None = None,
    quarters: list[str] | None = None,
) -> dict[str, Any]:
    """Actual vs plan vs statistical forecast per cell, with run-rate projection and warnings.

    Default version: the approved (or locked) one, else the baseline.
    """
    with db.read() as session:
        plan = get_plan(session, plan_id)
        chosen = (
            get_version(session, plan_id, version)
            if version
            else final_version(session, plan_id) or get_version(session, plan_id, BASELINE)
        )
        hierarchy = hierarchy_of(plan)
        labels = check_quarters(plan, quarters) or list(plan.quarters)
        periods = [parse_quarter(q, plan.fiscal_start_month) for q in labels]
        first = periods[0].start_time.date() - dt.timedelta(days=31)
        found = actuals_for(
            session, plan.keys, hierarchy.series, first, periods[-1].end_time.date()
        )
        cells = cells_frame(session, chosen.id, labels)
        summary = version_summary(chosen)
    qa = quarter_actuals(hierarchy, found, periods, plan.freq, plan.fiscal_start_month)
    positions = hierarchy.positions_of(level)
    cells = cells[cells["position"].isin(positions)]
    table = tracking_table(hierarchy, periods, cells, qa)
    table.insert(0, "level", [hierarchy.groups[p].level for p in table["position"]])
    table.insert(1, "keys", [hierarchy.groups[p].keys() for p in table["position"]])
    rows = _records(table.drop(columns=["position"]))
    return {
        "plan_id": plan_id,
        "version": summary,
        "warnings": int(table["warning"].sum()),
        "cells": rows,
    }


def forecast_value_added(db: Database, plan_id: int) -> dict[str, Any]:
    """Naive, statistical and plan error per level and quarter with actuals, and per reason."""
    with db.read() as session:
        plan = get_plan(session, plan_id)
        final = final_version(session, plan_id)
        if final is None:
            raise ConflictError(
                f"plan {plan_id} has no approved version yet: forecast value added compares "
                "the approved plan with the actuals",
                "version",
            )
        hierarchy = hierarchy_of(plan)
        periods = [parse_quarter(q, plan.fiscal_start_month) for q in plan.quarters]
        last_year = [q - 4 for q in periods]
        found = actuals_for(
            session,
            plan.keys,
            hierarchy.series,
            last_year[0].start_time.date() - dt.timedelta(days=31),
            periods[-1].end_time.date(),
        )
        plan_cells = cells_frame(session, final.id)
        overrides = session.scalars(
            select(PlanOverride).where(PlanOverride.version_id == final.id)
        ).all()
        override_rows = sorted({(o.level, o.key, o.quarter, o.reason) for o in overrides})
        summary = version_summary(final)
    now = quarter_actuals(hierarchy, found, periods, plan.freq, plan.fiscal_start_month)
    before = quarter_actuals(hierarchy, found, last_year, plan.freq, plan.fiscal_start_month)
    done = [j for j in range(len(periods)) if now.complete[j]]
    column = {q: j for j, q in enumerate(plan.quarters)}
    cells = plan_cells[plan_cells["quarter"].isin([plan.quarters[j] for j in done])].copy()
    pos = cells["position"].to_numpy(dtype=int)
    q = cells["quarter"].map(column).to_numpy(dtype=int)
    cells["level"] = [hierarchy.groups[p].level for p in pos]
    cells["actual"] = now.units[pos, q]
    cells["naive"] = np.where(before.complete[q], before.units[pos, q], np.nan)
    cells["forecast"] = cells["baseline"]
    cells["plan"] = cells["value"]
    levels = fva_by_level(cells) if len(cells) else pd.DataFrame()
    touched = []
    for level, key, quarter, reason in override_rows:
        if quarter in column and column[quarter] in done:
            p = hierarchy.position(level, key)
            row = cells[(cells["position"] == p) & (cells["quarter"] == quarter)].iloc[0]
            touched.append({"reason": reason, **row[["actual", "forecast", "plan"]].to_dict()})
    reasons = fva_by_reason(pd.DataFrame(touched)) if touched else pd.DataFrame()
    return {
        "plan_id": plan_id,
        "version": summary,
        "quarters_with_actuals": [plan.quarters[j] for j in done],
        "levels": _records(levels),
        "reasons": _records(reasons),
    }
