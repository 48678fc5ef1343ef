"""Metrics for probability scores of a binary outcome: ranking, calibration and lift."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

ECE_BINS = 10


def _arrays(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(y, dtype=float).ravel(), np.asarray(p, dtype=float).ravel()


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve; NaN when only one class is present."""
    y, p = _arrays(y, p)
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def pr_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Average precision (area under the precision-recall curve); NaN without positives."""
    y, p = _arrays(y, p)
    return float(average_precision_score(y, p)) if y.sum() > 0 else float("nan")


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared error of the probabilities (lower is better)."""
    y, p = _arrays(y, p)
    return float(brier_score_loss(y, p))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> pd.DataFrame:
    """Equal-width probability bins: count, mean predicted and observed rate per non-empty bin."""
    y, p = _arrays(y, p)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    frame = pd.DataFrame({"bin": which, "p": p, "y": y})
    table = frame.groupby("bin").agg(
        count=("y", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    table["lower"] = edges[table.index]
    table["upper"] = edges[table.index + 1]
    return table.reset_index(drop=True)[["lower", "upper", "count", "predicted", "observed"]]


def ece(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Expected calibration error: count-weighted |observed - predicted| over equal-width bins."""
    table = calibration_table(y, p, bins)
    if table.empty:
        return float("nan")
    gap = (table["observed"] - table["predicted"]).abs()
    return float((gap * table["count"]).sum() / table["count"].sum())


def gains_table(y: np.ndarray, p: np.ndarray, groups: int = 10) -> pd.DataFrame:
    """Cumulative gains by score decile: share of leads contacted vs share of conversions found."""
    y, p = _arrays(y, p)
    order = np.argsort(-p, kind="stable")
    ys = y[order]
    n = len(ys)
    cuts = np.ceil(np.arange(1, groups + 1) * n / groups).astype(int)
    total = ys.sum()
    found = np.cumsum(ys)[cuts - 1]
    rate = y.mean() if n else float("nan")
    return pd.DataFrame(
        {
            "share_contacted": cuts / n,
            "share_converted": found / total if total else np.nan,
            "lift": (found / cuts) / rate if rate else np.nan,
        }
    )


def top_decile_lift(y: np.ndarray, p: np.ndarray) -> float:
    """Conversion rate in the top-scored 10% divided by the overall rate."""
    y, _ = _arrays(y, p)
    if len(y) == 0 or y.mean() == 0:
        return float("nan")
    return float(gains_table(y, p).iloc[0]["lift"])


def classification_report(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Every metric the lead family logs, under stable names."""
    return {
        "roc_auc": roc_auc(y, p),
        "pr_auc": pr_auc(y, p),
        "brier": brier(y, p),
        "ece": ece(y, p),
        "lift_top_decile": top_decile_lift(y, p),
        "base_rate": float(np.mean(y)) if len(y) else float("nan"),
    }
