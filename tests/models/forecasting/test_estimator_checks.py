"""One generic check run on every forecaster, like scikit-learn's parametrize_with_checks."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from models.forecasting import (
    ARIMA,
    ETS,
    Ensemble,
    GlobalGBM,
    Naive,
    SeasonalNaive,
    StatsForecastModel,
    Theta,
)
from models.forecasting.statsforecast_local import KINDS

ESTIMATORS = [
    Naive(),
    SeasonalNaive(),
    SeasonalNaive(season_length=4),
    ETS(trend=None),
    ETS(trend="auto"),
    Theta(),
    ARIMA(order=(1, 1, 0)),
    GlobalGBM(n_estimators=20),
    Ensemble(members=[Theta(), SeasonalNaive()]),
    *[StatsForecastModel(kind) for kind in KINDS],
    StatsForecastModel("AutoETS", season_length=4),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: repr(e)[:40])
def test_estimator_contract(estimator, panel) -> None:
    params = estimator.get_params()
    twin = clone(estimator)
    assert twin is not estimator
    assert repr(twin.get_params()) == repr(params)
    assert repr(clone(estimator).set_params(**params).get_params()) == repr(params)
    before = set(vars(twin))
    assert not [a for a in before if a.endswith("_") and not a.startswith("_")]
    fitted = twin.fit(panel)
    assert fitted is twin
    learned = [a for a in set(vars(twin)) - before if not a.startswith("_")]
    assert learned and all(a.endswith("_") for a in learned)
    forecast = twin.predict(10)
    assert forecast.shape == (panel.n_series, 10)
    assert np.isfinite(forecast).all() and (forecast >= 0).all()
    again = clone(estimator).fit(panel).predict(10)
    np.testing.assert_allclose(forecast, again)
    assert repr(estimator.get_params()) == repr(params)  # fit did not touch the spec
