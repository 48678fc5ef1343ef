"""Double machine learning for the own-price effect: cross-fitted residual-on-residual OLS."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
from sklearn.base import RegressorMixin, clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict
from threadpoolctl import threadpool_limits


def default_learner(random_state: int | None) -> RegressorMixin:
    """Gradient boosting small enough to run per product in seconds."""
    return HistGradientBoostingRegressor(
        max_iter=60,
        learning_rate=0.05,
        max_leaf_nodes=8,
        min_samples_leaf=60,
        random_state=random_state,
    )


def dml_effect(
    y: np.ndarray,
    d: np.ndarray,
    controls: np.ndarray,
    groups: np.ndarray,
    learner: RegressorMixin | None = None,
    folds: int = 3,
    random_state: int | None = 0,
) -> tuple[float, float]:
    """Effect of d on y after residualising both on the controls; (estimate, clustered se)."""
    model = clone(learner) if learner is not None else default_learner(random_state)
    n_groups = len(np.unique(groups))
    if n_groups >= folds:
        splitter = GroupKFold(n_splits=folds)
        split_args = {"groups": groups}
    else:
        splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
        split_args = {}
    with threadpool_limits(1):  # many small fits: threads only fight each other
        y_hat = cross_val_predict(model, controls, y, cv=splitter, **split_args)
        d_hat = cross_val_predict(clone(model), controls, d, cv=splitter, **split_args)
    ry, rd = y - y_hat, d - d_hat
    if float(np.sum(rd**2)) <= 1e-12:
        return float("nan"), float("nan")
    fit = sm.OLS(ry, rd[:, None]).fit(**robust_cov(groups))
    return float(fit.params[0]), float(fit.bse[0])


def robust_cov(groups: np.ndarray) -> dict:
    """Cluster by market when there are enough markets, else Newey-West (one long series)."""
    codes = np.unique(groups, return_inverse=True)[1]
    if codes.max() + 1 >= 10:
        return {"cov_type": "cluster", "cov_kwds": {"groups": codes}}
    return {"cov_type": "HAC", "cov_kwds": {"maxlags": 4}}
