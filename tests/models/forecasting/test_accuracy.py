"""Known truth is recovered: yearly seasonality, and promotion lifts planned in the future."""

from __future__ import annotations

import numpy as np
import pytest

from models.forecasting import ETS, GlobalGBM, Theta

from .conftest import make_panel  # noqa: TID252


@pytest.mark.parametrize(
    "model", [Theta(), ETS(trend=None), GlobalGBM(n_estimators=100)], ids=["theta", "ets", "gbm"]
)
def test_recovers_yearly_seasonality(model) -> None:
    amplitude = 0.4
    panel = make_panel(n_series=8, n_weeks=156, amplitude=amplitude, seed=1, exog=False)
    forecast = model.fit(panel).predict(52)
    t = np.arange(156, 208)
    truth = np.sin(2 * np.pi * t / 52)
    shape = forecast.mean(axis=0) / forecast.mean()
    assert np.corrcoef(shape, truth)[0, 1] > 0.9
    fitted_amp = (shape.max() - shape.min()) / 2
    assert abs(fitted_amp - amplitude) < 0.12


def test_global_model_uses_planned_promotions() -> None:
    panel = make_panel(n_series=10, n_weeks=156, seed=2)
    model = GlobalGBM(n_estimators=150).fit(panel)
    h = 8
    off = {"promo": np.zeros((10, h)), "price": np.full((10, h), 3.0)}
    on = {"promo": np.ones((10, h)), "price": np.full((10, h), 2.4)}
    lift = model.predict(h, on).sum() / model.predict(h, off).sum() - 1
    assert 0.15 < lift < 0.45  # true lift 0.3
