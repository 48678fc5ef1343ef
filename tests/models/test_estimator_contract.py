"""One generic contract for every estimator in models/, the way scikit-learn checks its own.

Estimators are discovered, not listed, so a new model is held to the contract the day it lands:
parameters stored verbatim, clone and set_params work, nothing learned before fit, fit returns
self, learned state ends in `_`, and a fitted model survives joblib with identical predictions.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.utils.estimator_checks import check_get_params_invariance, check_set_params

import models
from engine.core.contracts import validate_leads, validate_sales
from engine.core.panel import to_panel
from engine.demo import generate_leads, generate_sales
from models.forecasting.seasonal_naive import Naive, SeasonalNaive


def discover() -> list[type[BaseEstimator]]:
    """Every public BaseEstimator subclass defined in a models.* module."""
    found: dict[str, type[BaseEstimator]] = {}
    for info in pkgutil.walk_packages(models.__path__, "models."):
        module = importlib.import_module(info.name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, BaseEstimator)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
                and not inspect.isabstract(obj)
            ):
                found[f"{obj.__module__}.{name}"] = obj
    return [found[k] for k in sorted(found)]


ESTIMATORS = discover()


def family_of(cls: type) -> str:
    return cls.__module__.split(".")[1]


def test_every_family_has_estimators() -> None:
    assert {family_of(c) for c in ESTIMATORS} >= {"forecasting", "leads", "pricing"}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_parameters_are_stored_verbatim(cls: type[BaseEstimator]) -> None:
    estimator = cls()
    signature = inspect.signature(cls.__init__)
    for name, param in signature.parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        assert getattr(estimator, name) is param.default or (
            getattr(estimator, name) == param.default
        ), f"{cls.__name__}.__init__ changes parameter {name}"
    learned = [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]
    assert learned == [], f"{cls.__name__} sets learned state in __init__: {learned}"
    check_get_params_invariance(cls.__name__, estimator)
    check_set_params(cls.__name__, estimator)
    twin = clone(estimator)
    assert twin is not estimator
    assert set(twin.get_params(deep=False)) == set(estimator.get_params(deep=False))


def fit_ready(cls: type[BaseEstimator]) -> BaseEstimator:
    """Default construction, except combinators, which get two small members."""
    if "members" in inspect.signature(cls.__init__).parameters:
        return cls(members=[SeasonalNaive(), Naive()])
    return cls()


@pytest.fixture(scope="module")
def family_data() -> dict[str, tuple]:
    """Small generated training data per family."""
    sales, _ = generate_sales(5, n_regions=1, stores_per_region=2, n_products=4, n_weeks=110)
    leads, _, _ = generate_leads(5, n_leads=600)
    table = validate_leads(leads, require_outcome=True)
    return {
        "forecasting": (to_panel(validate_sales(sales)),),
        "pricing": (sales,),
        "leads": (table.frame[table.features], table.frame["converted"].to_numpy()),
    }


def predictions(estimator: BaseEstimator, family: str, data: tuple) -> np.ndarray:
    if family == "forecasting":
        return np.asarray(estimator.predict(8))
    if family == "leads":
        return np.asarray(estimator.predict_proba(data[0].head(50)))
    return np.asarray(estimator.predict(data[0].head(50)))


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_fit_returns_self_learns_with_underscores_and_survives_joblib(
    cls: type[BaseEstimator], family_data: dict[str, tuple]
) -> None:
    family = family_of(cls)
    data = family_data[family]
    estimator = fit_ready(cls)
    before = set(vars(estimator))
    assert estimator.fit(*data) is estimator
    learned = [k for k in set(vars(estimator)) - before if not k.startswith("_")]
    assert learned, f"{cls.__name__}.fit learned nothing visible"
    assert all(k.endswith("_") for k in learned), learned
    first = predictions(estimator, family, data)
    assert np.isfinite(first).all()
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    buffer.seek(0)
    restored = joblib.load(buffer)
    np.testing.assert_allclose(predictions(restored, family, data), first)
    if family == "forecasting":
        assert (first >= 0).all() and first.shape == (data[0].n_series, 8)
