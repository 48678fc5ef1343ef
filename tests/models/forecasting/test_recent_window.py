"""What both window models promise, checked on each: they learn a season shared across very
different levels (against known truth on generated series), are scale-free, forecast any horizon
block by block, and carry the recent level when there is too little data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.panel import Panel
from models.forecasting.recent_window import RecentWindowModel
from models.forecasting.window_gbm import WindowGBM
from models.forecasting.window_mlp import WindowMLP
from tests.models.forecasting.test_window_gbm import monthly_panel

MODELS = [WindowGBM, WindowMLP]
SEASON_BOUNDS = {WindowGBM: (0.04, 0.06, 0.8), WindowMLP: (0.03, 0.04, 0.9)}
"""Median and mean relative error, share of series peaking in the right month (3% noise)."""


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_learns_a_shared_season_across_levels_within_a_few_percent(
    model: type[RecentWindowModel],
) -> None:
    panel, truth = monthly_panel()
    forecast = model().fit(panel).predict(12)
    error = np.abs(forecast / truth - 1)
    median, mean, peaks = SEASON_BOUNDS[model]
    assert forecast.shape == truth.shape
    assert np.median(error) < median and error.mean() < mean
    # the season is there: the forecast peaks where the truth does for most series
    assert (np.argmax(forecast, axis=1) == np.argmax(truth, axis=1)).mean() > peaks


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_forecasts_scale_with_the_series_and_nothing_else_moves(
    model: type[RecentWindowModel],
) -> None:
    panel, _ = monthly_panel(n_series=12)
    base = model().fit(panel).predict(8)
    values = panel.values.copy()
    values[3] *= 1000.0
    scaled = model().fit(Panel(panel.index, panel.dates, values, "M")).predict(8)
    np.testing.assert_allclose(scaled[3], 1000.0 * base[3], rtol=1e-4)
    others = np.arange(12) != 3
    np.testing.assert_allclose(scaled[others], base[others], rtol=1e-4)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_longer_horizons_continue_block_by_block(model: type[RecentWindowModel]) -> None:
    panel, _ = monthly_panel(n_series=10)
    fitted = model(steps=6).fit(panel)
    short, long = fitted.predict(6), fitted.predict(15)
    assert long.shape == (10, 15) and np.isfinite(long).all() and (long >= 0).all()
    np.testing.assert_allclose(long[:, :6], short)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_too_little_data_carries_each_series_recent_level(model: type[RecentWindowModel]) -> None:
    values = np.array([[5.0, 7.0, 6.0], [0.0, 0.0, 0.0]])
    dates = pd.date_range("2024-01-01", periods=3, freq="MS")
    panel = Panel(pd.DataFrame({"series": ["a", "b"]}), pd.DatetimeIndex(dates), values, "M")
    forecast = model().fit(panel).predict(4)
    np.testing.assert_allclose(forecast[0], 6.0)
    np.testing.assert_allclose(forecast[1], 0.0)  # a series of zeros stays at zero
