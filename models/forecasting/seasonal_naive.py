"""Naive and seasonal naive: the honest baselines every model must beat."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from engine.core.calendar import season_length as season_length_for
from engine.core.panel import Panel
from models.forecasting.catalog import register
from models.forecasting.local import clean_series


class SeasonalNaive(BaseEstimator):
    """Repeat the last full season (the last value when there is less than a season).

    Forecasts start after each series' own last value, whenever that was.
    """

    def __init__(self, season_length: int | None = None) -> None:
        self.season_length = season_length

    def _period(self, panel: Panel) -> int:
        return self.season_length or season_length_for(panel.freq)

    def fit(self, panel: Panel) -> SeasonalNaive:
        m = self._period(panel)
        n_series = panel.n_series
        last = np.zeros((n_series, m))
        for i, row in enumerate(panel.values):
            y = clean_series(row)
            k = m if len(y) >= m else 1
            if len(y) == 0:
                continue
            season = y[len(y) - k :]
            last[i] = season[np.arange(m) % k]
        self.season_length_ = m
        self.last_season_ = last
        self.n_series_ = n_series
        return self

    def predict(self, horizon: int, future_exog: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Point forecasts, shape (series, horizon)."""
        idx = np.arange(horizon) % self.season_length_
        return np.clip(self.last_season_[:, idx], 0.0, None)


class Naive(SeasonalNaive):
    """Last observed value carried forward (seasonal naive with a season of one)."""

    def __init__(self) -> None:
        pass

    def _period(self, panel: Panel) -> int:
        return 1


register("naive", Naive(), "baseline", "last value carried forward")
register("seasonal_naive", SeasonalNaive(), "baseline", "last season repeated")
