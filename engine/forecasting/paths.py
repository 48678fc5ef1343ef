"""Sample paths from backtest errors: realistic futures whose sums give honest quarter intervals.

Errors are taken on the log1p scale from rolling-origin backtests (actual vs forecast, per window,
series and step), so a whole error trajectory across the horizon is kept together: that carries
the autocorrelation of real forecast errors into quarter totals. Each path draws one backtest
window for all series (shared shocks make totals co-move the way they did) and, per series, a
donor series' trajectory. Those draws decide only the *ranks* of the paths at every step (which
path is high, which low, jointly over steps and series); the values at a step are a fixed
log-scale spread around a level chosen so the paths' mean is the target forecast.

That construction gives every series and step the invariants a planner relies on: paths are
non-negative, their mean is exactly the target, lo_95 <= lo_80 <= mean <= hi_80 <= hi_95, and the
log-scale spread never shrinks from one step to the next, so a band never narrows while the
forecast holds or rises. (When the forecast itself falls, as in a seasonal trough, the band
narrows with it: errors are multiplicative. Forcing absolute widths up there would mean raising
the forecast.) Each mean level has a largest useful spread: beyond it, more spread would only pile
paths at zero, narrowing the bands and pushing the 90th percentile below the mean.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri
from sklearn.isotonic import isotonic_regression

from engine.core.intervals import BANDS, LEVELS

SHRINK_POINTS = 10.0
MAX_STANDARDIZED = 3.5
"""Standardized errors are winsorized here before they set a series' error size."""
MAX_LOG_DEVIATION = 3.0
"""No path strays further than a factor of e**3 (about 20x) from the paths' level."""
PRIOR_SIGMA = 0.5
"""Log-scale error size when no backtest error was ever observed (too little history)."""
MAX_SIGMA = 1.7
"""Log-scale spreads are searched up to here for their caps; none can exceed about 1.55, where
the 95% band reaches the MAX_LOG_DEVIATION limit and more spread would only narrow it."""
CAP_LEVELS = (1e-4, 1e3)
"""Mean levels spanned by the spread caps; tinier means get no spread at all, and above the top
the cap no longer changes (zero is too far away to matter)."""
SAMPLE_CELLS = 4_000_000
"""Path values sampled at once (a chunk of series x paths x horizon): bounds the working memory."""
MIN_CONFORMAL = 30
CONFORMAL_LEVELS = {0.80: float(ndtri(0.90)), 0.95: float(ndtri(0.975))}
CONFORMAL_LIMITS = (0.5, 2.0)
_QUANTILES = np.array(list(BANDS.values()))  # lo_95, lo_80, hi_80, hi_95
_TOLERANCE = 1e-9


