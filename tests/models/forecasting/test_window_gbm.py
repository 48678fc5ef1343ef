"""The LightGBM window model's training rows (one per series, cut and step) and their budget;
the generated panel with known truth that the window models' shared tests use. What both window
models promise is checked in test_recent_window.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.panel import Panel
from models.forecasting.recent_window import right_aligned
from models.forecasting.window_gbm import training_rows

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
