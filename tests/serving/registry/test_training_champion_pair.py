"""Item 10 (issue 10) over HTTP: a `fast` retrain against a champion trained with `standard`."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from engine.demo import write_demo_data
from engine.registry.store import ModelStore, registered_name
from serving.app import create_app
from serving.core.auth import Role
from tests.serving.api_keys import headers_for
from tests.serving.app_clients import keyed_settings
from tests.store_homes import home_from
from training.forecasting.job import train_forecast

DS = headers_for(Role.data_scientist)
TINY_DEMO = {"n_regions": 1, "stores_per_region": 2, "n_products": 3, "n_weeks": 90, "n_leads": 50}


def test_item10_fast_retrain_over_http_after_a_standard_champion(
    tmp_path: Path, _store_template: Path
) -> None:
    settings = keyed_settings(home_from(_store_template, tmp_path / "home"), refresh_seconds=0.2)
    sales = write_demo_data(settings.home / "demo", seed=3, **TINY_DEMO)["sales"]  # a data root
    store = ModelStore.from_settings(settings)
    assert train_forecast(store, sales, selection="standard").version == "1"
    with TestClient(create_app(settings, store)) as client:
        started = client.post(
            "/v1/training/runs",
            json={"family": "sales", "data": str(sales), "models": "fast"},
            headers=DS,
        )
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        deadline = time.monotonic() + 300
        status: dict = {}
        while time.monotonic() < deadline:
            status = client.get(f"/v1/training/runs/{run_id}", headers=DS).json()
            if status["status"] not in ("queued", "running"):
                break
            time.sleep(0.25)
    assert status["status"] == "succeeded", status
    assert status["version"] == "2" and status["exit_code"] == 0
    run = store.client.get_run(store.client.get_model_version(registered_name("sales"), "2").run_id)
    assert run.data.tags["lodestar.compared_with"] == "1"
    assert "champion_backtest_wape" in run.data.metrics
