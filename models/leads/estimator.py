"""Calibrated lead-conversion classifiers: gradient boosting, and a logistic baseline beside it.

Both are scikit-learn Pipelines (ColumnTransformer imputation + encoding, then the learner) on a
DataFrame of lead features. Probabilities are calibrated on out-of-fold scores of the training
data: isotonic or sigmoid, whichever has the lower Brier score on held-out folds (`"auto"`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from models.leads.shapley import expected_margin, shapley_values

LEARNERS = ("hgb", "logistic")
CALIBRATIONS = ("auto", "isotonic", "sigmoid", "none")
#: The hyper-parameters handed to HistGradientBoostingClassifier as they are.
BOOSTING_PARAMS = (
    "learning_rate",
    "max_iter",
    "max_leaf_nodes",
    "min_samples_leaf",
    "l2_regularization",
    "early_stopping",
    "class_weight",
    "random_state",
)
_EPS = 1e-6


def split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Numeric and categorical feature columns, by dtype (bools count as categories)."""
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    return numeric, [c for c in frame.columns if c not in numeric]


def as_frame(X: object) -> pd.DataFrame:
    """Accept a DataFrame, or an array whose columns become x0, x1, ..."""
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"expected 2-D input, got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


def _categorical_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Categories as text (object dtype, NaN for missing), so encoders see one consistent type."""

    def text(column: pd.Series) -> pd.Series:
        values = column.astype(object)
        present = values.notna().to_numpy()
        out = np.full(len(values), np.nan, dtype=object)
        out[present] = values[present].astype(str).to_numpy()
        return pd.Series(out, index=column.index, dtype=object)

    return frame.apply(text)


class _Sigmoid:
    """Platt scaling on the logit of the raw score."""

    def fit(self, raw: np.ndarray, y: np.ndarray) -> _Sigmoid:
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(_logit(raw)[:, None], y)
        self.coef_, self.intercept_ = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.coef_ * _logit(raw) + self.intercept_)))


class _Isotonic:
    """Monotone step calibration, clipped away from exact 0 and 1."""

    def fit(self, raw: np.ndarray, y: np.ndarray) -> _Isotonic:
        self.iso_ = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(self.iso_.predict(raw), 1e-4, 1 - 1e-4)


class _Identity:
    def fit(self, raw: np.ndarray, y: np.ndarray) -> _Identity:
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        return raw


_CALIBRATORS: dict[str, type[_Isotonic] | type[_Sigmoid] | type[_Identity]] = {
    "isotonic": _Isotonic,
    "sigmoid": _Sigmoid,
    "none": _Identity,
}


def _encoded_inputs(transformer: object, columns: list[str]) -> list[str]:
    """The input column behind each output column of one of our column transformers."""
    if not isinstance(transformer, Pipeline):  # boosting: one output column per input
        return columns
    first, last = transformer.steps[0][1], transformer.steps[-1][1]
    if isinstance(last, OneHotEncoder):
        return [c for c, n in zip(columns, last._n_features_outs, strict=True) for _ in range(n)]
    indicated = first.indicator_.features_ if getattr(first, "indicator_", None) else []
    return [*columns, *(columns[i] for i in indicated)]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass(eq=False, repr=False)
class LeadConversionModel(ClassifierMixin, BaseEstimator):
    """P(convert) for leads: a Pipeline (imputation, encoding, learner) plus a calibrator.

    learner: "hgb" (HistGradientBoostingClassifier) or "logistic" (the baseline).
    class_weight: "balanced" reweights the rare class while fitting; calibration then maps the
    scores back to honest probabilities.
    """

    learner: str = "hgb"
    calibration: str = "auto"
    class_weight: str | None = "balanced"
    learning_rate: float = 0.06
    max_iter: int = 300
    max_leaf_nodes: int = 15
    min_samples_leaf: int = 40
    l2_regularization: float = 1.0
    early_stopping: bool = True
    C: float = 0.5
    cv: int = 3
    max_categories: int = 60
    random_state: int = 0

    # -- building blocks -----------------------------------------------------------------
    def _pipeline(self, numeric: list[str], categorical: list[str]) -> Pipeline:
        if self.learner == "hgb":
            pre = ColumnTransformer(
                [
                    ("num", SimpleImputer(strategy="median", keep_empty_features=True), numeric),
                    (
                        "cat",
                        OrdinalEncoder(
                            handle_unknown="use_encoded_value",
                            unknown_value=np.nan,
                            encoded_missing_value=np.nan,
                            max_categories=self.max_categories,
                        ),
                        categorical,
                    ),
                ],
                verbose_feature_names_out=False,
            )
            mask = [False] * len(numeric) + [True] * len(categorical)
            passed = {name: getattr(self, name) for name in BOOSTING_PARAMS}
            model = HistGradientBoostingClassifier(
                **passed,
                validation_fraction=0.15,
                n_iter_no_change=20,
                categorical_features=mask if any(mask) else None,
            )
            return Pipeline([("prep", pre), ("model", model)])
        if self.learner == "logistic":
            pre = ColumnTransformer(
                [
                    (
                        "num",
                        make_pipeline(
                            SimpleImputer(
                                strategy="median", add_indicator=True, keep_empty_features=True
                            ),
                            StandardScaler(),
                        ),
                        numeric,
                    ),
                    (
                        "cat",
                        make_pipeline(
                            SimpleImputer(strategy="constant", fill_value="<missing>"),
                            OneHotEncoder(
                                handle_unknown="infrequent_if_exist",
                                min_frequency=10,
                                max_categories=self.max_categories,
                            ),
                        ),
                        categorical,
                    ),
                ],
                verbose_feature_names_out=False,
            )
            model = LogisticRegression(C=self.C, max_iter=2000, class_weight=self.class_weight)
            return Pipeline([("prep", pre), ("model", model)])
        raise ValueError(f"learner must be one of {LEARNERS}, got {self.learner!r}")

    def _prepare(self, X: pd.DataFrame) -> pd.DataFrame:
        """Columns in training order; numeric as float, categories as text."""
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"missing feature column '{missing[0]}'")
        out = X.loc[:, list(self.feature_names_in_)].copy()
        for col in self.numeric_features_:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
        if self.categorical_features_:
            out[self.categorical_features_] = _categorical_text(out[self.categorical_features_])
        return out

    # -- sklearn API ---------------------------------------------------------------------
    def fit(self, X: object, y: object) -> LeadConversionModel:
        """Fit the pipeline, choose and fit the calibrator on out-of-fold scores; returns self."""
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}, got {self.calibration!r}")
        frame = as_frame(X)
        target = np.asarray(y).ravel()
        self.classes_, y_idx = np.unique(target, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError("lead conversion needs both outcomes (0 and 1) in the training data")
        self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        self.n_features_in_ = frame.shape[1]
        self.numeric_features_, self.categorical_features_ = split_columns(frame)
        data = self._prepare(frame)
        base = self._pipeline(self.numeric_features_, self.categorical_features_)
        self.calibrator_: _Isotonic | _Sigmoid | _Identity
        if self.calibration == "none":
            self.calibration_ = "none"
            self.calibrator_ = _Identity()
        else:
            oof = self._out_of_fold(base, data, y_idx)
            self.calibration_ = (
                self._choose(oof, y_idx) if self.calibration == "auto" else self.calibration
            )
            self.calibrator_ = _CALIBRATORS[self.calibration_]().fit(oof, y_idx)
        self.pipeline_ = clone(base).fit(data, y_idx)
        if self.learner == "logistic":  # the background of its (linear) Shapley values
            self.encoded_mean_ = self._encoded(data).mean(axis=0)
        return self

    def _out_of_fold(self, base: Pipeline, data: pd.DataFrame, y: np.ndarray) -> np.ndarray:
        """Uncalibrated scores for each training row from a model that did not see it."""
        folds = StratifiedKFold(
            n_splits=max(2, self.cv), shuffle=True, random_state=self.random_state
        )
        oof = np.empty(len(y))
        for fit_idx, held_idx in folds.split(data, y):
            model = clone(base).fit(data.iloc[fit_idx], y[fit_idx])
            oof[held_idx] = model.predict_proba(data.iloc[held_idx])[:, 1]
        return oof

    def _choose(self, oof: np.ndarray, y: np.ndarray) -> str:
        """Isotonic or sigmoid: lower Brier when fitted on one half and scored on the other."""
        halves = StratifiedKFold(n_splits=2, shuffle=True, random_state=self.random_state + 1)
        loss = {"isotonic": 0.0, "sigmoid": 0.0}
        for a, b in halves.split(oof[:, None], y):
            for name in loss:
                fitted = _CALIBRATORS[name]().fit(oof[a], y[a])
                loss[name] += brier_score_loss(y[b], fitted.predict(oof[b]))
        self.calibration_loss_ = {k: v / 2 for k, v in loss.items()}
        return min(loss, key=lambda name: loss[name])

    def raw_score(self, X: object) -> np.ndarray:
        """Uncalibrated learner score of class 1."""
        return self.pipeline_.predict_proba(self._prepare(as_frame(X)))[:, 1]

    def margin(self, X: object) -> np.ndarray:
        """The learner's raw score as log-odds (its probability is the logistic of it)."""
        return np.asarray(
            self.pipeline_.decision_function(self._prepare(as_frame(X))), dtype=float
        ).ravel()

    def probability_of_margin(self, margin: np.ndarray) -> np.ndarray:
        """Calibrated P(convert) of raw margins: the calibrator applied to their logistic."""
        return self.calibrator_.predict(expit(np.asarray(margin, dtype=float)))

    def margin_contributions(self, X: object) -> tuple[float, np.ndarray]:
        """(expected margin, leads x features): exact Shapley values of each lead's margin.

        Boosting: path-dependent TreeSHAP over the training cover (`models.leads.shapley`);
        logistic: each feature's share of the linear margin against the training mean (the
        margin is a sum of per-feature terms, so that is its exact Shapley value). Columns follow
        `feature_names_in_`; each row adds up to the lead's `margin` minus the expected margin.
        """
        frame = self._prepare(as_frame(X))
        Z = self._encoded(frame)
        owner = self._encoded_owner()
        if self.learner == "hgb":
            model = self.pipeline_[-1]
            per_column = shapley_values(model, Z)
            base = expected_margin(model)
        else:
            model = self.pipeline_[-1]
            per_column = (Z - self.encoded_mean_) * model.coef_[0]
            base = float(self.encoded_mean_ @ model.coef_[0] + model.intercept_[0])
        phi = np.zeros((len(Z), self.n_features_in_))
        np.add.at(phi.T, owner, per_column.T)
        return base, phi

    def _encoded(self, frame: pd.DataFrame) -> np.ndarray:
        """Prepared rows through the fitted encoder, dense (one-hot output may come sparse)."""
        Z = self.pipeline_[0].transform(frame)
        return np.asarray(Z.toarray() if issparse(Z) else Z, dtype=float)

    def _encoded_owner(self) -> np.ndarray:
        """Per encoded column, the position in `feature_names_in_` of the feature it encodes."""
        pre = self.pipeline_[0]
        position = {name: k for k, name in enumerate(self.feature_names_in_)}
        owner = np.empty(sum(s.stop - s.start for s in pre.output_indices_.values()), np.intp)
        for name, transformer, columns in pre.transformers_:
            if name not in ("num", "cat") or not len(columns):
                continue
            span = pre.output_indices_[name]
            owner[span] = [position[c] for c in _encoded_inputs(transformer, list(columns))]
        return owner

    def predict_proba(self, X: object) -> np.ndarray:
        """Calibrated [P(no), P(convert)] per row."""
        p = self.calibrator_.predict(self.raw_score(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: object) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]
