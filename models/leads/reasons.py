"""Reasons in score points that add up: base score + every feature's points = the lead's score.

The learner's margin (log-odds) splits exactly into Shapley values, one per feature
(`LeadConversionModel.margin_contributions`). The score is g(margin) = 100 x the calibrated
probability, a monotone function of the margin, so the points are found by walking from the
expected margin to the lead's margin one feature at a time, largest |Shapley value| first: each
feature's points are the change of g over its step. The steps telescope, so

    base score g(expected margin) + sum of all features' points = 100 x probability

exactly; each feature's points have the sign of its Shapley value (g is non-decreasing) and are
zero when it is, and no feature's points exceed the score's whole range. The top three by size
are the reasons; "other factors" is the rest, including the score's rounding to a whole
number, so base + reasons + other factors = the score shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.leads.estimator import LeadConversionModel

TOP_REASONS = 3
MIN_POINTS = 0.05
"""Contributions smaller than this many score points are not worth a reason."""
DECIMALS = 2
"""Points are stated to this many decimals (base, reasons and other factors alike)."""


@dataclass(frozen=True)
class ScorePoints:
    """Per lead: 100 x probability, split into a common base and points per feature."""

    exact: np.ndarray  # leads: 100 x calibrated probability
    base: float  # the score at the expected margin
    points: np.ndarray  # leads x features


def score_of(probability: np.ndarray) -> np.ndarray:
    """The 0-100 score people see: the probability in percent, rounded to a whole number."""
    return np.clip(np.round(np.asarray(probability, dtype=float) * 100), 0, 100).astype(int)


def score_points(model: LeadConversionModel, frame: pd.DataFrame) -> ScorePoints:
    """Split each lead's score into the base and per-feature points (module docstring)."""
    base_margin, phi = model.margin_contributions(frame)
    margin = model.margin(frame)
    order = np.argsort(-np.abs(phi), axis=1, kind="stable")
    steps = np.take_along_axis(phi, order, axis=1)
    path = base_margin + np.cumsum(steps, axis=1)
    path[:, -1] = margin  # end exactly at the lead's margin (no floating drift)
    g = 100.0 * model.probability_of_margin(path.ravel()).reshape(path.shape)
    base = float(100.0 * model.probability_of_margin(np.array([base_margin]))[0])
    moved = np.diff(np.column_stack([np.full(len(path), base), g]), axis=1)
    points = np.empty_like(moved)
    np.put_along_axis(points, order, moved, axis=1)
    return ScorePoints(g[:, -1], base, points)


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def reason_text(feature: str, value: object, points: float) -> str:
    """'form_fills = 3 raises the score by 12.4 points' style sentence."""
    verb = "raises" if points > 0 else "lowers"
    return f"{feature} = {_show(value)} {verb} the score by {abs(points):.2f} points"


def top_reasons(
    frame: pd.DataFrame, split: ScorePoints, scores: np.ndarray, k: int = TOP_REASONS
) -> tuple[list[list[dict]], np.ndarray]:
    """(per lead, its k largest reasons; per lead, the points of all other factors).

    A reason is feature, value, direction, points and text; other factors are the score shown
    minus the base minus the reasons' points, all as stated (rounded to DECIMALS).
    """
    names = list(frame.columns)
    order = np.argsort(-np.abs(split.points), axis=1, kind="stable")[:, :k]
    raw = frame.to_numpy(dtype=object)
    base = round(split.base, DECIMALS)
    found, other = [], np.empty(len(frame))
    for i in range(len(frame)):
        shown = []
        for j in order[i]:
            points = round(float(split.points[i, j]), DECIMALS)
            if abs(split.points[i, j]) < MIN_POINTS:
                break
            value = raw[i, j]
            shown.append(
                {
                    "feature": names[j],
                    "value": None if _show(value) == "missing" else value,
                    "direction": "raises" if points > 0 else "lowers",
                    "points": points,
                    "text": reason_text(names[j], value, points),
                }
            )
        found.append(shown)
        other[i] = round(float(scores[i]) - base - sum(r["points"] for r in shown), DECIMALS)
    return found, other


def reason_columns(found: list[list[dict]], k: int = TOP_REASONS) -> list[list[str]]:
    """The reasons' sentences as k columns (empty where a lead has fewer reasons)."""
    return [[r[rank]["text"] if rank < len(r) else "" for r in found] for rank in range(k)]
