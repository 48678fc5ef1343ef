"""The window model: one LightGBM across series on level-scaled recent history, direct per step.

Checked against known truth on generated monthly series that share a seasonal shape at very
different levels, and for the properties its design promises (scale-free, any horizon, short
data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.panel import Panel
from models.forecasting.recent_window import right_aligned
from models.forecasting.window_gbm import WindowGBM, training_rows

SHAPE = 1 + 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)


def monthly_panel(
    n_series: int = 40, n_months: int = 96, seed: int = 0
) -> tuple[Panel, np.ndarray]:
    """Series level x shared season x own trend with 3% noise; and the next 12 true means."""
    rng = np.random.default_rng(seed)
    total = n_months + 12
    t = np.arange(total)
    level = rng.uniform(10, 100_000, n_series)[:, None]
    growth = 1 + rng.uniform(-0.002, 0.006, n_series)[:, None] * t[None, :]
    truth = level * growth * SHAPE[t % 12][None, :]
    values = truth * (1 + rng.normal(0, 0.03, truth.shape))
    dates = pd.date_range("2015-01-01", periods=n_months, freq="MS")
    index = pd.DataFrame({"series": [f"s{i}" for i in range(n_series)]})
    return Panel(index, pd.DatetimeIndex(dates), values[:, :n_months], "M"), truth[:, n_months:]


def test_learns_a_shared_season_across_levels_within_a_few_percent() -> None:
    panel, truth = monthly_panel()
    forecast = WindowGBM().fit(panel).predict(12)
    error = np.abs(forecast / truth - 1)
    assert forecast.shape == truth.shape
    assert np.median(error) < 0.04 and error.mean() < 0.06
    # the season is there: the forecast peaks where the truth does for most series
    assert (np.argmax(forecast, axis=1) == np.argmax(truth, axis=1)).mean() > 0.8


def test_forecasts_scale_with_the_series_and_nothing_else_moves() -> None:
    panel, _ = monthly_panel(n_series=12)
    base = WindowGBM().fit(panel).predict(8)
    values = panel.values.copy()
    values[3] *= 1000.0
    scaled = WindowGBM().fit(Panel(panel.index, panel.dates, values, "M")).predict(8)
    np.testing.assert_allclose(scaled[3], 1000.0 * base[3], rtol=1e-4)
    others = np.arange(12) != 3
    np.testing.assert_allclose(scaled[others], base[others], rtol=1e-4)


def test_longer_horizons_continue_block_by_block() -> None:
    panel, _ = monthly_panel(n_series=10)
    model = WindowGBM(steps=6).fit(panel)
    short, long = model.predict(6), model.predict(15)
    assert long.shape == (10, 15) and np.isfinite(long).all() and (long >= 0).all()
    np.testing.assert_allclose(long[:, :6], short)


def test_training_rows_see_only_the_window_before_each_cut() -> None:
    history = right_aligned([np.arange(1.0, 9.0), np.arange(1.0, 5.0)])
    x, y = training_rows(history, window=3, season=2, steps=2)
    # every row: three scaled values before the cut, then the step; target after the cut
    assert x.shape[1] == 4 and len(x) == len(y)
    first = x[0]  # series 0, cut 2 (two values seen), step 0: [NaN, 1, 2] / mean(1, 2)
    np.testing.assert_allclose(first[1:3], [1 / 1.5, 2 / 1.5], rtol=1e-6)
    assert np.isnan(first[0]) and first[3] == 0 and np.isclose(y[0], 3 / 1.5)
    # the short series joins only once it has two values before the cut
    assert len(y) == 2 * 6 - 1 + 2 * 2 - 1


def test_too_little_data_carries_each_series_recent_level() -> None:
    values = np.array([[5.0, 7.0, 6.0], [0.0, 0.0, 0.0]])
    dates = pd.date_range("2024-01-01", periods=3, freq="MS")
    panel = Panel(pd.DataFrame({"series": ["a", "b"]}), pd.DatetimeIndex(dates), values, "M")
    forecast = WindowGBM().fit(panel).predict(4)
    np.testing.assert_allclose(forecast[0], 6.0)
    np.testing.assert_allclose(forecast[1], 0.0)  # a series of zeros stays at zero


def test_a_row_budget_keeps_a_random_share_for_every_step_the_same_way_each_time() -> None:
    panel, _ = monthly_panel(n_series=30, n_months=96)
    history = right_aligned(list(panel.values))
    x_all, y_all = training_rows(history, window=24, season=12, steps=18)
    x, y = training_rows(history, window=24, season=12, steps=18, max_rows=len(y_all) // 4)
    assert abs(len(y) - len(y_all) / 4) < 0.05 * len(y_all) / 4
    assert set(x[:, -1]) == set(x_all[:, -1])  # every step still learned
    x_same, _ = training_rows(history, window=24, season=12, steps=18, max_rows=len(y_all) // 4)
    np.testing.assert_array_equal(x_same, x)  # drawn the same way every time
    # within the budget nothing is dropped
    x_under, y_under = training_rows(history, window=24, season=12, steps=18, max_rows=len(y_all))
    np.testing.assert_array_equal(y_under, y_all)
