"""Intermittent demand: ADI/CV² detection, an intermittent model chosen, never a negative rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.panel import Panel
from engine.core.parallel import Runner
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from models.forecasting.intermittent import METHODS, IntermittentModel, demand_class

INTERMITTENT = {"croston_sba", "tsb", "adida", "imapa"}


def test_demand_class_follows_syntetos_boylan_cut_offs() -> None:
    # 4 demands in 12 periods: ADI 3.0; sizes 5, 5, 5, 5: CV² 0 -> intermittent
    y = np.array([0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0, 5], dtype=float)
    assert demand_class(y) == "intermittent"
    # sizes 1 and 9 (mean 5, variance 16): CV² 0.64 -> lumpy
    assert demand_class(np.array([0, 0, 1, 0, 0, 9, 0, 0, 1, 0, 0, 9], dtype=float)) == "lumpy"
    assert demand_class(np.full(12, 7.0)) == "smooth"  # ADI 1, CV² 0
    assert demand_class(np.array([1, 9] * 6, dtype=float)) == "erratic"  # ADI 1, CV² 0.64
    assert demand_class(np.zeros(12)) == "none"


def mixed_panel(seed: int = 1) -> tuple[Panel, np.ndarray]:
    """Weekly panel: 8 smooth series and 8 with demand in about one week of four."""
    rng = np.random.default_rng(seed)
    n_weeks = 104
    smooth = rng.poisson(rng.uniform(40, 90, (8, 1)), (8, n_weeks)).astype(float)
    occurs = rng.random((8, n_weeks)) < 0.25
    sparse = np.where(occurs, rng.poisson(6, (8, n_weeks)) + 1, 0).astype(float)
    index = pd.DataFrame({"store": ["A", "B"] * 8, "product": [f"p{i:02d}" for i in range(16)]})
    dates = pd.date_range("2023-01-02", periods=n_weeks, freq="7D")
    values = np.vstack([smooth, sparse])
    return Panel(index, pd.DatetimeIndex(dates), values, "W"), np.r_[np.zeros(8), np.ones(8)] > 0


def test_intermittent_series_get_an_intermittent_model_and_non_negative_forecasts() -> None:
    panel, sparse = mixed_panel()
    settings = ForecastSettings(
        selection="naive,seasonal_naive,theta,croston_sba,tsb,adida,imapa,ensemble",
        n_windows=3,
        n_paths=200,
    )
    outcome = run_forecast(panel, settings, 13, Runner(n_jobs=1), keys=["store", "product"])
    chosen = outcome.choice["model"].to_numpy()
    assert set(chosen[sparse]) <= INTERMITTENT
    assert not set(chosen[~sparse]) & INTERMITTENT
    assert set(outcome.choice["demand_class"][sparse]) <= {"intermittent", "lumpy"}
    assert set(outcome.choice["runner_up"][sparse]) <= INTERMITTENT  # ruled-out: no score
    assert outcome.choice.loc[sparse, "mase.theta"].isna().all()
    fs = outcome.forecast_set
    assert (fs.paths >= 0).all() and (fs.mean >= 0).all()
    # a demand rate: the order of the mean demand per week (after bias ratios), not zero
    rate = panel.values[sparse].mean(axis=1)
    assert np.all(fs.mean[sparse].mean(axis=1) > 0.2 * rate)
    assert np.all(fs.mean[sparse].mean(axis=1) < 3.0 * rate)


def test_every_method_forecasts_a_non_negative_rate() -> None:
    panel, sparse = mixed_panel(seed=2)
    for method in METHODS:
        forecast = IntermittentModel(method).fit(panel.subset(np.flatnonzero(sparse))).predict(8)
        assert forecast.shape == (8, 8) and (forecast >= 0).all() and (forecast > 0).any()
