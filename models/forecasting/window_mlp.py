"""One small neural network across all series: a recent window in, the next block of periods out.

Each training row is one series at one past cut: the `window` periods before the cut and the
`steps` periods after it, both divided by the series' level at the cut and taken in logs, so
that the squared error the network minimises is a relative one. A scikit-learn multi-layer
perceptron maps the whole window to the whole block at once (as N-BEATS does, with a far
smaller network), so its errors differ from the per-step LightGBM's and from the per-series
models'. Like the LightGBM window model it is a combination member: alone it is weaker than
theta on M3, while the default's mean with it is better (bench/forecast_accuracy.py).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from models.forecasting.catalog import register
from models.forecasting.recent_window import (
    MIN_ROWS,
    SAMPLE_SEED,
    RecentWindowModel,
    kept_share,
    past_cuts,
    sampled,
    series_level,
)

log = logging.getLogger("lodestar.models.forecasting")

FLOOR = 1e-3
"""Scaled values below this (zeros) are taken as this before logs: a thousandth of the level."""
MAX_LOG_RATIO = 3.0
"""Targets are clipped to e**-3 .. e**3 times the level (about 0.05x to 20x): one wild period
must not pull a squared-error fit."""
VALIDATION = 0.1
"""Share of the rows held out to stop training once their error no longer falls."""


@dataclass(eq=False, repr=False)
class WindowMLP(RecentWindowModel):
    """A small network on log level-scaled recent history: all series, all steps at once."""

    window: int | None = None
    steps: int | None = None
    hidden: tuple[int, ...] = (128, 128)
    max_iter: int = 100
    batch_size: int = 256
    random_state: int = 0
    max_rows: int | None = 250_000
    """Training rows kept at most (a random share beyond): all M3 monthly series give 100,000;
    300 daily series of two years gave 209,000 and 31 s per fit."""

    def _fit_rows(self, history: np.ndarray) -> Any:
        """The network on one row per series and cut whose whole next block is known."""
        x, y = block_rows(history, self.window_, self.season_, self.steps_, self.max_rows)
        if len(y) < MIN_ROWS:
            log.warning("WindowMLP: %d rows to learn from: recent levels carried", len(y))
            return None
        net = MLPRegressor(
            hidden_layer_sizes=self.hidden,
            batch_size=min(self.batch_size, len(y) - math.ceil(VALIDATION * len(y))),
            validation_fraction=VALIDATION,
            max_iter=self.max_iter,
            early_stopping=True,
            n_iter_no_change=10,
            random_state=self.random_state,
        )
        targets = np.clip(np.log(np.clip(y, FLOOR, None)), -MAX_LOG_RATIO, MAX_LOG_RATIO)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # early stopping decides
            return net.fit(log_inputs(x), targets)

    def _predict_scaled(self, scaled: np.ndarray) -> np.ndarray:
        out = self.model_.predict(log_inputs(scaled)).reshape(len(scaled), -1)
        return np.exp(np.clip(out, -MAX_LOG_RATIO, MAX_LOG_RATIO))


def log_inputs(scaled: np.ndarray) -> np.ndarray:
    """Network inputs from level-scaled windows: periods before a series began take its first
    value (a window of nothing takes the level, 1), zeros the floor, then logs."""
    present = np.isfinite(scaled)
    position = np.where(present, np.arange(scaled.shape[1]), scaled.shape[1] - 1)
    first_after = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1]
    filled = np.where(present, scaled, np.take_along_axis(scaled, first_after, axis=1))
    return np.log(np.clip(np.nan_to_num(filled, nan=1.0), FLOOR, None))


def block_rows(
    history: np.ndarray, window: int, season: int, steps: int, max_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Level-scaled windows and their next `steps` values from every cut of every right-aligned
    series where that block is complete (a season and two periods at least before the cut);
    beyond `max_rows` candidate rows a random share of them is kept (`kept_share`)."""
    views, cuts = past_cuts(history, window, season, history.shape[1] - steps + 1)
    share = kept_share(sum(int(ok.sum()) for _, ok in cuts), max_rows)
    rng = np.random.default_rng(SAMPLE_SEED)
    xs, ys = [], []
    for cut, seen_enough in cuts:
        block = history[:, cut : cut + steps]
        ok = sampled(seen_enough & np.isfinite(block).all(axis=1), share, rng)
        if not ok.any():
            continue
        level = series_level(views[ok, cut], season)
        xs.append(views[ok, cut] / level[:, None])
        ys.append(block[ok] / level[:, None])
    if not ys:
        return np.zeros((0, window)), np.zeros((0, steps))
    return np.concatenate(xs), np.concatenate(ys)


register(
    "window_mlp",
    WindowMLP(),
    "global",
    "a small neural network across all series: recent history in, the next periods out",
)
