"""What the global window models share: each series' recent history scaled by its level goes in,
a block of the next periods on that scale comes out.

A window model is fitted on every series at once (its rows come from every past cut of every
series), forecasts a horizon block by block (each block's forecast joins the history the next
block is predicted from), and backtests like statsforecast's `forward`: one fit before the
oldest cut, each later window forecast from its own history. Subclasses say how the rows are
built and the learner fitted (`_fit_rows`) and how a block is predicted (`_predict_scaled`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator

from engine.core.calendar import season_length
from engine.core.panel import Panel
from models.forecasting.global_gbm import nanmean_rows
from models.forecasting.local import clean_series

DEFAULT_WINDOW = {"D": 28, "W": 52, "M": 24, "Q": 12, "Y": 10}
"""Periods of history each row sees: two years of months, three of quarters, ten years."""
DEFAULT_STEPS = {"D": 28, "W": 26, "M": 18, "Q": 8, "Y": 6}
"""Steps ahead learned directly (M3's horizons for months, quarters and years)."""
MIN_ROWS = 50
"""Fewer training rows than this and the model carries each series' recent level instead."""
SAMPLE_SEED = 0


class RecentWindowModel(BaseEstimator, ABC):
    """Base of the window models: fitted across series, forecasts block by block from the end."""

    window: int | None
    steps: int | None

    def fit(self, panel: Panel) -> RecentWindowModel:
        family = panel.freq[0]
        self.window_ = int(self.window or DEFAULT_WINDOW[family])
        self.steps_ = int(self.steps or DEFAULT_STEPS[family])
        self.season_ = max(1, season_length(panel.freq))
        history = right_aligned([clean_series(row) for row in panel.values])
        self.model_ = self._fit_rows(history)
        self.history_ = history[:, -self.window_ :]
        self.n_series_ = panel.n_series
        return self

    @abstractmethod
    def _fit_rows(self, history: np.ndarray) -> Any:
        """The fitted learner on rows from right-aligned `history`, or None with too few rows."""

    @abstractmethod
    def _predict_scaled(self, scaled: np.ndarray) -> np.ndarray:
        """The next `steps_` periods (series x steps) from level-scaled windows, same scale."""

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
        history = padded_front(history, self.window_)
        out = np.zeros((history.shape[0], 0))
        while out.shape[1] < horizon:
            block = self._predict_block(history[:, -self.window_ :])
            out = np.concatenate([out, block], axis=1)
            history = np.concatenate([history, block], axis=1)
        return np.clip(np.nan_to_num(out[:, :horizon], nan=0.0, posinf=0.0), 0.0, None)

    def _predict_block(self, inputs: np.ndarray) -> np.ndarray:
        """The next `steps_` periods of every series from its last `window_` periods."""
        level = series_level(inputs, self.season_)
        if self.model_ is None:
            recent = np.nan_to_num(nanmean_rows(np.abs(inputs[:, -self.season_ :])), nan=0.0)
            return np.repeat(recent[:, None], self.steps_, axis=1)
        return self._predict_scaled(inputs / level[:, None]) * level[:, None]


def right_aligned(series: list[np.ndarray]) -> np.ndarray:
    """Series of different lengths as rows of one matrix ending at the same column (NaN before)."""
    longest = max((len(y) for y in series), default=0)
    out = np.full((len(series), longest), np.nan)
    for i, y in enumerate(series):
        if len(y):
            out[i, longest - len(y) :] = y
    return out


def padded_front(history: np.ndarray, window: int) -> np.ndarray:
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


def kept_share(candidates: int, max_rows: int | None) -> float:
    """Share of `candidates` training rows to keep so that about `max_rows` remain (1: all).

    Every cut of every series is a row, so long daily panels give millions of them: a random
    share, drawn the same way every time, bounds a window model's memory and time while
    sampling every period and series alike."""
    if not max_rows or candidates <= max_rows:
        return 1.0
    return max_rows / candidates


def sampled(keep: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """`keep` with each True kept with probability `share` (unchanged when share is 1)."""
    return keep if share >= 1.0 else keep & (rng.random(keep.size) < share)


def past_cuts(
    history: np.ndarray, window: int, season: int, stop: int
) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
    """The windows before every cut of right-aligned `history` (views[:, c] is history[:, c -
    window : c], NaN before the start) and each cut below `stop` with the series that have a
    season and two periods before it (a boolean mask)."""
    n_series = history.shape[0]
    padded = np.concatenate([np.full((n_series, window), np.nan), history], axis=1)
    views = sliding_window_view(padded, window, axis=1)
    seen = np.cumsum(np.isfinite(history), axis=1)  # periods present up to and including t
    least = max(season, 2)
    return views, [(cut, seen[:, cut - 1] >= least) for cut in range(least, stop)]
