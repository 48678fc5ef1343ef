"""Simple exponential smoothing by least squares, fast enough to fit per series per window.

The Theta method's smoothing step: the level recursion runs in scipy's C filter and the
smoothing weight is found by a coarse grid and then Brent's method inside the best bracket,
the way statsmodels' `ExponentialSmoothing` (known initial level) searches, at a fraction of
its cost per series.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.signal import lfilter

ALPHA_BOUNDS = (0.0, 1.0)
GRID = np.linspace(*ALPHA_BOUNDS, 21)


def levels(y: np.ndarray, alpha: float, level0: float) -> np.ndarray:
    """The level before each observation and after the last (len(y) + 1 values)."""
    after, _ = lfilter([alpha], [1.0, alpha - 1.0], y, zi=[(1.0 - alpha) * level0])
    return np.concatenate([[level0], after])


def squared_error(alpha: float, y: np.ndarray, level0: float) -> float:
    """Sum of squared one-step errors of SES with this weight."""
    error = y - levels(y, alpha, level0)[:-1]
    return float(error @ error)


def fit_ses(y: np.ndarray, level0: float) -> tuple[float, float]:
    """(smoothing weight, final level) minimising the one-step squared error."""
    sse = np.array([squared_error(a, y, level0) for a in GRID])
    k = int(np.argmin(sse))
    low, high = GRID[max(k - 1, 0)], GRID[min(k + 1, len(GRID) - 1)]
    found = minimize_scalar(
        squared_error, bounds=(low, high), args=(y, level0), method="bounded",
        options={"xatol": 1e-7},
    )  # fmt: skip
    alpha = float(found.x) if found.fun <= sse[k] else float(GRID[k])
    return alpha, float(levels(y, alpha, level0)[-1])
