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