def log_errors(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """log1p(actual) - log1p(forecast), same shape; NaN where the actual is missing."""
    return np.log1p(np.clip(actual, 0.0, None)) - np.log1p(np.clip(forecast, 0.0, None))


@dataclass(frozen=True)
class PathGrid:
    """Where sample paths' values come from: per series and step a log level and spread on the
    sorted normal grid z; `need` is how many leading steps each series is sampled for."""

    need: np.ndarray
    z: np.ndarray
    sigma: np.ndarray
    level: np.ndarray


class PathSampler:
    """Fit on errors (windows x series x steps); sample paths around any target mean."""

    def __init__(self, shrink_points: float = SHRINK_POINTS, dependence: float = 0.0) -> None:
        self.shrink_points = shrink_points
        self.dependence = dependence
        """Share of each path's rank that one draw holds for its whole horizon (0: ranks only
        from the resampled error trajectories; 1: a path is high or low at every step). It leaves
        every period's band alone and widens horizon totals' bands (see choose_dependence)."""

    def fit(self, errors: np.ndarray) -> PathSampler:
        errors = np.asarray(errors, dtype=float)
        if errors.ndim != 3 or errors.shape[2] == 0:
            raise ValueError("errors must be windows x series x steps with at least one step")
        if errors.shape[0] == 0:
            errors = np.full((1, *errors.shape[1:]), np.nan)
        count = np.sum(np.isfinite(errors), axis=(0, 2))
        sq = np.nansum(errors**2, axis=(0, 2))
        own = np.where(count > 0, sq / np.maximum(count, 1), np.nan)
        pooled = float(np.nanmedian(own)) if np.isfinite(own).any() else PRIOR_SIGMA**2
        own = np.nan_to_num(own, nan=pooled)
        k = self.shrink_points
        sigma = np.sqrt((count * own + k * pooled) / (count + k))
        self.sigma_ = np.maximum(sigma, 1e-6)
        standardized = np.clip(
            errors / self.sigma_[None, :, None], -MAX_STANDARDIZED, MAX_STANDARDIZED
        )
        self.pool_ = standardized  # NaN where no actual: filled with fresh noise when sampled
        profile = _step_profile(standardized)
        self.calibration_ = conformal_factors(standardized / profile[None, None, :])
        calibrated = isotonic_regression(profile * self.calibration_, increasing=True)
        self.profile_ = np.maximum(np.asarray(calibrated), 1e-6)
        n_traj = max(1, int(np.isfinite(errors).any(axis=2).sum()))
        spread = float(np.nanstd(standardized)) if np.isfinite(standardized).any() else 1.0
        self.bandwidth_ = 1.06 * (spread or 1.0) * n_traj ** (-0.2)
        return self

    def step_sigma(self, n_series: int, horizon: int) -> np.ndarray:
        """Log-scale spread per series and step (series x horizon), non-decreasing in the step.

        Within the backtest horizon it follows the errors' own growth; beyond it, it grows like
        a random walk (square root of the number of backtest horizons covered).
        """
        steps = len(self.profile_)
        k = np.arange(horizon)
        growth = np.where(k < steps, 1.0, np.sqrt((k + 1) / steps))
        profile = self.profile_[np.minimum(k, steps - 1)] * growth
        return self.sigma_[:n_series, None] * profile[None, :]

    def sample(
        self, target: np.ndarray, n_paths: int, seed: int = 0, steps: np.ndarray | None = None
    ) -> np.ndarray:
        """Paths (series x paths x horizon), float32, obeying the band invariants above.

        `target` (series x horizon) is the mean the paths should have: the point forecast after
        any bias correction. It is met exactly unless a band would otherwise narrow. `steps`
        (one per series, default the whole horizon) is how many leading steps a series needs:
        later steps are left at zero and cost nothing (a series that stopped early needs more
        steps than one that reaches the panel's end).
        """
        return self.draw(self.grid(target, n_paths, steps), seed)

    def grid(self, target: np.ndarray, n_paths: int, steps: np.ndarray | None = None) -> PathGrid:
        """The path values' grid around `target` (see sample): it does not depend on the seed
        or the dependence, so one grid serves every draw of a dependence search."""
        target = np.clip(np.nan_to_num(np.asarray(target, dtype=float)), 0.0, None)
        n, horizon = target.shape
        need = np.full(n, horizon) if steps is None else np.clip(np.asarray(steps), 1, horizon)
        target = np.where(np.arange(horizon)[None, :] < need[:, None], target, 0.0)
        z = ndtri((np.arange(n_paths) + 0.5) / n_paths)
        sigma = capped_sigma(target, self.step_sigma(n, horizon), n_paths)
        level = solve_level(z, target.ravel(), sigma.ravel()).reshape(n, horizon)
        return PathGrid(need, z, sigma, level)

    def draw(self, grid: PathGrid, seed: int = 0) -> np.ndarray:
        """Paths on a grid, ordered by resampled error trajectories (see sample).

        Series are sampled in chunks of about SAMPLE_CELLS path values, so the working memory
        beside the float32 result stays bounded however many series there are; the backtest
        window each path draws is shared by every chunk (common shocks), the rest is drawn per
        chunk.
        """
        need, z, sigma, level = grid.need, grid.z, grid.sigma, grid.level
        (n, horizon), n_paths = sigma.shape, z.size
        rng = np.random.default_rng(seed)
        pool_steps = self.pool_.shape[2]
        windows = rng.integers(0, self.pool_.shape[0], (-(-horizon // pool_steps), n_paths))
        paths = np.zeros((n, n_paths, horizon), dtype=np.float32)
        by_need = np.argsort(-need, kind="stable")  # chunks of similar length: no wasted steps
        for chunk in _length_chunks(need[by_need], n_paths, SAMPLE_CELLS):
            rows = by_need[chunk]
            length = int(need[rows[0]])
            blocks = windows[: -(-length // pool_steps)]
            order = self._order(
                len(rows), blocks, length, np.random.default_rng([seed, int(chunk[0])])
            )
            step_paths = np.empty((len(rows), n_paths), dtype=np.float32)
            for step in range(length):
                values = grid_values(level[rows, step], sigma[rows, step], z)  # ascending per row
                np.put_along_axis(step_paths, order[:, step], values.astype(np.float32), axis=1)
                paths[rows, :, step] = step_paths
        return paths

    def _order(
        self, n: int, windows: np.ndarray, horizon: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Paths from lowest to highest (series x horizon x paths), from resampled trajectories.

        `windows` (blocks x paths) is the backtest window each path takes its errors from.
        """
        _, n_donors, steps = self.pool_.shape
        blocks, n_paths = windows.shape
        dev = np.empty((n, blocks * steps, n_paths), dtype=np.float32)  # only ranks matter
        for b in range(blocks):
            donor = rng.integers(0, n_donors, (n, n_paths))
            traj = self.pool_[windows[b][None, :], donor]  # n x paths x steps
            missing = np.isnan(traj)
            traj[missing] = rng.standard_normal(int(missing.sum()))
            # smoothed bootstrap: a kernel jitter, half shared across the block's steps
            common = rng.standard_normal((n, n_paths, 1))
            own = rng.standard_normal((n, n_paths, steps))
            traj = traj + self.bandwidth_ * np.sqrt(0.5) * (common + own)
            dev[:, b * steps : (b + 1) * steps, :] = traj.transpose(0, 2, 1)
        if self.dependence > 0:  # drawn last, so dependence 0 keeps the same paths
            spread = np.sqrt(1.0 + self.bandwidth_**2)
            level = rng.standard_normal((n, 1, n_paths)).astype(np.float32)
            w = self.dependence
            dev = np.sqrt(1.0 - w) * dev / spread + np.sqrt(w) * level
        return np.argsort(dev[:, :horizon], axis=2)


DEPENDENCE_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75)
"""Dependence values tried by choose_dependence, in increasing order."""
CHECK_PATHS = 200


def choose_dependence(
    actual: np.ndarray,
    forecast: np.ndarray,
    seed: int = 0,
    grid: tuple[float, ...] = DEPENDENCE_GRID,
) -> float:
    """The path dependence whose horizon-total bands best covered held-out backtest windows.

    actual, forecast: windows x series x steps. Each window in turn is left out: paths are
    sampled around its forecast from the other windows' errors, and its complete series' totals
    are checked against their 80% and 95% bands; the miss is the mean distance from nominal
    coverage, and the grid value with the smallest miss wins (the first on ties). The whole grid
    is tried: on OJ with 1992Q1 held out the miss rose and then fell again along it, so stopping
    at the first rise chose too little. Period bands do not depend on the value, so only totals
    move. With one window: the grid's first.
    """
    if len(actual) < 2:
        return grid[0]
    errors = log_errors(actual, forecast)
    held_out = {}
    for k in range(len(actual)):
        complete = np.isfinite(actual[k]).all(axis=1)
        if complete.any():
            sampler = PathSampler().fit(np.delete(errors, k, axis=0))
            values = sampler.grid(forecast[k][complete], CHECK_PATHS)
            held_out[k] = (sampler, values, actual[k][complete].sum(axis=1))
    if not held_out:
        return grid[0]
    misses = []
    for w in grid:
        gaps = []
        for k, (sampler, values, truth) in held_out.items():
            sampler.dependence = w  # only the ranks' draw reads it: the fit and grid stay valid
            totals = sampler.draw(values, seed + k).sum(axis=2)
            for lo, hi in LEVELS.values():
                low, high = np.quantile(totals, [lo, hi], axis=1)
                gaps.append(abs(float(np.mean((truth >= low) & (truth <= high))) - (hi - lo)))
        misses.append(float(np.mean(gaps)))
    return grid[int(np.argmin(misses))]


def conformal_factors(scores: np.ndarray) -> np.ndarray:
    """Per step, the spread factor that makes the backtest errors' own quantiles the bands.

    `scores` are errors divided by their modelled spread (windows x series x steps). For each
    level the split-conformal quantile of |score| (rank ceil((n + 1) level)) over the normal
    quantile is the factor that level needs; one spread serves both bands, so the factor is
    the geometric mean of the two levels' factors. Steps with fewer than MIN_CONFORMAL scores
    keep factor 1; factors stay within CONFORMAL_LIMITS.
    """
    out = np.ones(scores.shape[2])
    for step in range(scores.shape[2]):
        size = np.sort(np.abs(scores[:, :, step][np.isfinite(scores[:, :, step])]))
        n = size.size
        if n < MIN_CONFORMAL:
            continue
        factors = []
        for level, z in CONFORMAL_LEVELS.items():
            rank = min(int(np.ceil((n + 1) * level)), n) - 1
            factors.append(size[rank] / z)
        out[step] = float(np.clip(np.sqrt(np.prod(factors)), *CONFORMAL_LIMITS))
    return out


def _step_profile(standardized: np.ndarray) -> np.ndarray:
    """Relative error size per backtest step: the non-decreasing least-squares fit to the data."""
    seen = np.isfinite(standardized)
    count = seen.sum(axis=(0, 1)).astype(float)
    if count.sum() == 0:
        return np.ones(standardized.shape[2])
    mean_sq = np.where(seen, standardized**2, 0.0).sum(axis=(0, 1)) / np.maximum(count, 1)
    overall = float((mean_sq * count).sum() / count.sum()) or 1.0
    fitted = isotonic_regression(mean_sq / overall, sample_weight=count + 1e-9, increasing=True)
    return np.sqrt(np.maximum(np.asarray(fitted), 1e-12))


def grid_values(level: np.ndarray, sigma: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Path values on the sorted standard-normal grid z (rows x paths), ascending per row."""
    dev = np.clip(sigma[:, None] * z[None, :], -MAX_LOG_DEVIATION, MAX_LOG_DEVIATION)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.clip(np.expm1(level[:, None] + dev), 0.0, None)


def grid_bands(values: np.ndarray) -> np.ndarray:
    """Band quantiles (4 x rows) of ascending rows, exactly as np.quantile ('linear') gives them."""
    pos = _QUANTILES * (values.shape[1] - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, values.shape[1] - 1)
    frac = pos - lo
    return values[:, lo].T + frac[:, None] * (values[:, hi].T - values[:, lo].T)


def _ordered(values: np.ndarray, bands: np.ndarray) -> np.ndarray:
    """Rows whose mean lies inside their 80% band (and so inside the 95% band)."""
    mean = values.mean(axis=1)
    slack = _TOLERANCE * (1.0 + mean)
    return (bands[1] <= mean + slack) & (mean <= bands[2] + slack)


def solve_level(z: np.ndarray, target: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Log level per row whose grid values have mean `target` (-inf where the target is 0).

    The mean is convex and increasing in the level, and log1p(target) lies at or above the
    root (the deviations are symmetric), so Newton's steps approach it from above.
    """
    level = np.where(target > 0, np.log1p(target), -np.inf)
    for rows in _length_chunks(np.ones(target.size, dtype=int), z.size):
        active = rows[target[rows] > 0]
        for _ in range(100):
            if not active.size:
                break
            values = grid_values(level[active], sigma[active], z)
            gap = values.mean(axis=1) - target[active]
            slope = np.where(values > 0, values + 1.0, 0.0).mean(axis=1)
            done = (np.abs(gap) <= 1e-10 * (1.0 + target[active])) | (slope == 0)
            level[active] -= np.where(done, 0.0, gap / np.where(slope > 0, slope, 1.0))
            active = active[~done]
    return level


def _length_chunks(lengths: np.ndarray, n_paths: int, cells: int = 2_000_000) -> list[np.ndarray]:
    """Positions of non-increasing `lengths` in pieces of at most `cells` path values, each
    piece counted at its first (longest) length; a single row may exceed it."""
    chunks, start = [], 0
    while start < len(lengths):
        size = max(1, cells // max(int(lengths[start]) * n_paths, 1))
        chunks.append(np.arange(start, min(start + size, len(lengths))))
        start += size
    return chunks


@functools.lru_cache(maxsize=8)
def spread_caps(n_paths: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest log-scale spread allowed per mean level, on a grid of levels (levels, caps).

    Below its cap, a wider spread never narrows either band and the mean stays inside the 80%
    band. Tiny means need small caps: more spread would only pile paths at zero, pushing the 90th
    percentile below the mean. Caps are non-decreasing in the level and read at the grid level at
    or below a mean, so they stay on the safe side in between.
    """
    z = ndtri((np.arange(n_paths) + 0.5) / n_paths)
    levels = np.geomspace(CAP_LEVELS[0], CAP_LEVELS[1], 41)
    spreads = np.arange(0.0, MAX_SIGMA + 1e-9, 0.01)
    t = np.repeat(levels, spreads.size)
    sg = np.tile(spreads, levels.size)
    values = grid_values(solve_level(z, t, sg), sg, z)
    bands = grid_bands(values)
    shape = (levels.size, spreads.size)
    ok = _ordered(values, bands).reshape(shape)
    for lo, hi in ((1, 2), (0, 3)):
        width = (bands[hi] - bands[lo]).reshape(shape)
        grows = np.diff(width, axis=1) >= -1e-12 * (1.0 + width[:, 1:])
        ok[:, 1:] &= grows
    first_bad = np.where(ok.all(axis=1), spreads.size, np.argmin(ok, axis=1))
    caps = spreads[np.maximum(first_bad - 1, 0)]
    caps = np.minimum.accumulate(caps[::-1])[::-1]  # non-decreasing, never above the true cap
    return levels, caps


def capped_sigma(target: np.ndarray, sigma: np.ndarray, n_paths: int) -> np.ndarray:
    """The spread per series and step, limited by the cap of its mean level."""
    levels, caps = spread_caps(n_paths)
    at = np.searchsorted(levels, target, side="right") - 1
    cap = np.where(at >= 0, caps[np.clip(at, 0, None)], 0.0)
    return np.minimum(sigma, cap)


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
