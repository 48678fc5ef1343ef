"""Item 10 (issue 10): any selection setting can challenge a champion trained with any other.

The champion's spec is re-scored on the challenger's windows through the challenger's backtest
cache; a cached final forecast at another horizon (or none) must never reach the ensemble.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.contracts import read_sales
from engine.core.panel import to_panel
from engine.demo import write_demo_data
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from engine.registry.store import ModelStore
from training.forecasting.job import train_forecast

SETTINGS = ("baseline", "fast", "standard", "naive,theta")
TINY_DEMO = {"n_regions": 1, "stores_per_region": 2, "n_products": 3, "n_weeks": 90, "n_leads": 50}
"""Six weekly series: enough for every candidate (the global model too), quick to train."""
FAST_JOB = {"n_windows": 1, "horizon_quarters": 1}


@pytest.fixture(scope="module")
def tiny_sales(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_demo_data(tmp_path_factory.mktemp("tiny"), seed=3, **TINY_DEMO)["sales"]


@pytest.mark.parametrize("champion", SETTINGS)
def test_item10_every_setting_challenges_every_champion(
    store: ModelStore, tiny_sales: Path, champion: str
) -> None:
    first = train_forecast(store, tiny_sales, selection=champion, **FAST_JOB)
    assert first.version == "1" and store.champion_version("sales") == "1"
    history = read_sales(tiny_sales)
    alone = ForecastSettings(selection=champion, n_windows=FAST_JOB["n_windows"], n_paths=50)
    fresh = run_forecast(to_panel(history), alone, 0, keys=history.series_keys)
    champion_wape = fresh.metrics["backtest_wape"]  # re-scored without anyone's cache
    for n, challenger in enumerate(SETTINGS, start=2):
        result = train_forecast(store, tiny_sales, selection=challenger, **FAST_JOB)
        assert result.version == str(n), (champion, challenger)
        metrics = store.run_metrics(result.run_id)
        assert metrics["champion_backtest_wape"] == pytest.approx(champion_wape), challenger
        assert metrics["challenger_backtest_wape"] == pytest.approx(result.metrics["backtest_wape"])
        store.set_champion("sales", "1")  # the next challenger meets the same champion
