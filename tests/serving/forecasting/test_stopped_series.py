"""Item 9 (issue 10) over HTTP: a planner can treat series that stopped early as discontinued."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import Role
from tests.serving.api_keys import headers_for
from tests.serving.app_clients import keyed_settings
from tests.store_homes import home_from
from training.forecasting.job import train_forecast

PLANNER = headers_for(Role.planner)


def test_item9_stopped_series_are_named_and_can_be_excluded_from_quarter_totals(
    tmp_path: Path, _store_template: Path, demo_paths: dict[str, Path]
) -> None:
    sales = pd.read_csv(demo_paths["sales"], parse_dates=["date"])
    first = sales.sort_values(["region", "store", "product"]).iloc[0]
    gone = (sales["store"] == first["store"]) & (sales["product"] == first["product"])
    cut = sales["date"].max() - pd.Timedelta(weeks=60)
    ragged = sales[~gone | (sales["date"] <= cut)]
    data = tmp_path / "ragged.csv"
    ragged.to_csv(data, index=False)
    settings = keyed_settings(home_from(_store_template, tmp_path / "home"))
    store = ModelStore.from_settings(settings)
    trained = train_forecast(store, data, selection="baseline", n_windows=1)
    assert store.run_metrics(trained.run_id)["n_stopped_early"] == 1
    with TestClient(create_app(settings, store)) as client:
        quarter = {"quarters": "2027Q1", "level": "total"}
        included = client.get("/v1/forecasts", params=quarter, headers=PLANNER).json()
        excluded = client.get(
            "/v1/forecasts", params={**quarter, "stopped": "exclude"}, headers=PLANNER
        ).json()
        alone = client.get(
            "/v1/forecasts",
            params={**quarter, "store": first["store"], "product": first["product"]},
            headers=PLANNER,
        ).json()
        bad = client.get("/v1/forecasts", params={**quarter, "stopped": "maybe"}, headers=PLANNER)
    name = f"{first['region']} | {first['store']} | {first['product']}"
    assert len(included["notes"]) == 1 and name in included["notes"][0]
    assert "included in totals" in included["notes"][0]
    assert "left out as discontinued" in excluded["notes"][0]
    total, rest = included["forecasts"][0]["mean"], excluded["forecasts"][0]["mean"]
    assert total - rest == pytest.approx(alone["forecasts"][0]["mean"], rel=1e-9)
    assert bad.status_code == 422
