"""Per-series selection with horizon totals, checked bias ratios and the auto reconciliation."""

from __future__ import annotations

import numpy as np

from engine.forecasting.orchestrator import (
    _auto_method,
    bottom_window_scores,
    checked_bias_ratios,
    select_per_series,
)


def test_selection_counts_the_error_of_horizon_totals() -> None:
    actual = np.tile(np.array([10.0, 0.0, 10.0, 0.0]), (2, 1, 1))  # windows x series x steps
    low = np.tile(np.array([1.0, 0.0, 1.0, 0.0]), (2, 1, 1))  # better per period, total far off
    flat = np.full((2, 1, 4), 6.0)  # worse per period, total close
    scale = np.array([5.0])
    choice, scores = select_per_series({"low": low, "flat": flat}, actual, scale)
    assert scores[0, 0] < scores[0, 1]  # the MASE table still ranks 'low' first
    assert choice[0] == 1


def test_bias_ratios_kept_only_when_they_help_out_of_sample() -> None:
    forecast = np.full((3, 2, 4), 10.0)
    steady = np.full((3, 2, 4), 20.0)
    assert np.all(checked_bias_ratios(steady, forecast) > 1.0)
    one_off = steady.copy()
    one_off[-1] = 10.0  # earlier windows ran high, the last did not: the ratio would have hurt
    assert np.all(checked_bias_ratios(one_off, forecast) == 1.0)


def test_bias_ratios_must_help_in_every_window_they_can_be_checked_on() -> None:
    forecast = np.full((3, 2, 4), 10.0)
    actual = np.full((3, 2, 4), 20.0)
    actual[1] = 9.0  # the second window ran low: a ratio from the first would have hurt it
    assert np.all(checked_bias_ratios(actual, forecast) == 1.0)
    actual[1] = 18.0  # every later window ran high, as the earlier ones said
    assert np.all(checked_bias_ratios(actual, forecast) > 1.0)


def test_auto_reconciliation_never_trades_bottom_accuracy() -> None:
    scores = {
        "bottom_up": {"total": 0.30, "store": 0.32, "store x brand": 0.64},
        "mint_shrink": {"total": 0.20, "store": 0.25, "store x brand": 0.68},
    }
    assert _auto_method(scores, "store x brand") == "bottom_up"
    scores["mint_shrink"]["store x brand"] = 0.63
    assert _auto_method(scores, "store x brand") == "mint_shrink"


def test_auto_reconciliation_must_not_lose_a_window_at_the_bottom() -> None:
    """MinT better over all windows pooled but worse in one window's WAPE (or mean MASE) at
    the bottom: bottom-up stays, as M3 yearly's test showed it should."""
    scores = {
        "bottom_up": {"total": 0.13, "series": 0.236},
        "mint_shrink": {"total": 0.11, "series": 0.229},
    }
    by_window = {  # windows x (WAPE, mean MASE)
        "bottom_up": np.array([[0.42, 2.76], [0.178, 3.12], [0.177, 4.12]]),
        "mint_shrink": np.array([[0.40, 2.71], [0.172, 2.91], [0.179, 4.10]]),
    }
    assert _auto_method(scores, "series", by_window) == "bottom_up"
    by_window["mint_shrink"][2, 0] = 0.176
    assert _auto_method(scores, "series", by_window) == "mint_shrink"
    by_window["mint_shrink"][1, 1] = 3.2  # series by series worse in one window
    assert _auto_method(scores, "series", by_window) == "bottom_up"
    by_window["mint_shrink"][1, 1] = np.nan  # nothing to compare there: no objection
    assert _auto_method(scores, "series", by_window) == "mint_shrink"


def test_bottom_window_scores_are_each_windows_wape_and_mean_mase() -> None:
    actual = np.array([[[10.0, 10.0], [4.0, 4.0]], [[10.0, 12.0], [4.0, 2.0]]])
    forecast = np.array([[[8.0, 10.0], [4.0, 6.0]], [[10.0, 10.0], [3.0, 3.0]]])
    scale = np.array([2.0, 1.0])
    got = bottom_window_scores(actual, forecast, scale)
    # window 0: |errors| 2, 0, 0, 2 over volume 28; MASE (1/2, 1) -> mean 0.75
    # window 1: 0, 2, 1, 1 over volume 28; MASE (1/2, 1) -> 0.75
    np.testing.assert_allclose(got, [[4 / 28, 0.75], [4 / 28, 0.75]])


def test_bias_ratios_need_a_second_window_to_be_checked() -> None:
    forecast = np.full((1, 2, 4), 10.0)
    steady = np.full((1, 2, 4), 20.0)
    assert np.all(checked_bias_ratios(steady, forecast) == 1.0)


def test_a_series_starting_after_the_first_cut_is_still_scored() -> None:
    import pandas as pd

    from engine.core.panel import Panel
    from engine.core.parallel import Runner
    from engine.forecasting.orchestrator import ForecastSettings, run_forecast

    rng = np.random.default_rng(0)
    n = 40
    values = 100 + np.cumsum(rng.normal(0, 3, (2, n)), axis=1)
    values[1, :30] = np.nan  # starts after the first of three 4-quarter windows' cut (28)
    index = pd.DataFrame({"sku": ["old", "new"]})
    dates = pd.date_range("2010-01-01", periods=n, freq="3MS")
    panel = Panel(index, pd.DatetimeIndex(dates), values, "Q")
    settings = ForecastSettings(selection="naive,theta", n_windows=3, window_horizon=4)
    outcome = run_forecast(panel, settings, 0, Runner(n_jobs=1), keys=["sku"])
    assert np.isfinite(outcome.choice["backtest_mase"]).all()
    assert np.isfinite(outcome.choice[["mase.naive", "mase.theta"]].to_numpy()).all()
