"""Per-series statistical models: ETS and ARIMA on statsmodels, and the Theta method.

Each removes yearly seasonality by classical decomposition first (so weekly data with a 52-week
season stays cheap), fits the statsmodels model to the adjusted series, and puts the season back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from statsmodels.tsa.arima.model import ARIMA as _SmARIMA
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from models.forecasting.catalog import register
from models.forecasting.local import LocalForecaster, deseasonalize, reseasonalize
from models.forecasting.ses import fit_ses


class ETS(LocalForecaster):
    """Exponential smoothing on the seasonally adjusted series.

    trend=None is simple exponential smoothing, "damped" additive damped trend, "auto" picks the
    one with the lower AICc per series.
    """

    def __init__(self, trend: str | None = "auto", season_length: int | None = None) -> None:
        self.trend = trend
        self.season_length = season_length

    def _fit_one(self, y: np.ndarray, m: int) -> Any:
        adj, idx, mult = deseasonalize(y, m)
        choices: dict[str | None, list[str | None]] = {
            "auto": [None, "damped"],
            None: [None],
            "damped": ["damped"],
        }
        options = choices[self.trend]
        best, best_ic = None, np.inf
        for trend in options:
            if trend == "damped" and len(y) < 10:
                continue
            model = ExponentialSmoothing(
                adj,
                trend="add" if trend else None,
                damped_trend=bool(trend),
                initialization_method="estimated",
            ).fit()
            ic = model.aicc if np.isfinite(model.aicc) else model.sse
            if best is None or ic < best_ic:
                best, best_ic = model, ic
        return (best, idx, mult, len(y), m)

    def _forecast_one(self, state: Any, horizon: int) -> np.ndarray:
        model, idx, mult, n, m = state
        return reseasonalize(np.asarray(model.forecast(horizon)), idx, mult, n, m)


class Theta(LocalForecaster):
    """The Theta method (SES with half the linear-trend drift) on the seasonally adjusted series.

    The two-step estimate of statsmodels' `ThetaModel` (OLS drift, least-squares SES from the
    first value), computed with `models.forecasting.ses` at a fraction of its cost per series.
    """

    def __init__(self, season_length: int | None = None) -> None:
        self.season_length = season_length

    def _fit_one(self, y: np.ndarray, m: int) -> Any:
        adj, idx, mult = deseasonalize(y, m)
        drift = float(np.polyfit(np.arange(len(adj)), adj, 1)[0])
        alpha, level = fit_ses(adj, float(adj[0]))
        return (ThetaState(drift, alpha, level), idx, mult, len(y), m)

    def _forecast_one(self, state: Any, horizon: int) -> np.ndarray:
        model, idx, mult, n, m = state
        if isinstance(model, ThetaState):
            forecast = model.path(horizon, n)
        else:  # models registered before 2026-11-26 hold statsmodels' fitted ThetaModel
            forecast = model.forecast(horizon)
        return reseasonalize(np.asarray(forecast), idx, mult, n, m)


@dataclass(frozen=True)
class ThetaState:
    """A fitted Theta line: OLS drift of the adjusted series, SES weight and final level."""

    drift: float
    alpha: float
    level: float

    def path(self, horizon: int, n_obs: int) -> np.ndarray:
        """Theta = 2 forecast: the SES level plus half the drift, as Hyndman & Billah (2003)."""
        steps = np.arange(horizon, dtype=float)
        a = self.alpha
        # (1 - (1 - a)^n) / a, which tends to n as a -> 0
        weight = -np.expm1(n_obs * np.log1p(-a)) / a if 0 < a < 1 else (1.0 if a else n_obs)
        return self.level + 0.5 * self.drift * (steps + weight)


class ARIMA(LocalForecaster):
    """ARIMA(p, d, q) on the seasonally adjusted series (statsmodels state-space estimation)."""

    def __init__(
        self, order: tuple[int, int, int] = (1, 1, 1), season_length: int | None = None
    ) -> None:
        self.order = order
        self.season_length = season_length

    def _fit_one(self, y: np.ndarray, m: int) -> Any:
        adj, idx, mult = deseasonalize(y, m)
        trend = "t" if self.order[1] == 1 else "c" if self.order[1] == 0 else "n"
        model = _SmARIMA(adj, order=tuple(self.order), trend=trend).fit()
        return (model, idx, mult, len(y), m)

    def _forecast_one(self, state: Any, horizon: int) -> np.ndarray:
        model, idx, mult, n, m = state
        return reseasonalize(np.asarray(model.forecast(horizon)), idx, mult, n, m)


register("theta", Theta(), "local", "Theta method")
register("ets", ETS(trend=None), "local", "simple exponential smoothing")
register("ets_auto", ETS(trend="auto"), "local", "ETS with damped trend chosen by AICc")
register("arima", ARIMA(order=(1, 1, 1)), "local", "ARIMA(1,1,1)")
