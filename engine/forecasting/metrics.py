"""Forecast accuracy metrics on (series x horizon) arrays; NaN actuals are ignored."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

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


def mase_scale(insample: np.ndarray, season_length: int) -> np.ndarray:
    """Per-series in-sample MAE of the seasonal naive forecast (naive when too short)."""
    insample = np.atleast_2d(insample)
    out = np.full(insample.shape[0], np.nan)
    for m in (season_length, 1):
        if insample.shape[1] <= m:
            continue
        with np.errstate(invalid="ignore"), _quiet():
            scale = np.nanmean(np.abs(insample[:, m:] - insample[:, :-m]), axis=1)
        todo = ~np.isfinite(out) | (out <= 0)
        out[todo] = scale[todo]
    return out


def mase_per_series(actual: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """MAE / scale per series (NaN where the scale is zero or unknown)."""
    with np.errstate(invalid="ignore", divide="ignore"), _quiet():
        mae = np.nanmean(np.abs(np.atleast_2d(actual) - np.atleast_2d(forecast)), axis=1)
        ratio = mae / scale
    return np.where(np.isfinite(ratio), ratio, np.nan)


def smape_per_series(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """sMAPE in percent per series (the M3 convention: mean over the horizon)."""
    a, f = np.atleast_2d(actual), np.atleast_2d(forecast)
    denom = np.abs(a) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"), _quiet():
        terms = np.where(denom > 0, 200.0 * np.abs(a - f) / denom, 0.0)
        terms = np.where(np.isnan(a), np.nan, terms)
        return np.nanmean(terms, axis=1)


def finite_mean(values: np.ndarray | list[float]) -> float:
    """Mean of the finite values; NaN (and no 'mean of empty slice' warning) when there is none."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    return float(finite.mean()) if finite.size else float("nan")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence numpy's 'mean of empty slice' warnings for all-missing series."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
