"""Item 14 (issue 10): yearly history end to end: batch forecasts, training, pricing, quarters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engine.core.contracts import SalesFile
from engine.core.errors import DataError
from engine.core.settings import Settings
from engine.forecasting.answers import forecast_rows
from engine.forecasting.quarterly import QuarterQuery
from engine.registry.store import ModelStore
from serving.app import create_app
from tests.training.cli_runs import run_cli
from training.forecasting.job import train_forecast
from training.pricing.job import train_pricing


@pytest.fixture(scope="module")
def m3_yearly(shared_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight real M3 yearly series (training part), as a user would export them."""
    frame = pd.read_csv(shared_data_dir / "m3" / "m3_yearly.csv.gz")
    frame = frame[(frame["split"] == "train") & frame["series"].isin(frame["series"].unique()[:8])]
    path = tmp_path_factory.mktemp("m3y") / "m3_yearly.csv"
    frame[["series", "category", "date", "units"]].to_csv(path, index=False)
    return path


def test_item14_m3_yearly_series_forecast_with_freq_y(
    m3_yearly: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.csv"
    args = ["forecast", "--data", str(m3_yearly), "--freq", "Y", "--keys", "series"]
    code, _, err = run_cli(
        [*args, "--horizon", "6", "--models", "baseline", "--out", str(out)], capsys
    )
    assert code == 0, err
    table = pd.read_csv(out)
    history = pd.read_csv(m3_yearly, parse_dates=["date"])
    assert len(table) == 8 * 6 and table["series"].nunique() == 8
    for series, rows in table.groupby("series"):
        dates = pd.to_datetime(rows["date"])
        assert (dates.dt.month == 1).all() and (dates.dt.day == 1).all()
        assert (np.diff(dates.dt.year) == 1).all()
        assert dates.min() > history.loc[history["series"] == series, "date"].max()
    assert table["fiscal_year"].str.fullmatch(r"FY\d{4}").all()
    assert (table[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]] >= 0).all().all()


def test_item14_quarters_of_yearly_history_are_refused_on_the_command_line(
    m3_yearly: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["forecast", "--data", str(m3_yearly), "--keys", "series", "--horizon", "6"]
    code, _, err = run_cli([*args, "--by-quarter", "--out", str(tmp_path / "q.csv")], capsys)
    assert code == 2
    assert err.startswith("error [by_quarter]: quarters are not available for yearly history")
    assert not (tmp_path / "q.csv").exists()


@pytest.fixture
def yearly_champion(m3_yearly: Path, store: ModelStore):
    return train_forecast(
        store, SalesFile(m3_yearly, keys=["series"]), selection="fast", n_windows=3
    )


def test_item14_training_on_yearly_history_backtests_one_year_apart(
    store: ModelStore, yearly_champion
) -> None:
    params = store.client.get_run(yearly_champion.run_id).data.params
    assert params["freq"] == "Y"
    cuts = pd.to_datetime(params["windows"].split(","))
    assert list(np.diff(cuts.year)) == [1, 1]
    assert int(params["horizon"]) == 2  # --horizon-quarters 5 after the last year: 2 years
    _, forecast_set = store.load_champion("sales")
    assert forecast_set.freq == "Y"
    query = QuarterQuery([pd.Period("1996Q1", freq="Q-DEC")], {}, ["series"])
    with pytest.raises(DataError) as info:
        forecast_rows(forecast_set, None, query, 1)
    assert info.value.field == "quarters" and "frequency Y" in info.value.message


def test_item14_quarter_request_to_a_yearly_champion_is_a_clear_422(
    settings: Settings, store: ModelStore, yearly_champion
) -> None:
    with TestClient(create_app(settings, store)) as client:
        answer = client.get("/v1/forecasts", params={"quarters": "1996Q1"})
    assert answer.status_code == 422
    body = answer.json()
    assert body["field"] == "quarters" and "yearly history (frequency Y)" in body["message"]


def test_item14_yearly_price_panel_trains_with_a_one_year_holdout(
    tmp_path: Path, store: ModelStore
) -> None:
    """Annual prices and units with a known own-price elasticity of -1.5."""
    rng = np.random.default_rng(3)
    rows = []
    for product in ("P1", "P2", "P3"):
        base = rng.uniform(5, 10)
        for year in range(1995, 2021):
            price = base * np.exp(rng.normal(0, 0.15))
            units = 1e5 * price**-1.5 * np.exp(rng.normal(0, 0.05))
            rows.append(
                {"date": f"{year}-04-01", "product": product, "units": units, "price": price}
            )
    path = tmp_path / "annual.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    result = train_pricing(store, path)
    params = store.client.get_run(result.run_id).data.params
    assert params["freq"] == "Y" and params["holdout_rows"] == "3"
    own = store.load_version("pricing", result.version).model.elasticities_
    own = own[own["kind"] == "own"]
    assert np.allclose(own["elasticity"], -1.5, atol=0.15)
    assert result.metrics["holdout_rmse_log_units"] < result.metrics["holdout_rmse_no_price"]
