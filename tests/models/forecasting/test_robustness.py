"""Short, intermittent, constant and gappy series never crash a forecaster; fallbacks are named."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from engine.core.panel import Panel
from models.forecasting import ARIMA, ETS, Ensemble, GlobalGBM, Naive, SeasonalNaive, Theta
from models.forecasting.local import fallback_series

MODELS = [
    Naive(),
    SeasonalNaive(),
    ETS(),
    Theta(),
    ARIMA(),
    GlobalGBM(n_estimators=10),
    Ensemble(members=[ETS(trend=None), GlobalGBM(n_estimators=10)]),
]


def awkward_panel() -> Panel:
    """Rows: normal, short (late start), intermittent, constant, gappy, all zero."""
    n = 110
    rng = np.random.default_rng(3)
    values = np.full((6, n), np.nan)
    values[0] = rng.poisson(40, n)
    values[1, -5:] = [3, 4, 5, 4, 6]
    values[2] = rng.poisson(0.3, n)
    values[3] = 7.0
    values[4] = rng.poisson(20, n)
    values[4, rng.choice(n, 30, replace=False)] = np.nan
    values[5] = 0.0
    index = pd.DataFrame({"sku": [f"A{i}" for i in range(6)]})
    dates = pd.date_range("2023-01-02", periods=n, freq="7D")
    return Panel(index, pd.DatetimeIndex(dates), values, "W")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_awkward_series_give_finite_forecasts(model, caplog) -> None:
    panel = awkward_panel()
    with caplog.at_level(logging.WARNING, logger="lodestar"):
        forecast = model.fit(panel).predict(8)
    assert forecast.shape == (6, 8)
    assert np.isfinite(forecast).all() and (forecast >= 0).all()
    np.testing.assert_allclose(forecast[3], 7.0, rtol=0.02)  # constant stays constant
    assert forecast[5].max() < 1.0  # all-zero stays (near) zero
    if not isinstance(model, Naive):  # one last value is too noisy to judge the level
        assert abs(forecast[4].mean() - 20) < 6  # gaps do not drag the level to zero
    if isinstance(model, ETS | Theta | ARIMA):
        # fallbacks are counted per fit and named once per run (issue 10 item 15), not logged
        assert model.n_fallback_ == 4 and "fell back" not in caplog.text
        assert fallback_series(panel) == {
            1: "too short",
            2: "intermittent",
            3: "constant",
            5: "constant",
        }


def test_series_that_ends_early_is_forecast_from_its_own_end() -> None:
    n = 60
    values = np.tile(np.arange(n, dtype=float), (2, 1))
    values[1, -5:] = np.nan  # stopped 5 periods before the grid's end
    panel = Panel(
        pd.DataFrame({"sku": ["A", "B"]}),
        pd.DatetimeIndex(pd.date_range("2020-01-01", periods=n, freq="MS")),
        values,
        "M",
    )
    forecast = Naive().fit(panel).predict(3)
    np.testing.assert_allclose(forecast, [[59, 59, 59], [54, 54, 54]])
