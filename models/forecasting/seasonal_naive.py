"""Naive and seasonal naive: the honest baselines every model must beat."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from engine.core.calendar import season_length as season_length_for
from engine.core.panel import Panel
from models.forecasting.catalog import register
from models.forecasting.local import clean_series, trailing_gap

_Z80, _Z95 = 1.2815515655446004, 1.959963984540054


class SeasonalNaive(BaseEstimator):
    """Repeat the last full season; Gaussian intervals from seasonal-difference residuals."""

    def __init__(self, season_length: int | None = None) -> None:
        self.season_length = season_length

    def _period(self, panel: Panel) -> int:
        return self.season_length or season_length_for(panel.freq)

    def fit(self, panel: Panel) -> SeasonalNaive:
        m = self._period(panel)
        n_series = panel.n_series
        last = np.zeros((n_series, m))
        scale = np.zeros(n_series)
        used = np.ones(n_series, dtype=int)
        gap = np.zeros(n_series, dtype=int)
        for i, row in enumerate(panel.values):
            y = clean_series(row)
            gap[i] = trailing_gap(row)
            k = m if len(y) >= m else 1
            used[i] = k
            if len(y) == 0:
                continue
            season = y[len(y) - k :]
            last[i] = season[(np.arange(m) + gap[i]) % k]
            if len(y) > k:
                scale[i] = np.sqrt(np.mean((y[k:] - y[:-k]) ** 2))
        self.season_length_ = m
        self.used_period_ = used
        self.last_season_ = last
        self.residual_scale_ = scale
        self.n_series_ = n_series
        return self

    def predict(self, horizon: int, future_exog: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Point forecasts, shape (series, horizon)."""
        idx = np.arange(horizon) % self.season_length_
        return np.clip(self.last_season_[:, idx], 0.0, None)

    def horizon_scale(self, horizon: int) -> np.ndarray:
        """Forecast standard deviation per series and step: grows with completed seasons."""
        k = np.floor(np.arange(horizon)[None, :] / self.used_period_[:, None]) + 1
        return self.residual_scale_[:, None] * np.sqrt(k)

    def sample_paths(self, horizon: int, n_paths: int, seed: int = 0) -> np.ndarray:
        """Simulated futures, shape (series, paths, horizon), non-negative."""
        rng = np.random.default_rng(seed)
        mean = self.predict(horizon)
        noise = rng.standard_normal((self.n_series_, n_paths, horizon))
        paths = mean[:, None, :] + noise * self.horizon_scale(horizon)[:, None, :]
        return np.clip(paths, 0.0, None).astype(np.float32)


class Naive(SeasonalNaive):
    """Last observed value carried forward (seasonal naive with a season of one)."""

    def __init__(self) -> None:
        pass

    def _period(self, panel: Panel) -> int:
        return 1


register("naive", Naive(), "baseline", "last value carried forward")
register("seasonal_naive", SeasonalNaive(), "baseline", "last season repeated")
