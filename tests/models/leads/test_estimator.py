"""The lead classifier: scikit-learn contract, recovery of a known rule, calibration."""

from __future__ import annotations

import inspect

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from engine.demo import true_conversion_probability
from engine.leads.metrics import ece, roc_auc
from models.leads import LeadConversionModel

ESTIMATORS = [
    LeadConversionModel(),
    LeadConversionModel(learner="logistic", class_weight=None, calibration="isotonic"),
    LeadConversionModel(calibration="sigmoid", max_iter=50, cv=2),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: repr(e))
def test_sklearn_contract(estimator: LeadConversionModel, small_frame, tmp_path) -> None:
    X, y = small_frame
    params = estimator.get_params()
    signature = inspect.signature(type(estimator).__init__)
    assert set(params) == set(signature.parameters) - {"self"}
    # params are stored verbatim: a fresh instance from them has identical params
    assert type(estimator)(**params).get_params() == params
    unfitted = clone(estimator)
    assert unfitted.get_params() == params
    assert not [k for k in vars(unfitted) if k.endswith("_")]
    fitted = unfitted.fit(X, y)
    assert fitted is unfitted
    learned = [k for k in vars(fitted) if k.endswith("_") and not k.startswith("_")]
    assert {"pipeline_", "calibrator_", "classes_", "calibration_"} <= set(learned)
    assert fitted.get_params() == params  # fitting does not touch params
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert set(np.unique(fitted.predict(X))) <= {0, 1}
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    assert np.array_equal(joblib.load(path).predict_proba(X), proba)
    again = clone(fitted)
    assert not hasattr(again, "pipeline_")
    again.set_params(random_state=11)
    assert again.get_params()["random_state"] == 11


def test_unknown_learner_and_calibration_are_rejected(small_frame) -> None:
    X, y = small_frame
    with pytest.raises(ValueError, match="learner"):
        LeadConversionModel(learner="forest", calibration="none").fit(X, y)
    with pytest.raises(ValueError, match="calibration"):
        LeadConversionModel(calibration="platt").fit(X, y)


def test_one_class_is_rejected(small_frame) -> None:
    X, _ = small_frame
    with pytest.raises(ValueError, match="both outcomes"):
        LeadConversionModel().fit(X, np.zeros(len(X), dtype=int))


def test_recovers_the_known_rule(known_rule, fitted) -> None:
    """AUC within 0.02 of the oracle's, and calibrated (ECE < 0.03), on newer leads."""
    val = known_rule["val"]
    y = val["converted"].to_numpy()
    p = fitted.predict_proba(val[known_rule["features"]])[:, 1]
    oracle = true_conversion_probability(val, known_rule["truth"])
    assert roc_auc(y, p) >= roc_auc(y, oracle) - 0.02
    assert ece(y, p) < 0.03
    assert fitted.calibration_ in {"isotonic", "sigmoid"}
    assert set(fitted.calibration_loss_) == {"isotonic", "sigmoid"}


def test_calibration_fixes_balanced_weights(known_rule, fitted) -> None:
    """Class weights inflate raw scores; the calibrated mean matches the observed rate."""
    val = known_rule["val"]
    X = val[known_rule["features"]]
    raw = fitted.raw_score(X)
    p = fitted.predict_proba(X)[:, 1]
    rate = val["converted"].mean()
    assert raw.mean() > rate + 0.1
    assert abs(p.mean() - rate) < 0.02


def test_unseen_categories_and_missing_values_still_score(fitted, known_rule) -> None:
    X = known_rule["val"][known_rule["features"]].head(5).copy()
    X.loc[X.index[0], "industry"] = "aerospace"
    X.loc[X.index[1], "site_visits"] = np.nan
    X.loc[X.index[2], "source"] = None
    p = fitted.predict_proba(X)[:, 1]
    assert np.isfinite(p).all()
    blank = X.assign(region=None)  # a category column missing for the whole batch
    assert np.isfinite(fitted.predict_proba(blank)[:, 1]).all()


def test_array_input_gets_generated_names() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    model = LeadConversionModel(max_iter=30, cv=2).fit(X, y)
    assert list(model.feature_names_in_) == ["x0", "x1", "x2"]
    assert roc_auc(y, model.predict_proba(pd.DataFrame(X, columns=["x0", "x1", "x2"]))[:, 1]) > 0.7
