"""A fitted pricing payload and a synthetic baseline forecast over the same series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.demo import generate_sales
from models.forecasting.forecast_set import ForecastSet
from models.pricing import PriceSensitivityModel, PricingSet

KEYS = ["region", "store", "product"]


@pytest.fixture(scope="module")
def pricing_set() -> PricingSet:
    sales, _ = generate_sales(2, n_regions=2, stores_per_region=3, n_products=4, n_weeks=104)
    model = PriceSensitivityModel(dml=False).fit(sales)
    last = sales.sort_values("date").groupby(KEYS).tail(1)
    current = last[[*KEYS, "category", "price", "cost"]].reset_index(drop=True)
    return PricingSet(model=model, current=current, keys=KEYS)


@pytest.fixture(scope="module")
def baseline(pricing_set: PricingSet) -> ForecastSet:
    index = pricing_set.current[[*KEYS, "category"]].sort_values(KEYS).reset_index(drop=True)
    n, h, n_paths = len(index), 30, 200
    rng = np.random.default_rng(0)
    mean = rng.uniform(50, 150, (n, 1)) * np.ones((1, h))
    paths = mean[:, None, :] * rng.lognormal(0, 0.1, (n, n_paths, h))
    dates = pd.date_range("2026-11-23", periods=h, freq="7D")
    return ForecastSet(
        index=index,
        keys=KEYS,
        freq="W",
        dates=dates,
        mean=mean,
        paths=paths,
        actual_dates=pd.DatetimeIndex([]),
        actuals=np.zeros((n, 0)),
    )
