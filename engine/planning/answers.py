"""Planning answers shared by the API and the CLI: quarter ranges, cell rows, comparisons, and
a pricing scenario folded into a plan. Pure: frames and arrays in, frames and arrays out (the
repository in engine/database reads and writes the rows around these).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.core.calendar import parse_quarter, parse_quarters, quarter_label
from engine.core.errors import DataError
from engine.planning.hierarchy import Hierarchy

MAX_QUARTERS = 12
VERSION_STATES = ("draft", "submitted", "approved", "rejected", "locked")
EDITABLE = ("draft", "rejected")
"""States whose cells may change; a submitted version waits for its decision."""


def plan_quarters(text: str, fiscal_start_month: int = 1) -> list[pd.Period]:
    """'2027Q1..2027Q4' (a range) or '2027Q1,2027Q2' (a list) -> quarters in order."""
    if ".." in text:
        first_text, _, last_text = text.partition("..")
        first = parse_quarter(first_text, fiscal_start_month)
        last = parse_quarter(last_text, fiscal_start_month)
        if last < first:
            raise DataError(f"quarter range '{text}' ends before it starts", "quarters")
        quarters = list(pd.period_range(first, last, freq=first.freq))
    else:
        quarters = sorted(parse_quarters(text, fiscal_start_month))
    if len(quarters) > MAX_QUARTERS:
        raise DataError(f"a plan covers at most {MAX_QUARTERS} quarters", "quarters")
    return quarters


def quarter_labels(quarters: list[pd.Period]) -> list[str]:
    return [quarter_label(q) for q in quarters]


def cell_record(hierarchy: Hierarchy, row: Any) -> dict[str, Any]:
    """A stored cell as users read it: level, keys, quarter, numbers, pin and revision."""
    group = hierarchy.groups[int(row.position)]
    out: dict[str, Any] = {
        "level": group.level,
        "keys": group.keys(),
        "quarter": row.quarter,
        "value": float(row.value),
        "baseline": float(row.baseline),
        "lo_80": float(row.lo_80),
        "hi_80": float(row.hi_80),
        "lo_95": float(row.lo_95),
        "hi_95": float(row.hi_95),
        "pinned": bool(row.pinned),
        "revision": int(row.revision),
    }
    if row.revenue is not None and np.isfinite(row.revenue):
        out["revenue"] = float(row.revenue)
    if row.margin is not None and np.isfinite(row.margin):
        out["margin"] = float(row.margin)
    return out


def compare_cells(hierarchy: Hierarchy, a: pd.DataFrame, b: pd.DataFrame) -> list[dict[str, Any]]:
    """Cell by cell: value in a, value in b, difference and percent (b over a)."""
    merged = a[["position", "quarter", "value"]].merge(
        b[["position", "quarter", "value"]], on=["position", "quarter"], suffixes=("_a", "_b")
    )
    out = []
    for row in merged.itertuples(index=False):
        group = hierarchy.groups[int(row.position)]
        diff = float(row.value_b - row.value_a)
        out.append(
            {
                "level": group.level,
                "keys": group.keys(),
                "quarter": row.quarter,
                "a": float(row.value_a),
                "b": float(row.value_b),
                "difference": diff,
                "percent": 100.0 * diff / row.value_a if row.value_a else None,
            }
        )
    return out


def priced_bottom(
    hierarchy: Hierarchy, quarters: list[str], what_if: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Bottom series x quarters arrays of unit change, revenue and margin from what-if rows.

    `what_if` has the bottom key columns, quarter, change_units, revenue, margin (one row per
    priced series and quarter). Series the what-if did not price keep their units and have no
    revenue or margin (NaN), so a group holding one reports none rather than a partial sum.
    """
    n, q = len(hierarchy.series), len(quarters)
    out = {"change_units": np.zeros((n, q)), "revenue": np.full((n, q), np.nan)}
    out["margin"] = np.full((n, q), np.nan)
    if what_if.empty:
        return out
    series_at = {
        tuple(row): i for i, row in enumerate(hierarchy.series[hierarchy.keys].itertuples(False))
    }
    quarter_at = {label: j for j, label in enumerate(quarters)}
    rows = what_if[what_if["quarter"].isin(quarter_at)]
    keys = rows[hierarchy.keys].astype(str).itertuples(index=False, name=None)
    i = np.array([series_at.get(tuple(k), -1) for k in keys], dtype=int)
    j = rows["quarter"].map(quarter_at).to_numpy(dtype=int)
    ok = i >= 0
    for name in ("change_units", "revenue", "margin"):
        out[name][i[ok], j[ok]] = rows[name].to_numpy(dtype=float)[ok]
    return out
