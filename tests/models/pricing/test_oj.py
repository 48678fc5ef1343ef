"""Real data: Dominick's orange juice (bayesm), 11 brands x 83 stores, prices of all brands."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.pricing import PriceSensitivityModel


@pytest.fixture(scope="module")
def oj(shared_data_dir: Path) -> pd.DataFrame:
    path = shared_data_dir / "oj" / "oj_yx.csv.gz"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI needs {path}")
        pytest.skip(f"{path} is absent")
    raw = pd.read_csv(path)
    prices = raw[[f"price{k}" for k in range(1, 12)]].to_numpy()
    return pd.DataFrame(
        {
            "date": pd.Timestamp("1989-09-14") + pd.to_timedelta(7 * (raw["week"] - 1), unit="D"),
            "store": raw["store"].astype(str),
            "product": "brand" + raw["brand"].astype(str),
            "units": np.exp(raw["logmove"]),
            "price": 64 * prices[np.arange(len(raw)), raw["brand"].to_numpy() - 1],
            "deal": raw["deal"],
            "feature": raw["feat"],
        }
    )


def test_every_brand_has_a_negative_own_elasticity_and_prices_help_out_of_sample(
    oj: pd.DataFrame,
) -> None:
    cut = np.sort(oj["date"].unique())[-13]
    train, test = oj[oj["date"] < cut], oj[oj["date"] >= cut]
    model = PriceSensitivityModel(dml=False).fit(train)
    table = model.elasticities_
    own = table[table["kind"] == "own"]
    assert len(own) == 11
    assert (own["hi_95"] < 0).all(), own
    assert own["plausible"].all()
    cross = table[table["kind"] == "cross"]
    assert (cross["elasticity"] > 0).mean() > 0.6  # mostly substitutes
    y = np.log(test["units"].to_numpy())
    rmse = float(np.sqrt(np.mean((y - model.predict(test)) ** 2)))
    flat = PriceSensitivityModel(dml=False, include_prices=False).fit(train).predict(test)
    assert rmse < 0.9 * float(np.sqrt(np.mean((y - flat) ** 2)))
