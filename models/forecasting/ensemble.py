"""A combination of forecasters: the mean (or median) of their point forecasts."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone

from engine.core.panel import Panel


class Ensemble(BaseEstimator):
    """Fit every member on the same panel and combine their forecasts period by period."""

    def __init__(self, members: list | tuple = (), combine: str = "mean") -> None:
        self.members = members
        self.combine = combine

    def fit(self, panel: Panel) -> Ensemble:
        if not self.members:
            raise ValueError("an ensemble needs at least one member")
        self.members_ = [clone(member).fit(panel) for member in self.members]
        return self

    def predict(self, horizon: int, future_exog: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Combined point forecasts, series x horizon."""
        stack = np.stack([m.predict(horizon, future_exog) for m in self.members_])
        return combine_forecasts(stack, self.combine)


def combine_forecasts(stack: np.ndarray, how: str = "mean") -> np.ndarray:
    """Combine (members x series x horizon) forecasts."""
    return np.median(stack, axis=0) if how == "median" else stack.mean(axis=0)
