"""`train_pricing`: holdout metric, artifacts, registration, promotion against the champion."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.core.contracts import SalesFile
from engine.core.errors import DataError
from engine.registry.store import ModelStore
from models.pricing import ELASTICITY_COLUMNS, PricingSet
from tests.store_homes import store_from
from training.pricing.job import METRIC, current_prices, load_priced_sales, train_pricing


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory, _store_template: Path, demo_paths: dict[str, Path]
) -> tuple[ModelStore, object]:
    store = store_from(_store_template, tmp_path_factory.mktemp("pricing-home"))
    return store, train_pricing(store, demo_paths["sales"])


def test_first_model_is_registered_and_promoted(trained) -> None:
    store, result = trained
    assert result.promoted and result.version == "1"
    assert store.champion_version("pricing") == "1"
    assert result.metrics[METRIC] < result.metrics["holdout_rmse_no_price"]
    payload = store.load_version("pricing", "1")
    assert isinstance(payload, PricingSet)
    table = payload.predict_frame(pd.DataFrame({"product": ["P01"]}))
    assert list(table.columns) == ELASTICITY_COLUMNS
    assert set(table["product"]) == {"P01"}
    assert (table["kind"] == "own").sum() == 1


def test_elasticity_table_and_demand_curves_are_artifacts(trained) -> None:
    store, result = trained
    names = {a.path for a in store.client.list_artifacts(result.run_id)}
    assert "elasticities.csv" in names
    curves = [a.path for a in store.client.list_artifacts(result.run_id, "demand_curves")]
    assert len(curves) == 4 and all(p.endswith(".png") for p in curves)
    params = store.client.get_run(result.run_id).data.params
    assert params["model"] == "PriceSensitivityModel"


def test_challenger_is_judged_on_the_same_holdout(trained, demo_paths) -> None:
    store, first = trained
    again = train_pricing(store, demo_paths["sales"])
    assert not again.promoted  # same spec, same split: equal, not strictly better
    assert "champion v1" in again.reason
    assert store.champion_version("pricing") == "1"
    metrics = store.run_metrics(again.run_id)
    assert metrics[f"champion_{METRIC}"] == pytest.approx(first.metrics[METRIC])


def test_data_without_product_or_price_fails_before_any_run(tmp_path, store, demo_paths) -> None:
    frame = pd.read_csv(demo_paths["sales"])
    no_price = tmp_path / "no_price.csv"
    frame.drop(columns=["price"]).to_csv(no_price, index=False)
    with pytest.raises(DataError) as info:
        train_pricing(store, no_price)
    assert info.value.field == "price"
    with pytest.raises(DataError) as info:
        train_pricing(store, SalesFile(demo_paths["sales"], keys=["region", "store"]))
    assert info.value.field in {"product", "date"}
    assert store.client.get_experiment_by_name("lodestar-pricing") is None or not (
        store.client.search_runs([store.experiment_id("pricing")])
    )
    assert store.champion_version("pricing") is None


def test_current_prices_are_the_last_observed(demo_paths) -> None:
    history = load_priced_sales(demo_paths["sales"])
    current = current_prices(history)
    frame = history.frame
    last = frame[frame["date"] == frame["date"].max()].set_index(["store", "product"])
    got = current.set_index(["store", "product"])
    assert got["price"].to_dict() == last["price"].to_dict()
    assert len(current) == frame[history.series_keys].drop_duplicates().shape[0]


def test_item3_current_prices_without_cost_are_unknown_not_zero(tmp_path, demo_paths) -> None:
    no_cost = tmp_path / "no_cost.csv"
    pd.read_csv(demo_paths["sales"]).drop(columns=["cost"]).to_csv(no_cost, index=False)
    current = current_prices(load_priced_sales(no_cost))
    assert current["cost"].isna().all()
    with_cost = current_prices(load_priced_sales(demo_paths["sales"]))
    assert with_cost["cost"].notna().all() and (with_cost["cost"] > 0).all()
