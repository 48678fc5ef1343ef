"""The default setting follows the data: AutoETS and DOTM where statsforecast models the season
itself, simple exponential smoothing for weekly data, and there the global model only with
drivers to learn from (chosen on M3 and OJ, bench/RESULTS.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.contracts import validate_sales
from engine.core.panel import to_panel
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from models.forecasting.catalog import PRESETS, candidate_names


@pytest.mark.parametrize("freq", ["D", "M", "Q"])
def test_standard_uses_statsforecast_models_where_the_season_is_modelled_natively(
    freq: str,
) -> None:
    names = candidate_names("standard", freq)
    assert {"auto_ets", "dotm", "gbm"} <= set(names) and "ets" not in names
    others = {"auto_ets", "dotm", "window_gbm", "window_mlp"}
    left_out = {"ets", "naive"}  # naive: ignores the season the seasonal naive repeats
    assert [n for n in names if n not in others] == [
        n for n in PRESETS["standard"] if n not in left_out
    ]


def test_yearly_data_leave_the_theta_method_to_dotm() -> None:
    """Without a season, Theta is DOTM with theta fixed at 2: it would vote twice."""
    yearly = candidate_names("standard", "Y")
    assert "theta" not in yearly and {"auto_ets", "dotm", "ensemble"} <= set(yearly)
    left_out = ("theta", "window_gbm", "window_mlp")  # window models: higher MASE on M3 yearly
    assert [n for n in candidate_names("standard", "Q") if n not in left_out] == yearly
    assert "theta" in candidate_names("theta,dotm,ensemble", "Y")  # asked for: kept


@pytest.mark.parametrize("freq", ["M", "Q", "Y"])
def test_without_drivers_the_native_season_default_leaves_the_global_model_out(freq: str) -> None:
    with_drivers = candidate_names("standard", freq, drivers=True)
    assert candidate_names("standard", freq, drivers=False) == [
        n for n in with_drivers if n != "gbm"
    ]
    if freq != "Y":  # seasonal data: the window models need no drivers
        assert {"window_gbm", "window_mlp"} <= set(candidate_names("standard", freq, drivers=False))
    assert candidate_names("standard", "W", drivers=False) == PRESETS["standard"]
    assert candidate_names("gbm,theta,ensemble", freq, drivers=False) == [
        "gbm",
        "theta",
        "ensemble",
    ]


def test_standard_keeps_simple_smoothing_for_weekly_data_and_without_a_frequency() -> None:
    assert candidate_names("standard", "W") == PRESETS["standard"]
    assert candidate_names("standard") == PRESETS["standard"]


def test_an_explicit_list_is_taken_as_written_at_every_frequency() -> None:
    for freq in ("W", "M", None):
        assert candidate_names("ets,theta,ensemble", freq) == ["ets", "theta", "ensemble"]


def _monthly_sales(n_series: int = 6, n_months: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    dates = pd.date_range("2019-01-01", periods=n_months, freq="MS")
    month = np.arange(n_months)
    rows = []
    for i in range(n_series):
        level = 100 + 20 * i + 0.8 * month
        season = 1 + 0.25 * np.sin(2 * np.pi * month / 12 + i)
        units = level * season * rng.lognormal(0, 0.05, n_months)
        rows.append(pd.DataFrame({"date": dates, "sku": f"S{i}", "units": units}))
    return pd.concat(rows, ignore_index=True)


def test_a_monthly_run_on_the_default_setting_scores_autoets_for_every_series() -> None:
    panel = to_panel(validate_sales(_monthly_sales(), keys=["sku"]))
    outcome = run_forecast(panel, ForecastSettings(selection="standard"), 12, keys=["sku"])
    selected = outcome.forecast_set.info["selected"]
    assert "mase.auto_ets" in selected.columns and "mase.ets" not in selected.columns
    assert selected["mase.auto_ets"].notna().all() and selected["mase.dotm"].notna().all()
    assert "mase.gbm" not in selected.columns  # no drivers: no global model
    assert "mase.naive" not in selected.columns and selected["mase.seasonal_naive"].notna().all()


def test_a_monthly_run_with_prices_keeps_the_global_model_in_the_default() -> None:
    sales = _monthly_sales()
    sales["price"] = 2.0 + 0.1 * np.sin(np.arange(len(sales)))
    panel = to_panel(validate_sales(sales, keys=["sku"]))
    outcome = run_forecast(panel, ForecastSettings(selection="standard"), 12, keys=["sku"])
    selected = outcome.forecast_set.info["selected"]
    assert selected["mase.gbm"].notna().all()
