"""The network window model's training rows (a level-scaled window and the whole block after
it), their budget, and its inputs. What both window models promise (truth recovery, scale,
horizons, short data) is checked in test_recent_window.py."""

from __future__ import annotations

import numpy as np

from models.forecasting.recent_window import right_aligned
from models.forecasting.window_mlp import FLOOR, WindowMLP, block_rows, log_inputs
from tests.models.forecasting.test_window_gbm import monthly_panel


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
