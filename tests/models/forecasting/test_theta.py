"""The Theta method's own least-squares SES equals statsmodels' (the independent reference):
the same or a lower squared error, and forecasts within 0.1% of `ThetaModel`'s."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from models.forecasting.local import deseasonalize, reseasonalize
from models.forecasting.ses import fit_ses, levels, squared_error
from models.forecasting.statistical import Theta


def _series(kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(120)
    if kind == "weekly":
        return 50 + 0.2 * t + 10 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 4, 120)
    if kind == "walk":
        return 100 + np.cumsum(rng.normal(0.5, 3, 40))
    return 20 + rng.normal(0, 1, 30)  # level only: the weight goes to its lower bound


CASES = [(kind, seed) for kind in ("weekly", "walk", "flat") for seed in range(8)]


@pytest.mark.parametrize(("kind", "seed"), CASES)
def test_ses_fit_is_as_good_as_statsmodels(kind: str, seed: int) -> None:
    y = _series(kind, seed)
    alpha, level = fit_ses(y, float(y[0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ExponentialSmoothing(y, initial_level=y[0], initialization_method="known").fit()
    assert squared_error(alpha, y, float(y[0])) <= ref.sse * (1 + 1e-9)
    assert level == pytest.approx(levels(y, alpha, float(y[0]))[-1])
    # the level recursion itself, written out step by step
    by_hand = [float(y[0])]
    for value in y:
        by_hand.append(alpha * value + (1 - alpha) * by_hand[-1])
    np.testing.assert_allclose(levels(y, alpha, float(y[0])), by_hand, rtol=1e-12)


@pytest.mark.parametrize(("kind", "seed"), CASES)
def test_theta_forecasts_match_statsmodels(kind: str, seed: int) -> None:
    y = _series(kind, seed)
    m = 52 if kind == "weekly" else 4
    model = Theta()
    ours = model._forecast_one(model._fit_one(y, m), 26)
    adj, idx, mult = deseasonalize(y, m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ThetaModel(adj, period=1, deseasonalize=False).fit()
    reference = reseasonalize(np.asarray(fitted.forecast(26)), idx, mult, len(y), m)
    np.testing.assert_allclose(ours, reference, rtol=1e-3)


def test_a_theta_state_fitted_by_statsmodels_still_forecasts() -> None:
    """Models registered before the change pickled statsmodels' fitted ThetaModel."""
    y = _series("weekly", 0)
    adj, idx, mult = deseasonalize(y, 52)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ThetaModel(adj, period=1, deseasonalize=False).fit()
    old_state = pickle.loads(pickle.dumps((fitted, idx, mult, len(y), 52)))
    model = Theta()
    expected = reseasonalize(np.asarray(fitted.forecast(13)), idx, mult, len(y), 52)
    np.testing.assert_allclose(model._forecast_one(old_state, 13), expected, rtol=1e-12)
