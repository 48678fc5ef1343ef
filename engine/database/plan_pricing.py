"""A saved pricing scenario applied to a plan as a new version.

The what-if engine prices the scenario once per market (the series keys other than product),
which gives units, revenue and margin for every bottom series and quarter. The new version
holds the base version's units plus the scenario's unit change, and the scenario's revenue and
margin, summed up every level; its scenario id goes into the audit trail.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select

from engine.core.errors import DataError
from engine.database import audit
from engine.database.models import PlanCell, PlanOverride
from engine.database.plans import (
    OVERRIDE_COPIED,
    cells_frame,
    cells_rows,
    check_version_name,
    get_plan,
    get_version,
    hierarchy_of,
    new_version,
    version_summary,
)
from engine.database.setup import Database
from engine.planning.answers import priced_bottom
from engine.planning.hierarchy import Hierarchy
from engine.pricing.answers import what_if
from engine.pricing.scenario import Scenario
from engine.pricing.sources import BaselineSource, PricingSource

MARKET_EXCLUDED = ("product", "category")


def scenario_by_series(
    hierarchy: Hierarchy,
    sales: BaselineSource,
    pricing: PricingSource,
    scenario: Scenario,
    fiscal_start_month: int,
) -> pd.DataFrame:
    """Bottom keys, quarter, change_units, revenue, margin: the what-if run market by market."""
    if "product" not in hierarchy.keys:
        raise DataError("the plan has no 'product' key, so prices cannot reach it", "scenario")
    markets = [k for k in hierarchy.keys if k not in MARKET_EXCLUDED]
    combos = (
        hierarchy.series[markets].drop_duplicates().to_dict(orient="records") if markets else [{}]
    )
    frames = []
    for scope in combos:
        result = what_if(
            sales, pricing, scenario.model_copy(update={"scope": scope}), fiscal_start_month
        )
        table = result.quarterly
        table = table[table["product"] != "TOTAL"]
        frames.append(
            table[["product", "quarter", "change_units", "revenue", "margin"]].assign(**scope)
        )
    return pd.concat(frames, ignore_index=True)


def apply_scenario(
    db: Database,
    plan_id: int,
    base: str,
    name: str,
    scenario_id: str,
    effect: pd.DataFrame,
    actor: str,
) -> dict[str, Any]:
    """A new version: base units + the scenario's unit change, with its revenue and margin."""
    check_version_name(name)
    with db.write() as session:
        plan = get_plan(session, plan_id)
        source = get_version(session, plan_id, base)
        hierarchy = hierarchy_of(plan)
        frame = cells_frame(session, source.id)
        labels = list(plan.quarters)
        priced = priced_bottom(hierarchy, labels, effect)
        n_groups = len(hierarchy.groups)
        value = frame.pivot(index="position", columns="quarter", values="value")
        value = value.reindex(index=range(n_groups), columns=labels).to_numpy()
        bottom_units = value[hierarchy.bottom] + priced["change_units"]
        if (bottom_units < -1e-9).any():
            raise DataError("the scenario would make some units negative", "scenario")
        groups = {
            "value": hierarchy.aggregate(bottom_units.T).T,
            "revenue": hierarchy.aggregate(priced["revenue"].T).T,
            "margin": hierarchy.aggregate(priced["margin"].T).T,
        }
        cells = frame.copy()
        pos = cells["position"].to_numpy(dtype=int)
        q = cells["quarter"].map({label: j for j, label in enumerate(labels)}).to_numpy(dtype=int)
        for column, grid in groups.items():
            cells[column] = grid[pos, q]
        version = new_version(
            session, plan, name, f"pricing scenario {scenario_id} on {base}", actor
        )
        version.copied_from, version.scenario_id = base, scenario_id
        session.execute(insert(PlanCell), cells_rows(hierarchy, cells, version.id))
        for o in session.scalars(select(PlanOverride).where(PlanOverride.version_id == source.id)):
            session.add(
                PlanOverride(**{c: getattr(o, c) for c in OVERRIDE_COPIED}, version_id=version.id)
            )
        total_change = float(np.nansum(priced["change_units"]))
        audit.record(
            session,
            actor,
            "plan.pricing",
            plan_id=plan.id,
            version=name,
            before=base,
            after=name,
            scenario_id=scenario_id,
            detail={"unit_change": total_change},
        )
        session.flush()
        return version_summary(version)
