"""statsforecast's AutoETS, AutoARIMA, AutoCES and DynamicOptimizedTheta behind our contract.

statsforecast's numba models are several times faster than the statsmodels path and cover
the model families of the SCUM combination. Seasons up to MAX_NATIVE_SEASON are modelled by
statsforecast itself; longer ones (52 weeks) are removed by our classical decomposition first,
as the statsmodels models do, because statsforecast drops them.

Backtests are cheap: `backtest_forecasts` fits once on the oldest window's history and applies
those fitted models (`forward`: same parameters, states run over the longer history) to every
later window, so no window ever sees a parameter estimated on data after its cut.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from engine.core.calendar import season_length as season_length_for
from engine.core.panel import Panel
from models.forecasting.catalog import MAX_NATIVE_SEASON, register
from models.forecasting.local import (
    LocalForecaster,
    clean_series,
    deseasonalize,
    fallback_forecast,
    fallback_state,
    reseasonalize,
)

KINDS = ("AutoETS", "AutoARIMA", "AutoCES", "DynamicOptimizedTheta")


def _model(kind: str, season: int) -> Any:
    """A fresh, unfitted statsforecast model of one kind."""
    from statsforecast import models

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return getattr(models, kind)(season_length=season)


class StatsForecastModel(LocalForecaster):
    """One statsforecast model per series (kind: AutoETS, AutoARIMA, AutoCES, DOTM)."""

    def __init__(self, kind: str = "AutoETS", season_length: int | None = None) -> None:
        self.kind = kind
        self.season_length = season_length

    def _fit_one(self, y: np.ndarray, m: int) -> Any:
        if 1 < m <= MAX_NATIVE_SEASON:
            model = _model(self.kind, m if len(y) >= 2 * m else 1).fit(y)
            return (model, None, False, len(y), m)
        adj, idx, mult = deseasonalize(y, m)
        return (_model(self.kind, 1).fit(adj), idx, mult, len(y), m)

    def _forecast_one(self, state: Any, horizon: int) -> np.ndarray:
        model, idx, mult, n, m = state
        mean = np.asarray(model.predict(horizon)["mean"], dtype=float)
        return mean if idx is None else reseasonalize(mean, idx, mult, n, m)

    def _forward_one(self, state: Any, y: np.ndarray, horizon: int) -> np.ndarray:
        """The fitted model of `state` run over a longer history `y` (no re-estimation)."""
        model, idx, mult, _, m = state
        if idx is None:
            return np.asarray(model.forward(y=y, h=horizon)["mean"], dtype=float)
        season = idx[np.arange(len(y)) % m] if m > 1 else idx[np.zeros(len(y), dtype=int)]
        adj = y / season if mult else y - season
        mean = np.asarray(model.forward(y=adj, h=horizon)["mean"], dtype=float)
        return reseasonalize(mean, idx, mult, len(y), m)

    def backtest_forecasts(self, panel: Panel, cuts: list[int], horizon: int) -> np.ndarray:
        """Forecasts (windows x series x horizon) from one fit at the oldest cut."""
        m = self.season_length or season_length_for(panel.freq)
        self.fit(panel.head(cuts[0]))
        out = np.zeros((len(cuts), panel.n_series, horizon))
        out[0] = self.predict(horizon)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k, cut in enumerate(cuts[1:], start=1):
                for i, row in enumerate(panel.values[:, :cut]):
                    out[k, i] = self._later_window(self.states_[i], clean_series(row), m, horizon)
        return np.clip(np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)

    def _later_window(self, state: Any, y: np.ndarray, m: int, horizon: int) -> np.ndarray:
        """One series' forecast at a later cut: forward the fitted model, else fit afresh."""
        fitted = not (isinstance(state, tuple) and state and state[0] == "fallback")
        if fitted:
            try:
                return self._forward_one(state, y, horizon)
            except Exception:  # noqa: BLE001 - a failed forward falls back to a fresh fit
                pass
        if self._unfit_reason(y, m) is None:
            try:
                return np.asarray(self._forecast_one(self._fit_one(y, m), horizon), dtype=float)
            except Exception:  # noqa: BLE001 - any model failure falls back
                pass
        return fallback_forecast(fallback_state(y, m), horizon)


register(
    "auto_ets",
    StatsForecastModel("AutoETS"),
    "local",
    "statsforecast AutoETS (error, trend, season chosen by AICc)",
)
register(
    "auto_arima",
    StatsForecastModel("AutoARIMA"),
    "local",
    "statsforecast AutoARIMA (stepwise order search)",
)
register(
    "auto_ces",
    StatsForecastModel("AutoCES"),
    "local",
    "statsforecast complex exponential smoothing",
)
register(
    "dotm",
    StatsForecastModel("DynamicOptimizedTheta"),
    "local",
    "statsforecast dynamic optimized Theta",
)
