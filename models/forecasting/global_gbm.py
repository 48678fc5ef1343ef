"""One gradient-boosted model across all series on lags, rolling means, calendar and drivers.

Series are put on a common footing by modelling log1p(units) minus each series' recent level, so
one LightGBM model learns shared seasonality, promotion lifts and price response. Forecasts are
recursive (each step's prediction feeds the next step's lags) and take *planned* future prices,
promotions and competitor prices as inputs; without them prices are held at their last observed
level and promotions are off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from engine.core.calendar import period_offset
from engine.core.panel import Panel, align_ends, fill_exog, hold_last, is_promo
from models.forecasting.catalog import register

log = logging.getLogger("lodestar.models.forecasting")

DEFAULT_LAGS = {
    "D": (1, 2, 3, 4, 5, 6, 7, 14, 28),
    "W": (1, 2, 3, 4, 8, 13, 26, 52),
    "M": (1, 2, 3, 6, 12),
    "Q": (1, 2, 3, 4),
    "Y": (1, 2, 3),
}
DEFAULT_WINDOWS = {"D": (7, 28), "W": (4, 13), "M": (3, 12), "Q": (2, 4), "Y": (2, 4)}
LEVEL_PERIODS = {"D": 28, "W": 26, "M": 12, "Q": 4, "Y": 3}
#: The hyper-parameters handed to LightGBM as they are.
LIGHTGBM_PARAMS = (
    "objective",
    "alpha",
    "n_estimators",
    "learning_rate",
    "num_leaves",
    "min_child_samples",
    "n_jobs",
    "random_state",
)


@dataclass(eq=False, repr=False)
class GlobalGBM(BaseEstimator):
    """LightGBM on all series at once; predict(horizon, future_exog) takes planned drivers.

    objective="l2" on log units gives median-like forecasts; objective="quantile" with alpha
    below 0.5 gives the lower point forecasts that a percentage error such as MAPE rewards.
    """

    lags: tuple[int, ...] | None = None
    n_estimators: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 20
    use_exog: bool = True
    use_keys: bool = True
    objective: str = "l2"
    alpha: float = 0.5
    n_jobs: int = 1
    random_state: int = 0

    def fit(self, panel: Panel) -> GlobalGBM:
        panel = align_ends(panel)  # every series forecast from its own last period
        family = panel.freq[0]
        self.lags_ = tuple(self.lags or DEFAULT_LAGS[family])
        self.windows_ = DEFAULT_WINDOWS[family]
        z = np.log1p(np.clip(panel.values, 0.0, None))
        recent = z[:, -LEVEL_PERIODS[family] :]
        level = nanmean_rows(recent)
        level = np.where(np.isfinite(level), level, nanmean_rows(z))
        self.level_ = np.nan_to_num(level, nan=0.0)
        exog = panel.exog if self.use_exog else {}
        self.exog_names_ = sorted(exog)
        self.price_ref_ = {
            name: _nanmedian_rows(values) for name, values in exog.items() if name == "price"
        }
        self.exog_tail_ = {name: fill_exog(values) for name, values in exog.items()}
        self.key_codes_ = _key_codes(panel) if self.use_keys else np.zeros((panel.n_series, 0))
        norm = z - self.level_[:, None]
        shift = np.asarray(panel.shift, dtype=int)
        calendar = _series_calendar(panel.dates[0], panel.n_periods, panel.freq, shift)
        drivers = self._drivers(self.exog_tail_, exog)
        start = 1
        rows, targets = [], []
        for t in range(start, norm.shape[1]):
            target = norm[:, t]
            keep = np.isfinite(target)
            if not keep.any():
                continue
            feats = self._features(
                norm, t, calendar[:, t], {k: v[:, t] for k, v in drivers.items()}
            )
            rows.append(feats[keep])
            targets.append(target[keep])
        self.model_ = None
        if sum(len(r) for r in rows) >= 2:
            self.model_ = self._fit_model(np.vstack(rows), np.concatenate(targets))
        else:
            log.warning("GlobalGBM: fewer than 2 values to learn from: recent levels carried")
        keep_cols = max(max(self.lags_), max(self.windows_)) + 1
        self.history_ = norm[:, -keep_cols:]
        self.last_date_ = panel.dates[-1]
        self.shift_ = shift
        self.freq_ = panel.freq
        self.n_series_ = panel.n_series
        return self

    def _fit_model(self, x: np.ndarray, y: np.ndarray) -> Any:
        """The LightGBM regressor on the stacked feature rows."""
        n_keys = self.key_codes_.shape[1]
        categorical: list[int] | Literal["auto"] = (
            list(range(x.shape[1] - n_keys, x.shape[1])) if n_keys else "auto"
        )
        passed = {name: getattr(self, name) for name in LIGHTGBM_PARAMS}
        return lightgbm_regressor(passed).fit(x, y, categorical_feature=categorical)

    def predict(self, horizon: int, future_exog: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Recursive point forecasts, series x horizon, using planned drivers when given."""
        planned = hold_last(self.exog_tail_, horizon)
        for name, values in (future_exog or {}).items():
            if name in planned:
                values = np.asarray(values, dtype=float)
                planned[name] = np.where(np.isnan(values), planned[name], values)
        drivers = self._drivers(planned, planned)
        step = period_offset(self.freq_)
        calendar = _series_calendar(self.last_date_ + step, horizon, self.freq_, self.shift_)
        n_hist = self.history_.shape[1]
        norm = np.concatenate([self.history_, np.full((self.n_series_, horizon), np.nan)], axis=1)
        for s in range(horizon):
            t = n_hist + s
            feats = self._features(
                norm, t, calendar[:, s], {k: v[:, s] for k, v in drivers.items()}
            )
            norm[:, t] = self.model_.predict(feats) if self.model_ is not None else 0.0
        out = np.expm1(norm[:, n_hist:] + self.level_[:, None])
        return np.clip(np.nan_to_num(out, nan=0.0, posinf=0.0), 0.0, None)

    def _drivers(
        self, filled: dict[str, np.ndarray], raw: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Driver features: log price vs its usual level, promo flags, log rival/own price."""
        out = {}
        price = filled.get("price")
        for name in self.exog_names_:
            values = filled[name]
            if name == "price":
                out[name] = np.log(values / self.price_ref_["price"][:, None])
            elif is_promo(name):
                out[name] = np.nan_to_num(raw[name], nan=0.0)
            elif price is not None:
                out[name] = np.log(values / price)
            else:
                out[name] = np.log(values)
        return out

    def _features(
        self, norm: np.ndarray, t: int, calendar: np.ndarray, drivers: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Feature matrix (series x features) for period index t; calendar is series x terms."""
        n = norm.shape[0]
        cols = []
        for lag in self.lags_:
            cols.append(norm[:, t - lag] if t - lag >= 0 else np.full(n, np.nan))
        for w in self.windows_:
            window = norm[:, max(0, t - w) : t]
            cols.append(nanmean_rows(window) if window.shape[1] else np.full(n, np.nan))
        cols.append(self.level_)
        cols.extend(calendar.T)
        for name in self.exog_names_:
            cols.append(drivers[name])
        cols.extend(self.key_codes_.T)
        return np.column_stack(cols)


def lightgbm_regressor(params: dict[str, Any]) -> Any:
    """An unfitted LightGBM regressor with `params` and the options every global model here
    shares: row and column subsampling, deterministic, quiet."""
    import lightgbm as lgb

    return lgb.LGBMRegressor(
        **params,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.9,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
    )


MAX_KEY_LEVELS = 200


def _key_codes(panel: Panel) -> np.ndarray:
    """Integer codes of key columns shared by several series (store, brand), as categoricals."""
    cols = []
    for name in panel.index.columns:
        codes, uniques = pd.factorize(panel.index[name].astype(str))
        if 1 < len(uniques) <= MAX_KEY_LEVELS and len(uniques) < panel.n_series:
            cols.append(codes.astype(float))
    return np.column_stack(cols) if cols else np.zeros((panel.n_series, 0))


CALENDAR_CYCLE = {"D": 146_097, "W": 20_871, "M": 4_800, "Q": 1_600, "Y": 400}
"""Periods in 400 Gregorian years, after which the calendar repeats exactly (leap days and
weekdays too: 146,097 days are 20,871 weeks)."""
FIRST_SAFE_YEAR = 1678
"""pandas timestamps start in 1677; earlier dates are stood in for by the same date 400 years on."""


def _series_calendar(first: pd.Timestamp, periods: int, freq: str, shift: np.ndarray) -> np.ndarray:
    """Calendar terms (series x periods x terms) of columns starting at `first`, per series.

    Series moved `shift` periods later by `align_ends` take the terms of their real dates. A real
    date before pandas' first timestamp (a yearly series that stopped centuries before the
    panel's end) takes the terms of the date whole 400-year cycles later: the same terms.
    """
    step = period_offset(freq)
    most = int(shift.max()) if shift.size else 0
    cycle = CALENDAR_CYCLE[freq[0]]
    safe = int((first.year - FIRST_SAFE_YEAR - 1) * cycle / 400)  # periods back that stay safe
    offsets = np.arange(-most, periods)
    offsets = np.where(offsets < -safe, offsets + cycle * -((offsets + safe) // cycle), offsets)
    dates = pd.DatetimeIndex([first + step * int(n) for n in offsets])
    terms = _calendar(dates, freq)
    column = np.arange(periods)[None, :] + most - shift[:, None]
    return terms[column]


def _calendar(dates: pd.DatetimeIndex, freq: str) -> np.ndarray:
    """Yearly Fourier terms (3 harmonics) and the period of the year, per date."""
    dates = pd.DatetimeIndex(dates)
    angle = 2 * np.pi * dates.dayofyear.to_numpy() / 365.25
    terms = [f(k * angle) for k in (1, 2, 3) for f in (np.sin, np.cos)]
    position = {
        "W": dates.isocalendar().week.to_numpy(dtype=float),
        "M": dates.month.to_numpy(dtype=float),
        "Q": dates.quarter.to_numpy(dtype=float),
        "D": dates.dayofweek.to_numpy(dtype=float),
        "Y": dates.month.to_numpy(dtype=float),  # the fiscal year's first month: constant
    }[freq[0]]
    return np.column_stack([*terms, position])


def nanmean_rows(values: np.ndarray) -> np.ndarray:
    """Row means ignoring NaN; NaN for all-missing rows, without warnings."""
    count = np.sum(~np.isnan(values), axis=1)
    total = np.nansum(values, axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _nanmedian_rows(values: np.ndarray) -> np.ndarray:
    """Row medians ignoring NaN (1.0 for rows with no value, so ratios stay defined)."""
    out = np.ones(values.shape[0])
    for i, row in enumerate(values):
        ok = row[np.isfinite(row)]
        if ok.size:
            out[i] = float(np.median(ok))
    return out


register("gbm", GlobalGBM(), "global", "LightGBM across all series with prices and promotions")
