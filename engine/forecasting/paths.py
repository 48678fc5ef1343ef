"""Sample paths from backtest errors: realistic futures whose sums give honest quarter intervals.

Errors are taken on the log1p scale from rolling-origin backtests (actual vs forecast, per window,
series and step), so a whole error trajectory across the horizon is kept together: that carries
the autocorrelation of real forecast errors into quarter totals. Each path draws one backtest
window for all series (shared shocks make totals co-move the way they did) and, per series, a
donor series' trajectory rescaled to the series' own error size.
"""

from __future__ import annotations

import numpy as np

SHRINK_POINTS = 10.0
MAX_STANDARDIZED = 3.5
"""Standardized errors are winsorized here: one wild backtest miss must not make path means
explode after exponentiation."""
MAX_LOG_DEVIATION = 3.0
"""No path strays further than a factor of e**3 (about 20x) from the point forecast."""


def log_errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """log1p(actual) - log1p(forecast), same shape; NaN where the actual is missing."""
    return np.log1p(np.clip(actual, 0.0, None)) - np.log1p(np.clip(forecast, 0.0, None))


class PathSampler:
    """Fit on errors (windows x series x steps); sample paths around any point forecast."""

    def __init__(self, shrink_points: float = SHRINK_POINTS) -> None:
        self.shrink_points = shrink_points

    def fit(self, errors: np.ndarray) -> PathSampler:
        errors = np.asarray(errors, dtype=float)
        count = np.sum(np.isfinite(errors), axis=(0, 2))
        sq = np.nansum(errors**2, axis=(0, 2))
        own = np.where(count > 0, sq / np.maximum(count, 1), np.nan)
        pooled = float(np.nanmedian(own)) if np.isfinite(own).any() else 0.1
        own = np.nan_to_num(own, nan=pooled)
        k = self.shrink_points
        sigma = np.sqrt((count * own + k * pooled) / (count + k))
        self.sigma_ = np.maximum(sigma, 1e-6)
        pool = np.nan_to_num(errors / self.sigma_[None, :, None], nan=0.0)
        self.pool_ = np.clip(pool, -MAX_STANDARDIZED, MAX_STANDARDIZED)
        n_traj = max(1, int(np.isfinite(errors).any(axis=2).sum()))
        spread = float(np.std(self.pool_)) or 1.0
        self.bandwidth_ = 1.06 * spread * n_traj ** (-0.2)
        return self

    def sample(self, mean: np.ndarray, n_paths: int, seed: int = 0) -> np.ndarray:
        """Paths (series x paths x horizon), float32, non-negative."""
        rng = np.random.default_rng(seed)
        n, horizon = mean.shape
        n_windows, n_donors, steps = self.pool_.shape
        blocks = -(-horizon // steps)
        dev = np.empty((n, n_paths, blocks * steps))
        for b in range(blocks):
            window = rng.integers(0, n_windows, n_paths)
            donor = rng.integers(0, n_donors, (n, n_paths))
            traj = self.pool_[window[None, :], donor]  # n x paths x steps
            # smoothed bootstrap: a kernel jitter, half shared across the block's steps
            common = rng.standard_normal((n, n_paths, 1))
            own = rng.standard_normal((n, n_paths, steps))
            traj = traj + self.bandwidth_ * np.sqrt(0.5) * (common + own)
            dev[:, :, b * steps : (b + 1) * steps] = traj * np.sqrt(b + 1)
        dev = dev[:, :, :horizon] * self.sigma_[:n, None, None]
        dev = np.clip(dev, -MAX_LOG_DEVIATION, MAX_LOG_DEVIATION)
        base = np.log1p(np.clip(mean, 0.0, None))[:, None, :]
        return np.clip(np.expm1(base + dev), 0.0, None).astype(np.float32)


BIAS_PRIOR_WINDOWS = 3.0
BIAS_LIMITS = (0.5, 2.0)


def bias_ratios(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Per-series actual/forecast volume ratio over backtest windows, shrunk to the pooled one.

    actual, forecast: windows x series x steps. Median-type point forecasts of spiky
    (promotion-driven) series run low in total; this is the factor that makes totals unbiased.
    """
    seen = np.isfinite(actual)
    a = np.where(seen, actual, 0.0).sum(axis=2)
    f = np.where(seen, forecast, 0.0).sum(axis=2)
    pooled = a.sum() / f.sum() if f.sum() > 0 else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_window = np.where(f > 0, a / f, np.nan)
    n = np.sum(np.isfinite(per_window), axis=0)
    total = np.nansum(per_window, axis=0)
    own = np.where(n > 0, total / np.maximum(n, 1), pooled)
    ratio = (n * own + BIAS_PRIOR_WINDOWS * pooled) / (n + BIAS_PRIOR_WINDOWS)
    return np.clip(ratio, *BIAS_LIMITS)


def match_means(paths: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rescale each series' paths so their mean per step equals `target` (series x steps)."""
    current = paths.mean(axis=1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(current > 0, target / current, 1.0)
    return (paths * factor[:, None, :]).astype(np.float32)
