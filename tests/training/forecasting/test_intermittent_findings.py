"""Intermittent series are named as fallbacks only when no intermittent-demand model runs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.panel import Panel
from training.forecasting.findings import fallback_finding


def test_intermittent_series_are_no_fallback_when_croston_and_friends_run() -> None:
    rng = np.random.default_rng(0)
    n = 104
    sparse = np.where(rng.random(n) < 0.2, rng.poisson(5, n) + 1, 0).astype(float)
    values = np.vstack([rng.poisson(50, n).astype(float), sparse, np.full(n, 3.0)])
    index = pd.DataFrame({"sku": ["smooth", "sparse", "flat"]})
    dates = pd.date_range("2023-01-02", periods=n, freq="7D")
    panel = Panel(index, pd.DatetimeIndex(dates), values, "W")
    without = fallback_finding(panel, ["sku"], "naive,theta")
    assert without is not None and "sparse (intermittent)" in without.message
    with_models = fallback_finding(panel, ["sku"], "standard")
    assert with_models is not None and "sparse" not in with_models.message
    assert "flat (constant)" in with_models.message
