"""A points rubric suggested by the data, and how it ranks leads beside the active rubric and
the model on the same validation leads.

Candidate rules are the ones people write: activity bands (`downloads >= 1`, `>= 2`, ... at the
distinct levels most leads reach), bands of other numbers (`company_size >= 250`, at their
quartiles) and attribute values (`source = referral`, for values at least `min_leads` leads
share). A logistic model on those 0/1 rules is fitted with an L1 penalty (sparse: most rules get
nothing) and with every activity band's weight kept at zero or above (monotone: more activity
never costs points; other numbers' bands may take either sign). Weights become whole points at
10 points per doubling of the odds; rules rounding to 0 are dropped. Tier thresholds come from
the same precision targets as the model's tiers, on the training leads' points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit

from engine.core.contracts.leads import ACTIVITY_COLUMNS
from engine.core.errors import DataError
from engine.leads.metrics import roc_auc
from engine.leads.rubric import MAX_THRESHOLD, Rubric, Rule
from models.leads.tiers import TIERS, thresholds_from_precision

POINTS_PER_DOUBLING = 10
MAX_LEVELS = 4
"""Activity bands per column at most."""


@dataclass(frozen=True)
class Candidate:
    """One candidate rule and whether its weight must stay at zero or above."""

    rule: Rule
    monotone: bool


def candidates(frame: pd.DataFrame, features: list[str], min_leads: int = 30) -> list[Candidate]:
    """Activity bands at the levels leads reach, and attribute values enough leads share."""
    out: list[Candidate] = []
    for col in features:
        values = frame[col]
        activity = col in ACTIVITY_COLUMNS or col.startswith("n_")
        if activity or pd.api.types.is_numeric_dtype(values):
            numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            present = numbers[~np.isnan(numbers)]
            pool = present[present > 0] if activity else present
            if len(pool) < min_leads:
                continue
            shares = [0.0, 0.5, 0.8, 0.95] if activity else [0.25, 0.5, 0.75, 0.9]
            levels = np.unique(np.ceil(np.quantile(pool, shares)))
            for level in levels[:MAX_LEVELS]:
                fired = int((numbers >= level).sum())
                if min_leads <= fired <= len(frame) - min_leads or (
                    activity and fired >= min_leads
                ):
                    # activity: more never costs points; other numbers (age, size) may go either way
                    out.append(Candidate(Rule(col, ">=", float(level), 0), monotone=activity))
        else:
            text = values.dropna().astype(str).str.strip()
            counts = text[text != ""].str.lower().value_counts()
            for value, n in counts.items():
                if n >= min_leads and n <= len(frame) - min_leads:
                    out.append(Candidate(Rule(col, "=", str(value), 0), monotone=False))
    return out


def design(frame: pd.DataFrame, found: list[Candidate]) -> np.ndarray:
    """Leads x candidates: does each rule fire."""
    if not found:
        return np.zeros((len(frame), 0))
    return np.column_stack([c.rule.fires(frame) for c in found]).astype(float)


def fit_weights(X: np.ndarray, y: np.ndarray, monotone: list[bool], l1: float) -> np.ndarray:
    """Sparse logistic weights (intercept last) with monotone ones kept >= 0.

    Each weight is split into a positive and a negative part (both >= 0) so the L1 penalty is
    linear and L-BFGS-B with bounds solves it exactly; a monotone weight has no negative part.
    """
    n, k = X.shape
    free = np.flatnonzero(~np.asarray(monotone, dtype=bool))
    m = k + len(free)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, float]:
        w = theta[:k].copy()
        w[free] -= theta[k:m]
        return w, float(theta[m])

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = unpack(theta)
        z = X @ w + b
        p = expit(z)
        value = float(np.sum(np.logaddexp(0.0, z) - y * z)) / n + l1 * float(theta[:m].sum())
        residual = (p - y) / n
        gw = X.T @ residual
        grad = np.empty_like(theta)
        grad[:k] = gw + l1
        grad[k:m] = -gw[free] + l1
        grad[m] = residual.sum()
        return value, grad

    base = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
    start = np.zeros(m + 1)
    start[m] = np.log(base / (1 - base))
    bounds = [(0.0, None)] * m + [(None, None)]
    result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds)
    w, b = unpack(result.x)
    return np.r_[w, b]


def suggest_rubric(
    train: pd.DataFrame,
    y_train: np.ndarray,
    features: list[str],
    l1: float = 0.002,
    min_leads: int = 30,
    name: str = "Suggested from data",
) -> Rubric:
    """The suggested rubric: rules with whole points, thresholds at the precision targets."""
    found = candidates(train, features, min_leads)
    if not found:
        raise DataError(
            f"no activity band or attribute value is shared by at least {min_leads} leads",
            "data",
        )
    X = design(train, found)
    weights = fit_weights(X, np.asarray(y_train, dtype=float), [c.monotone for c in found], l1)
    points = np.rint(weights[:-1] * POINTS_PER_DOUBLING / np.log(2)).astype(int)
    kept = np.flatnonzero(points != 0)
    if not kept.size:
        raise DataError("no rule earns a whole point: the data show no usable signal", "data")
    rules = tuple(
        Rule(found[j].rule.field, found[j].rule.op, found[j].rule.value, int(points[j]))
        for j in kept
    )
    train_points = X[:, kept] @ points[kept]
    tiers = thresholds_from_precision(
        y_train, train_points, lowest=-MAX_THRESHOLD, highest=MAX_THRESHOLD
    )
    return Rubric(rules, tiers, 0, name)


def ranking_report(y: np.ndarray, score: np.ndarray, tiers: np.ndarray) -> dict[str, Any]:
    """ROC-AUC of a score, and per tier: leads, their share, and precision (conversion rate)."""
    y = np.asarray(y, dtype=float)
    per_tier = {}
    for tier in TIERS:
        mask = np.asarray(tiers) == tier
        per_tier[tier] = {
            "leads": int(mask.sum()),
            "share": float(mask.mean()) if len(mask) else 0.0,
            "precision": float(y[mask].mean()) if mask.any() else None,
        }
    return {"roc_auc": roc_auc(y, np.asarray(score, dtype=float)), "tiers": per_tier}


def tier_changes(
    lead_ids: pd.Series, before: np.ndarray, after: np.ndarray, limit: int = 200
) -> dict[str, Any]:
    """Which leads would change tier (before -> after): counts per pair and the first leads."""
    before, after = np.asarray(before, dtype=str), np.asarray(after, dtype=str)
    moved = np.flatnonzero(before != after)
    pairs: dict[str, int] = {}
    for i in moved:
        key = f"{before[i]} -> {after[i]}"
        pairs[key] = pairs.get(key, 0) + 1
    ids = lead_ids.astype(str).to_numpy()
    return {
        "changed": int(len(moved)),
        "of": int(len(before)),
        "by_move": dict(sorted(pairs.items(), key=lambda kv: -kv[1])),
        "leads": [{"lead_id": ids[i], "from": before[i], "to": after[i]} for i in moved[:limit]],
    }
