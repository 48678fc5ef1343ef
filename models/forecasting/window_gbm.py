"""One gradient-boosted model across all series on each series' recent history, direct per step.

Each training row is one series at one past cut: the `window` periods before the cut divided by
the series' level there (the mean of its last season), the step ahead, and as target the value
that many steps after the cut on the same scale. One LightGBM model learns, from every series at
once, how scaled histories go on; it forecasts every step directly (no prediction feeds the
next step's inputs) up to `steps`, and longer horizons block by block. It needs no drivers and
differs from the per-series statistical models in how it errs, which is what a mean of forecasts
gains from: on all M3 quarterly and monthly series the default's mean with it beat published
Theta (bench/forecast_accuracy.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator

from engine.core.calendar import season_length
from engine.core.panel import Panel
from models.forecasting.catalog import register
from models.forecasting.global_gbm import LIGHTGBM_PARAMS, lightgbm_regressor, nanmean_rows
from models.forecasting.local import clean_series

log = logging.getLogger("lodestar.models.forecasting")

DEFAULT_WINDOW = {"D": 28, "W": 52, "M": 24, "Q": 12, "Y": 10}
"""Periods of history each row sees: two years of months, three of quarters, ten years."""
DEFAULT_STEPS = {"D": 28, "W": 26, "M": 18, "Q": 8, "Y": 6}
"""Steps ahead learned directly (M3's horizons for months, quarters and years)."""
MIN_ROWS = 50


@dataclass(eq=False, repr=False)
class WindowGBM(BaseEstimator):
    """LightGBM on level-scaled recent history, all series at once; forecasts each step directly."""

    window: int | None = None
    steps: int | None = None
    n_estimators: int = 150
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_child_samples: int = 20
    objective: str = "l1"
    alpha: float = 0.5
    n_jobs: int = 1
    random_state: int = 0

    def fit(self, panel: Panel) -> WindowGBM:
        family = panel.freq[0]
        self.window_ = int(self.window or DEFAULT_WINDOW[family])
        self.steps_ = int(self.steps or DEFAULT_STEPS[family])
        self.season_ = max(1, season_length(panel.freq))
        history = right_aligned([clean_series(row) for row in panel.values])
        x, y = training_rows(history, self.window_, self.season_, self.steps_)
        self.model_ = None
        if len(y) >= MIN_ROWS:
            self.model_ = self._fit_model(x, y)
        else:
            log.warning("WindowGBM: %d rows to learn from: recent levels carried", len(y))
        self.history_ = history[:, -self.window_ :]
        self.n_series_ = panel.n_series
        return self

    def _fit_model(self, x: np.ndarray, y: np.ndarray) -> Any:
        """The LightGBM regressor on the stacked rows (the last column is the step)."""
        return lightgbm_regressor({name: getattr(self, name) for name in LIGHTGBM_PARAMS}).fit(x, y)

    def predict(self, horizon: int, future_exog: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Point forecasts, series x horizon: the periods after each series' own last value."""
        return self._forecast_from(self.history_, horizon)

    def backtest_forecasts(self, panel: Panel, cuts: list[int], horizon: int) -> np.ndarray:
        """Forecasts (windows x series x horizon) from one fit at the oldest cut.

        Like statsforecast's models' `forward`: every later window is forecast from its own
        history by the model fitted before the first cut, so no window sees data after its cut
        and none is judged with a model refitted on more data than the per-series models had.
        """
        self.fit(panel.head(cuts[0]))
        out = np.zeros((len(cuts), panel.n_series, horizon))
        for k, cut in enumerate(cuts):
            history = right_aligned([clean_series(row) for row in panel.values[:, :cut]])
            out[k] = self._forecast_from(history, horizon)
        return out

    def _forecast_from(self, history: np.ndarray, horizon: int) -> np.ndarray:
        """Forecasts of `horizon` periods after right-aligned histories, block by block."""
        history = _padded(history, self.window_)
        out = np.zeros((history.shape[0], 0))
        while out.shape[1] < horizon:
            block = self._predict_block(history[:, -self.window_ :])
            out = np.concatenate([out, block], axis=1)
            history = np.concatenate([history, block], axis=1)
        return np.clip(np.nan_to_num(out[:, :horizon], nan=0.0, posinf=0.0), 0.0, None)

    def _predict_block(self, inputs: np.ndarray) -> np.ndarray:
        """The next `steps` periods of every series from its last `window` periods."""
        level = series_level(inputs, self.season_)
        if self.model_ is None:
            recent = np.nan_to_num(nanmean_rows(np.abs(inputs[:, -self.season_ :])), nan=0.0)
            return np.repeat(recent[:, None], self.steps_, axis=1)
        scaled = inputs / level[:, None]
        rows = np.concatenate(
            [np.column_stack([scaled, np.full(len(scaled), k)]) for k in range(self.steps_)]
        )
        pred = self.model_.predict(rows).reshape(self.steps_, len(scaled)).T
        return pred * level[:, None]


def right_aligned(series: list[np.ndarray]) -> np.ndarray:
    """Series of different lengths as rows of one matrix ending at the same column (NaN before)."""
    longest = max((len(y) for y in series), default=0)
    out = np.full((len(series), longest), np.nan)
    for i, y in enumerate(series):
        if len(y):
            out[i, longest - len(y) :] = y
    return out


def _padded(history: np.ndarray, window: int) -> np.ndarray:
    """History with NaN columns in front so that it is at least `window` periods long."""
    missing = window - history.shape[1]
    if missing <= 0:
        return history
    return np.concatenate([np.full((history.shape[0], missing), np.nan), history], axis=1)


def series_level(inputs: np.ndarray, season: int) -> np.ndarray:
    """Each row's scale: the mean absolute value of its last season, else of its whole window,
    else 1 (a series of zeros keeps its own units)."""
    recent = nanmean_rows(np.abs(inputs[:, -season:]))
    whole = nanmean_rows(np.abs(inputs))
    level = np.where(np.isfinite(recent) & (recent > 0), recent, whole)
    return np.where(np.isfinite(level) & (level > 0), level, 1.0)


def training_rows(
    history: np.ndarray, window: int, season: int, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows (scaled window, step) and targets from every cut of every right-aligned series.

    A cut counts once the series has at least a season (and two periods) before it; each row's
    target is the value `step` periods after the cut, scaled by the level at the cut.
    """
    n_series, n_periods = history.shape
    padded = np.concatenate([np.full((n_series, window), np.nan), history], axis=1)
    views = sliding_window_view(padded, window, axis=1)  # views[:, c] = history[:, c-window:c]
    seen = np.cumsum(np.isfinite(history), axis=1)  # periods present up to and including t
    least = max(season, 2)
    xs, ys = [], []
    for cut in range(least, n_periods):
        ok = seen[:, cut - 1] >= least
        if not ok.any():
            continue
        inputs = views[ok, cut]
        level = series_level(inputs, season)
        scaled = inputs / level[:, None]
        for k in range(min(steps, n_periods - cut)):
            target = history[ok, cut + k] / level
            keep = np.isfinite(target)
            if keep.any():
                xs.append(np.column_stack([scaled[keep], np.full(int(keep.sum()), k)]))
                ys.append(target[keep])
    if not ys:
        return np.zeros((0, window + 1)), np.zeros(0)
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


register(
    "window_gbm",
    WindowGBM(),
    "global",
    "LightGBM across all series on their recent history, each step ahead directly",
)
