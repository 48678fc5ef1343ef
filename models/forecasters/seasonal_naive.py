"""Seasonal naive: next year's period equals this year's; the baseline every model must beat."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from engine.calendar import season_length as season_length_for
from engine.panel import Panel

_Z80, _Z95 = 1.2815515655446004, 1.959963984540054


class SeasonalNaive(BaseEstimator):
    """Repeat the last full season; Gaussian intervals from seasonal-difference residuals."""

    def __init__(self, season_length: int | None = None) -> None:
        self.season_length = season_length

    def fit(self, panel: Panel) -> SeasonalNaive:
        m = self.season_length or season_length_for(panel.freq)
        values = _fill_gaps(panel.values)
        n = values.shape[1]
        if n < m:
            m = 1  # too short for a season: fall back to naive (last value)
        self.season_length_ = m
        self.last_season_ = values[:, n - m :]
        diffs = values[:, m:] - values[:, :-m] if n > m else np.zeros((len(values), 1))
        with np.errstate(invalid="ignore"):
            scale = np.sqrt(np.nanmean(diffs**2, axis=1))
        self.residual_scale_ = np.nan_to_num(scale, nan=0.0)
        self.n_series_ = len(values)
        return self

    def predict(self, horizon: int) -> np.ndarray:
        """Point forecasts, shape (series, horizon)."""
        m = self.season_length_
        idx = np.arange(horizon) % m
        return np.clip(self.last_season_[:, idx], 0.0, None)

    def horizon_scale(self, horizon: int) -> np.ndarray:
        """Forecast standard deviation per series and step: grows with completed seasons."""
        k = np.floor(np.arange(horizon) / self.season_length_) + 1
        return self.residual_scale_[:, None] * np.sqrt(k)[None, :]

    def sample_paths(self, horizon: int, n_paths: int, seed: int = 0) -> np.ndarray:
        """Simulated futures, shape (series, paths, horizon), non-negative."""
        rng = np.random.default_rng(seed)
        mean = self.predict(horizon)
        noise = rng.standard_normal((self.n_series_, n_paths, horizon))
        paths = mean[:, None, :] + noise * self.horizon_scale(horizon)[:, None, :]
        return np.clip(paths, 0.0, None).astype(np.float32)


def _fill_gaps(values: np.ndarray) -> np.ndarray:
    """Missing periods inside a series count as zero sales; before its start they stay zero too."""
    return np.nan_to_num(values, nan=0.0)
