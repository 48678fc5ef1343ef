"""The sales-forecast training job: logging, coherent quarters, honest promotion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.calendar import quarter_of
from engine.forecasting.quarterly import quarterly_forecast
from training.forecasting.job import train_forecast


@pytest.fixture
def trained(store, demo_paths):
    return train_forecast(store, demo_paths["sales"], selection="fast", n_windows=2)


def test_run_logs_backtest_metrics_tables_and_charts(store, trained) -> None:
    assert trained.promoted and trained.reason == "no champion"
    metrics = store.run_metrics(trained.run_id)
    for key in (
        "backtest_wape",
        "backtest_mase",
        "backtest_smape",
        "coverage_80",
        "coverage_95",
        "backtest_wape.gbm",
        "backtest_wape.level.total",
        "backtest_wape.level.region",
    ):
        assert key in metrics, key
    assert metrics["backtest_wape"] < metrics["backtest_wape.seasonal_naive"]
    artifacts = {a.path for a in store.client.list_artifacts(trained.run_id, "backtest")}
    assert {"backtest/backtest.csv", "backtest/selection.csv"} <= artifacts
    charts = {a.path for a in store.client.list_artifacts(trained.run_id, "charts")}
    assert "charts/fan_total.png" in charts and "charts/fan_largest_1.png" in charts
    run = store.client.get_run(trained.run_id)
    assert run.data.params["reconciliation_chosen"] in ("bottom_up", "mint_shrink")


def test_payload_contract_and_coherent_quarters(store, trained) -> None:
    _, fs = store.load_champion("sales")
    n = len(fs.index)
    assert fs.mean.shape == (n, len(fs.dates)) and fs.paths.dtype == np.float32
    assert fs.paths.shape[0] == n and fs.paths.shape[2] == len(fs.dates)
    assert fs.actuals.shape == (n, len(fs.actual_dates))
    first = quarter_of(pd.DatetimeIndex([fs.dates[0]]))[0]
    quarters = [first + 1, first + 2]
    total = quarterly_forecast(fs, quarters, level=[])
    for level in (["region"], ["store"], ["product"], ["category"], ["region", "store", "product"]):
        parts = quarterly_forecast(fs, quarters, level=level)
        summed = parts.groupby("quarter")["mean"].sum()
        np.testing.assert_allclose(summed.to_numpy(), total.set_index("quarter")["mean"], rtol=1e-6)
        assert (parts["lo_95"] <= parts["lo_80"]).all() and (parts["hi_80"] <= parts["hi_95"]).all()


def test_worse_challenger_does_not_replace_champion(store, demo_paths, trained) -> None:
    worse = train_forecast(store, demo_paths["sales"], selection="baseline", n_windows=2)
    assert not worse.promoted
    assert store.champion_version("sales") == trained.version
    metrics = store.run_metrics(worse.run_id)
    assert metrics["champion_backtest_wape"] < metrics["challenger_backtest_wape"]
    forced = train_forecast(
        store, demo_paths["sales"], selection="baseline", n_windows=2, force=True
    )
    assert forced.promoted and store.champion_version("sales") == forced.version
