"""Partial pooling: products with little price variation borrow strength from their category."""

from __future__ import annotations

import numpy as np

MIN_GROUP = 3
"""Products with a finite estimate needed before a category mean is trusted."""


def shrink(estimates: np.ndarray, ses: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Empirical-Bayes shrinkage toward the precision-weighted mean (DerSimonian-Laird tau^2).

    Returns (pooled estimates, their standard errors, category mean, between-product sd).
    Non-finite estimates (no price variation at all) get the category mean and sd.
    """
    estimates = np.asarray(estimates, dtype=float)
    ses = np.asarray(ses, dtype=float)
    ok = np.isfinite(estimates) & np.isfinite(ses) & (ses > 0)
    if ok.sum() < MIN_GROUP:
        return estimates.copy(), ses.copy(), float("nan"), float("nan")
    w = 1.0 / ses[ok] ** 2
    mean_fixed = float(np.sum(w * estimates[ok]) / w.sum())
    q = float(np.sum(w * (estimates[ok] - mean_fixed) ** 2))
    denom = float(w.sum() - np.sum(w**2) / w.sum())
    tau2 = max((q - (ok.sum() - 1)) / denom, 0.0) if denom > 0 else 0.0
    tau2 = max(tau2, 1e-4)
    w_star = 1.0 / (ses[ok] ** 2 + tau2)
    mean = float(np.sum(w_star * estimates[ok]) / w_star.sum())
    pooled = np.full_like(estimates, mean)
    pooled_se = np.full_like(ses, np.sqrt(tau2))
    precision = 1.0 / ses[ok] ** 2 + 1.0 / tau2
    pooled[ok] = (estimates[ok] / ses[ok] ** 2 + mean / tau2) / precision
    pooled_se[ok] = np.sqrt(1.0 / precision)
    return pooled, pooled_se, mean, float(np.sqrt(tau2))
