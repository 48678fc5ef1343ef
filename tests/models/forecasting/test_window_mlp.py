"""The network window model: one small MLP across series, a level-scaled window in, the next
block out. Checked against known truth on generated monthly series that share a seasonal shape at
very different levels, and for the properties its design promises (scale-free, any horizon,
rows that see only the past, short data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.panel import Panel
from models.forecasting.recent_window import right_aligned
from models.forecasting.window_mlp import FLOOR, WindowMLP, block_rows, log_inputs
from tests.models.forecasting.test_window_gbm import monthly_panel


def test_learns_a_shared_season_across_levels_within_a_few_percent() -> None:
    panel, truth = monthly_panel()
    forecast = WindowMLP().fit(panel).predict(12)
    error = np.abs(forecast / truth - 1)
    assert forecast.shape == truth.shape
    assert np.median(error) < 0.03 and error.mean() < 0.04
    # the season is there: the forecast peaks where the truth does for most series
    assert (np.argmax(forecast, axis=1) == np.argmax(truth, axis=1)).mean() > 0.9


def test_forecasts_scale_with_the_series_and_nothing_else_moves() -> None:
    panel, _ = monthly_panel(n_series=12)
    base = WindowMLP().fit(panel).predict(8)
    values = panel.values.copy()
    values[3] *= 1000.0
    scaled = WindowMLP().fit(Panel(panel.index, panel.dates, values, "M")).predict(8)
    np.testing.assert_allclose(scaled[3], 1000.0 * base[3], rtol=1e-4)
    others = np.arange(12) != 3
    np.testing.assert_allclose(scaled[others], base[others], rtol=1e-4)


def test_longer_horizons_continue_block_by_block() -> None:
    panel, _ = monthly_panel(n_series=10)
    model = WindowMLP(steps=6).fit(panel)
    short, long = model.predict(6), model.predict(15)
    assert long.shape == (10, 15) and np.isfinite(long).all() and (long >= 0).all()
    np.testing.assert_allclose(long[:, :6], short)


def test_block_rows_pair_the_window_before_each_cut_with_the_whole_block_after() -> None:
    history = right_aligned([np.arange(1.0, 9.0), np.arange(1.0, 6.0)])  # lengths 8 and 5
    x, y = block_rows(history, window=3, season=2, steps=2)
    assert x.shape[1] == 3 and y.shape[1] == 2 and len(x) == len(y)
    # series 0, cut 2 (two values seen): [NaN, 1, 2] / mean(1, 2), then [3, 4] on that scale
    assert np.isnan(x[0, 0])
    np.testing.assert_allclose(x[0, 1:], [1 / 1.5, 2 / 1.5])
    np.testing.assert_allclose(y[0], [3 / 1.5, 4 / 1.5])
    # only cuts whose whole block is known: 5 for series 0 (cuts 2-6), 2 for series 1 (5-6 on
    # the aligned grid, where it has two values before the cut)
    assert len(y) == 5 + 2
    assert np.isfinite(y).all()


def test_network_inputs_fill_before_the_start_and_floor_zeros() -> None:
    scaled = np.array([[np.nan, np.nan, 2.0, 0.0], [np.nan] * 4, [1.0, 4.0, 1.0, 1.0]])
    got = log_inputs(scaled)
    np.testing.assert_allclose(got[0], np.log([2.0, 2.0, 2.0, FLOOR]))
    np.testing.assert_allclose(got[1], 0.0)  # no history at all: the level itself
    np.testing.assert_allclose(got[2], np.log([1.0, 4.0, 1.0, 1.0]))


def test_too_little_data_carries_each_series_recent_level() -> None:
    values = np.array([[5.0, 7.0, 6.0], [0.0, 0.0, 0.0]])
    dates = pd.date_range("2024-01-01", periods=3, freq="MS")
    panel = Panel(pd.DataFrame({"series": ["a", "b"]}), pd.DatetimeIndex(dates), values, "M")
    forecast = WindowMLP().fit(panel).predict(4)
    np.testing.assert_allclose(forecast[0], 6.0)
    np.testing.assert_allclose(forecast[1], 0.0)  # a series of zeros stays at zero


def test_a_row_budget_keeps_a_random_share_of_the_blocks_the_same_way_each_time() -> None:
    panel, _ = monthly_panel(n_series=30, n_months=96)
    history = right_aligned(list(panel.values))
    x_all, y_all = block_rows(history, window=24, season=12, steps=18)
    x, y = block_rows(history, window=24, season=12, steps=18, max_rows=len(y_all) // 3)
    assert abs(len(y) - len(y_all) / 3) < 0.1 * len(y_all) / 3
    assert np.isfinite(y).all() and y.shape[1] == 18
    again, _ = block_rows(history, window=24, season=12, steps=18, max_rows=len(y_all) // 3)
    np.testing.assert_array_equal(again, x)  # drawn the same way every time
    under, _ = block_rows(history, window=24, season=12, steps=18, max_rows=len(y_all))
    np.testing.assert_array_equal(under, x_all)  # within the budget nothing is dropped
    # the model fitted on a budget still learns the season
    panel, truth = monthly_panel()
    forecast = WindowMLP(max_rows=1000).fit(panel).predict(12)
    assert np.median(np.abs(forecast / truth - 1)) < 0.05
