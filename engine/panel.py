"""Long sales table <-> wide panel (series x regular date grid), the shape forecasters work on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.calendar import period_offset
from engine.contracts.sales import SalesHistory


@dataclass(frozen=True)
class Panel:
    """Units on a regular grid: values[i, t] for series i at dates[t]; NaN where no row exists.

    Series that start later or end earlier are NaN outside their own span.
    """

    index: pd.DataFrame  # one row per series: key columns (and category when known)
    dates: pd.DatetimeIndex
    values: np.ndarray
    freq: str

    @property
    def n_series(self) -> int:
        return len(self.index)


def regular_grid(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    """Every period start from start to end inclusive."""
    step = period_offset(freq)
    out = [start]
    while out[-1] + step <= end:
        out.append(out[-1] + step)
    return pd.DatetimeIndex(out)


def to_panel(history: SalesHistory, column: str = "units") -> Panel:
    """Pivot a validated history to a series x date matrix on the grid of the series' dates."""
    frame = history.frame
    keys = history.series_keys
    extra = [k for k in history.keys if k not in keys]
    index = frame[keys + extra].drop_duplicates(keys).sort_values(keys).reset_index(drop=True)
    grid = regular_grid(frame["date"].min(), frame["date"].max(), history.freq)
    if history.freq[0] in ("W", "D"):
        # snap to the grid so weekly dates on different weekdays still line up
        positions = np.rint(
            (frame["date"] - grid[0]).dt.days / (7 if history.freq[0] == "W" else 1)
        ).astype(int)
    else:
        positions = pd.Series(grid.get_indexer(frame["date"]), index=frame.index)
        positions = positions.where(positions >= 0, _nearest(grid, frame["date"]))
    row_ids = pd.MultiIndex.from_frame(index[keys]).get_indexer(
        pd.MultiIndex.from_frame(frame[keys])
    )
    values = np.full((len(index), len(grid)), np.nan)
    values[row_ids, positions.to_numpy()] = frame[column].to_numpy(dtype=float)
    return Panel(index, grid, values, history.freq)


def _nearest(grid: pd.DatetimeIndex, dates: pd.Series) -> pd.Series:
    """Grid position nearest to each date (months of different lengths, month-end dates)."""
    pos = np.searchsorted(grid.values, dates.values)
    pos = np.clip(pos, 0, len(grid) - 1)
    return pd.Series(pos, index=dates.index)
