"""Item 20: product names that look like formulas come back neutralised in `text/csv` answers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from training.forecasting.job import train_forecast

NAMES = {"P01": '=HYPERLINK("http://evil.example","x")', "P02": "@SUM(1+1)", "P03": "-2+3"}


def hostile_sales(demo_paths: dict[str, Path], folder: Path) -> Path:
    """The demo sales history with three products renamed to spreadsheet formulas."""
    frame = pd.read_csv(demo_paths["sales"])
    frame["product"] = frame["product"].replace(NAMES)
    path = folder / "hostile_sales.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def hostile_client(
    settings: Settings, store: ModelStore, demo_paths: dict[str, Path], tmp_path: Path
) -> TestClient:
    data = hostile_sales(demo_paths, tmp_path)
    train_forecast(store, data, selection="baseline", n_windows=1)
    with TestClient(create_app(settings, store)) as client:
        yield client


def test_item20_csv_forecasts_neutralise_formula_product_names(hostile_client: TestClient) -> None:
    params = {"level": "product", "quarters": "2027Q1"}
    as_json = hostile_client.get("/v1/forecasts", params=params)
    assert as_json.status_code == 200, as_json.text
    json_names = {row["product"] for row in as_json.json()["forecasts"]}
    assert set(NAMES.values()) <= json_names, "JSON answers keep the names verbatim"

    answer = hostile_client.get("/v1/forecasts", params=params, headers={"Accept": "text/csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    names = {row["product"] for row in rows}
    assert names == {"'" + NAMES["P01"], "'" + NAMES["P02"], "'" + NAMES["P03"], "P04"}
    for row in rows:
        assert not row["product"].startswith(("=", "+", "-", "@"))
        values = [float(row[c]) for c in ("mean", "lo_80", "hi_80", "lo_95", "hi_95")]
        assert values[3] <= values[1] <= values[0] <= values[2] <= values[4]
