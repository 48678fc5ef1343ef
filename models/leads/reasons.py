"""Faithful reasons: how much each feature moves this lead's calibrated probability.

A feature's contribution is p(lead) - p(lead with that feature set to a typical value), computed
by re-scoring the model itself (occlusion), so "raises" and "lowers" are true statements: moving
the feature to its typical value changes the score by exactly the stated amount.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    predict: Callable[[pd.DataFrame], np.ndarray],
    frame: pd.DataFrame,
    reference: dict,
    model: object | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """(p, contributions): p per row and, per feature, p - p(with the feature made typical).

    With a model that exposes its encoded features (the boosting learner), the occlusion runs
    on the encoded matrix: same answer, without re-encoding the batch once per feature.
    """
    encoded = model.encode(frame) if model is not None and hasattr(model, "encode") else None
    if encoded is not None:
        return _contributions_encoded(model, frame, encoded, reference)
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


def _contributions_encoded(
    model: Any, frame: pd.DataFrame, Z: np.ndarray, reference: dict
) -> tuple[np.ndarray, pd.DataFrame]:
    """Occlusion on encoded rows: replace one encoded column by the typical lead's code."""
    names = model.encoded_names()
    typical = pd.DataFrame([reference], columns=list(model.feature_names_in_))
    z_ref = model.encode(typical)[0]
    p = model.proba_encoded(Z)
    out = {}
    for col, ref in reference.items():
        delta = np.zeros(len(frame))
        j = names.index(col)
        if ref is not None and not np.isnan(z_ref[j]):
            rows = np.flatnonzero(~(Z[:, j] == z_ref[j]))
            if rows.size:
                changed = Z[rows].copy()
                changed[:, j] = z_ref[j]
                delta[rows] = p[rows] - model.proba_encoded(changed)
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


def reason_texts(
    frame: pd.DataFrame, contrib: pd.DataFrame, reference: dict, k: int = TOP_REASONS
) -> list[list[str]]:
    """The k reason sentences per row (empty when a feature barely matters), built column-wise."""
    values = contrib.to_numpy()
    names = list(contrib.columns)
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    raw = frame[names].to_numpy(dtype=object)
    rows = np.arange(len(frame))
    columns = []
    for rank in range(min(k, len(names))):
        j = order[:, rank]
        deltas, shown = values[rows, j], raw[rows, j]
        columns.append(
            [
                reason_text(names[c], v, reference[names[c]], d)
                if abs(d) * 100 >= MIN_POINTS
                else ""
                for c, v, d in zip(j, shown, deltas, strict=True)
            ]
        )
    while len(columns) < k:
        columns.append([""] * len(frame))
    return columns
