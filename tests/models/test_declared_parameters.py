"""Estimators that declare their parameters as dataclass fields keep scikit-learn's semantics:
get_params returns what was passed (the same objects), clone and set_params work, the repr is
scikit-learn's and two estimators are never equal just because their parameters are."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.linear_model import Ridge

from models.forecasting.global_gbm import GlobalGBM
from models.leads.estimator import LeadConversionModel
from models.pricing.estimator import PriceSensitivityModel

CASES = [
    (GlobalGBM, {"lags": (1, 2), "n_estimators": 7}, "GlobalGBM(lags=(1, 2), n_estimators=7)"),
    (
        LeadConversionModel,
        {"learner": "logistic", "C": 2.0},
        "LeadConversionModel(C=2.0, learner='logistic')",
    ),
    (
        PriceSensitivityModel,
        {"market_keys": ["region"], "dml_learner": Ridge()},
        "PriceSensitivityModel(dml_learner=Ridge(), market_keys=['region'])",
    ),
]


@pytest.mark.parametrize(
    ("cls", "changed", "shown"), CASES, ids=lambda c: getattr(c, "__name__", "")
)
def test_declared_parameters_behave_as_scikit_learn_expects(
    cls: type[BaseEstimator], changed: dict[str, Any], shown: str
) -> None:
    estimator = cls(**changed)
    params = estimator.get_params(deep=False)
    assert set(params) == {field.name for field in dataclasses.fields(cls)}
    for name, value in changed.items():
        assert params[name] is value
    assert repr(estimator) == shown
    twin = clone(estimator)
    assert twin is not estimator
    assert repr(twin) == shown
    name, value = next(iter(changed.items()))
    default = cls().get_params(deep=False)[name]
    assert twin.set_params(**{name: default}) is twin
    assert twin.get_params(deep=False)[name] == default
    assert estimator.get_params(deep=False)[name] is value  # the original is untouched
    same = cls(**changed)
    assert estimator != same and len({estimator, same}) == 2
