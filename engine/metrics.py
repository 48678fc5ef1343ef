"""Forecast accuracy metrics on (series x horizon) arrays; NaN actuals are ignored."""

from __future__ import annotations

import numpy as np


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: sum|y - f| / sum|y| (as a fraction)."""
    mask = ~np.isnan(actual)
    denom = np.abs(actual[mask]).sum()
    if denom == 0:
        return float("nan")
    return float(np.abs(actual[mask] - forecast[mask]).sum() / denom)


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent, mean over points with a non-zero denominator."""
    mask = ~np.isnan(actual)
    a, f = actual[mask], forecast[mask]
    denom = np.abs(a) + np.abs(f)
    ok = denom > 0
    return float(np.mean(200.0 * np.abs(a[ok] - f[ok]) / denom[ok])) if ok.any() else float("nan")


def mape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Mean absolute percentage error in percent over non-zero actuals."""
    mask = ~np.isnan(actual) & (actual != 0)
    if not mask.any():
        return float("nan")
    return float(np.mean(100.0 * np.abs(actual[mask] - forecast[mask]) / np.abs(actual[mask])))


def mase(
    actual: np.ndarray, forecast: np.ndarray, insample: np.ndarray, season_length: int
) -> float:
    """Mean absolute scaled error: mean over series of MAE / in-sample seasonal-naive MAE."""
    actual, forecast, insample = (np.atleast_2d(x) for x in (actual, forecast, insample))
    m = season_length if insample.shape[1] > season_length else 1
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.nanmean(np.abs(insample[:, m:] - insample[:, :-m]), axis=1)
        mae = np.nanmean(np.abs(actual - forecast), axis=1)
        ratio = mae / scale
    ratio = ratio[np.isfinite(ratio)]
    return float(ratio.mean()) if ratio.size else float("nan")


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside [lower, upper]."""
    mask = ~np.isnan(actual)
    inside = (actual[mask] >= lower[mask]) & (actual[mask] <= upper[mask])
    return float(inside.mean()) if inside.size else float("nan")
