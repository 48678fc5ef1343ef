"""Faithful reasons: how much each feature moves this lead's calibrated probability.

A feature's contribution is p(lead) - p(lead with that feature set to a typical value), computed
by re-scoring the model itself (occlusion), so "raises" and "lowers" are true statements: moving
the feature to its typical value changes the score by exactly the stated amount.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

TOP_REASONS = 3
MIN_POINTS = 0.05
"""Contributions smaller than this many score points are not worth a reason."""


def typical_values(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> dict:
    """Reference lead: the median of each number, the most common value of each category."""
    ref: dict[str, object] = {}
    for col in numeric:
        values = pd.to_numeric(frame[col], errors="coerce")
        ref[col] = float(values.median()) if values.notna().any() else 0.0
    for col in categorical:
        values = frame[col].dropna().astype(str)
        ref[col] = values.mode().iloc[0] if len(values) else None
    return ref


def contributions(
    predict: Callable[[pd.DataFrame], np.ndarray], frame: pd.DataFrame, reference: dict
) -> tuple[np.ndarray, pd.DataFrame]:
    """(p, contributions): p per row and, per feature, p - p(with the feature made typical)."""
    p = predict(frame)
    out = {}
    for col, ref in reference.items():
        values = frame[col]
        if ref is None:
            out[col] = np.zeros(len(frame))
            continue
        if isinstance(ref, float):
            differs = ~np.isclose(pd.to_numeric(values, errors="coerce").to_numpy(float), ref)
        else:
            differs = (values.astype(object).where(values.notna(), None) != ref).to_numpy()
        delta = np.zeros(len(frame))
        rows = np.flatnonzero(differs)
        if rows.size:
            changed = frame.iloc[rows].copy()
            changed[col] = ref
            delta[rows] = p[rows] - predict(changed)
        out[col] = delta
    return p, pd.DataFrame(out, index=frame.index)


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def reason_text(feature: str, value: object, typical: object, delta: float) -> str:
    """'form_fills = 3 (typical 0) raises the score by 12.4 points' style sentence."""
    verb = "raises" if delta > 0 else "lowers"
    return (
        f"{feature} = {_show(value)} (typical {_show(typical)}) {verb} the score by "
        f"{abs(delta) * 100:.1f} points"
    )


def top_reasons(
    frame: pd.DataFrame, contrib: pd.DataFrame, reference: dict, k: int = TOP_REASONS
) -> list[list[dict]]:
    """Per row, the k largest |contributions| as feature, value, typical, direction, points."""
    values = contrib.to_numpy()
    names = list(contrib.columns)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    rows: list[list[dict]] = []
    raw = frame[names].to_numpy(dtype=object)
    for i in range(len(frame)):
        found = []
        for j in order[i]:
            delta = float(values[i, j])
            if abs(delta) * 100 < MIN_POINTS:
                break
            value = raw[i, j]
            found.append(
                {
                    "feature": names[j],
                    "value": None if _show(value) == "missing" else value,
                    "typical": reference[names[j]],
                    "direction": "raises" if delta > 0 else "lowers",
                    "points": round(delta * 100, 2),
                    "text": reason_text(names[j], value, reference[names[j]], delta),
                }
            )
        rows.append(found)
    return rows
