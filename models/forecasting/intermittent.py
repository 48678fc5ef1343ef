"""Intermittent demand: Croston SBA, TSB, ADIDA and IMAPA for series with many zeros.

A series is intermittent when its average demand interval (ADI) is at least 1.32 periods
(Syntetos-Boylan): then smoothing the level gives forecasts that chase the last spike, while
these methods forecast the demand rate per period, which is what a planner sums. Forecasts are
never negative. On a series that is not intermittent these models return the simple fallback
(and the selection never chooses them there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.forecasting.catalog import register
from models.forecasting.local import MIN_POINTS, LocalForecaster

ADI_LIMIT = 1.32
CV2_LIMIT = 0.49
METHODS = ("CrostonSBA", "TSB", "ADIDA", "IMAPA")
TSB_ALPHAS = (0.1, 0.1)
"""TSB smoothing for the demand probability and the demand size (statsforecast needs them set)."""


def demand_class(y: np.ndarray) -> str:
    """Syntetos-Boylan class of a cleaned series: smooth, erratic, intermittent or lumpy.

    ADI is the number of periods per non-zero demand, CV² the squared coefficient of variation
    of the non-zero demand sizes. A series with no demand at all is 'none'.
    """
    y = np.asarray(y, dtype=float)
    sizes = y[y > 0]
    if sizes.size == 0:
        return "none"
    adi = len(y) / sizes.size
    cv2 = float(np.var(sizes) / np.mean(sizes) ** 2)
    if adi < ADI_LIMIT:
        return "smooth" if cv2 < CV2_LIMIT else "erratic"
    return "intermittent" if cv2 < CV2_LIMIT else "lumpy"


def is_intermittent(y: np.ndarray) -> bool:
    """True for series whose demand arrives in fewer than 1 of every 1.32 periods."""
    return demand_class(y) in ("intermittent", "lumpy")


class IntermittentModel(LocalForecaster):
    """One statsforecast intermittent-demand method per series (CrostonSBA, TSB, ADIDA, IMAPA)."""

    def __init__(self, method: str = "CrostonSBA") -> None:
        self.method = method

    def _unfit_reason(self, y: np.ndarray, m: int) -> str | None:
        if len(y) < MIN_POINTS:
            return "too short"
        if not (y > 0).any():
            return "no demand"
        if not is_intermittent(y):
            return "not intermittent"
        return None

    def _fit_one(self, y: np.ndarray, m: int) -> Any:
        from statsforecast import models

        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {self.method!r}")
        if self.method == "TSB":
            model = models.TSB(alpha_d=TSB_ALPHAS[0], alpha_p=TSB_ALPHAS[1])
        else:
            model = getattr(models, self.method)()
        return model.fit(np.clip(y, 0.0, None))

    def _forecast_one(self, state: Any, horizon: int) -> np.ndarray:
        return np.clip(np.asarray(state.predict(horizon)["mean"], dtype=float), 0.0, None)


register("croston_sba", IntermittentModel("CrostonSBA"), "intermittent", "Croston, SBA-corrected")
register("tsb", IntermittentModel("TSB"), "intermittent", "Teunter-Syntetos-Babai")
register("adida", IntermittentModel("ADIDA"), "intermittent", "aggregate-disaggregate (ADIDA)")
register("imapa", IntermittentModel("IMAPA"), "intermittent", "multiple aggregation (IMAPA)")
