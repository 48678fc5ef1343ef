"""The sales-forecast payload: a fitted forecaster's future, precomputed at training time.

Serving answers from it with a lookup plus aggregation: point forecasts and simulated sample
paths per bottom-level series, and the recent actuals so quarters that began in the past are
actuals-to-date plus forecast. Every series shares one date grid; a series that stopped before
the others has its forecast start later on it (`start`), right after its own last period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.core.intervals import BANDS

FORECAST_COLUMNS = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]


@dataclass
class ForecastSet:
    """Future of every bottom series: mean (series x h) and paths (series x paths x h)."""

    index: pd.DataFrame  # one row per series: series key columns (+ category when known)
    keys: list[str]  # series key columns, bottom level
    freq: str
    dates: pd.DatetimeIndex  # future period starts
    mean: np.ndarray
    paths: np.ndarray
    actual_dates: pd.DatetimeIndex  # recent history grid
    actuals: np.ndarray  # series x recent periods (NaN where no row)
    model_name: str = "seasonal_naive"
    info: dict[str, Any] = field(default_factory=dict)
    start: np.ndarray | None = None
    """Per series, the first column of `dates` it forecasts (None: 0 for all); earlier columns
    hold zeros in mean and paths and are covered by its actuals instead."""

    @property
    def horizon(self) -> int:
        return len(self.dates)

    @property
    def starts(self) -> np.ndarray:
        """First forecast column per series (zeros for sets without a ragged start)."""
        start = getattr(self, "start", None)  # payloads pickled before `start` existed
        return np.zeros(len(self.index), dtype=int) if start is None else np.asarray(start)

    def interval_frame(self, rows: np.ndarray | None = None) -> pd.DataFrame:
        """Per-period forecast rows (keys, date, mean, lo/hi 80/95) for the chosen series.

        Each series has rows for its own forecast periods only, from its `start` on.
        """
        rows = np.arange(len(self.index)) if rows is None else np.asarray(rows)
        n, h = len(rows), self.horizon
        starts = self.starts[rows]
        q = np.full((len(BANDS), n, h), np.nan)
        for start in np.unique(starts):  # quantiles of forecast periods only
            at = np.flatnonzero(starts == start)
            block = self.paths[rows[at], :, start:]
            q[:, at, start:] = np.quantile(block, list(BANDS.values()), axis=1)
        out = self.index.iloc[rows].loc[:, self.keys].loc[np.repeat(rows, h)].reset_index(drop=True)
        out["date"] = np.tile(self.dates.values, n)
        out["mean"] = self.mean[rows].ravel()
        for i, name in enumerate(BANDS):
            out[name] = q[i].ravel()
        own = (np.arange(h)[None, :] >= starts[:, None]).ravel()
        return out if own.all() else out[own].reset_index(drop=True)

    def predict_frame(self, model_input: pd.DataFrame | None) -> pd.DataFrame:
        """pyfunc entry: rows of key filters (any subset of keys) -> their weekly forecasts."""
        if model_input is None or model_input.empty:
            return self.interval_frame()
        mask = np.zeros(len(self.index), dtype=bool)
        for _, row in model_input.iterrows():
            cond = np.ones(len(self.index), dtype=bool)
            for key, value in row.items():
                if key in self.index.columns and pd.notna(value):
                    cond &= self.index[key].astype(str).to_numpy() == str(value)
            mask |= cond
        return self.interval_frame(np.flatnonzero(mask))
