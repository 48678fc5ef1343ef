"""Long sales table <-> wide panel (series x regular date grid), the shape forecasters work on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from engine.core.calendar import period_offset, period_positions
from engine.core.contracts.sales import SalesHistory


@dataclass(frozen=True)
class Panel:
    """Units on a regular grid: values[i, t] for series i at dates[t]; NaN where no row exists.

    Series that start later or end earlier are NaN outside their own span. `exog` holds the
    optional drivers on the same grid (price, promotions, competitor prices), series x dates.
    `shift` is set on a panel made by `align_ends`: series i was moved `shift[i]` periods later,
    so its value at column t belongs to the period dates[t - shift[i]].
    """

    index: pd.DataFrame  # one row per series: key columns (and category when known)
    dates: pd.DatetimeIndex
    values: np.ndarray
    freq: str
    exog: dict[str, np.ndarray] = field(default_factory=dict)
    shift: np.ndarray | None = None

    @property
    def n_series(self) -> int:
        return len(self.index)

    @property
    def n_periods(self) -> int:
        return self.values.shape[1]

    def subset(self, rows: np.ndarray) -> Panel:
        """The panel restricted to some series (rows keep their order)."""
        rows = np.asarray(rows)
        return Panel(
            self.index.iloc[rows].reset_index(drop=True),
            self.dates,
            self.values[rows],
            self.freq,
            {k: v[rows] for k, v in self.exog.items()},
            None if self.shift is None else self.shift[rows],
        )

    def head(self, periods: int) -> Panel:
        """The first `periods` dates of every series (a training cut for backtests)."""
        return Panel(
            self.index,
            self.dates[:periods],
            self.values[:, :periods],
            self.freq,
            {k: v[:, :periods] for k, v in self.exog.items()},
            self.shift,
        )

    def exog_slice(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Drivers for periods start..stop-1 (the 'planned future' in a backtest)."""
        return {k: v[:, start:stop] for k, v in self.exog.items()}


def trailing_gaps(values: np.ndarray) -> np.ndarray:
    """Per series, the periods between its last value and the end of the grid."""
    seen = np.isfinite(values)
    last = values.shape[1] - 1 - np.argmax(seen[:, ::-1], axis=1)
    return np.where(seen.any(axis=1), values.shape[1] - 1 - last, 0)


def align_ends(panel: Panel) -> Panel:
    """Every series moved later so its last value sits in the grid's last column.

    A series that stopped before the others is then forecast, backtested and scored from its
    own last period; `shift` records the move so dates can be put back.
    """
    gaps = trailing_gaps(panel.values) + (0 if panel.shift is None else panel.shift)
    moved = trailing_gaps(panel.values)
    if not moved.any():
        return panel if panel.shift is not None else replace(panel, shift=gaps)

    def move(values: np.ndarray) -> np.ndarray:
        out = np.full(values.shape, np.nan)
        for i, gap in enumerate(moved):
            out[i, gap:] = values[i, : values.shape[1] - gap]
        return out

    exog = {k: move(v) for k, v in panel.exog.items()}
    return Panel(panel.index, panel.dates, move(panel.values), panel.freq, exog, gaps)


def exog_columns(history: SalesHistory) -> list[str]:
    """Driver columns a global model can use: price, promotions, competitor prices."""
    cols = ["price"] if history.has_price else []
    return cols + list(history.promo_columns) + list(history.competitor_columns)


def to_panel(history: SalesHistory, column: str = "units") -> Panel:
    """Pivot a validated history to a series x date matrix on the grid of the series' dates."""
    frame = history.frame
    keys = history.series_keys
    extra = [k for k in history.keys if k not in keys]
    index = frame[keys + extra].drop_duplicates(keys).sort_values(keys).reset_index(drop=True)
    start = frame["date"].min()
    positions = period_positions(frame["date"], start, history.freq)
    step = period_offset(history.freq)
    grid = pd.DatetimeIndex([start + step * k for k in range(int(positions.max()) + 1)])
    row_ids = pd.MultiIndex.from_frame(index[keys]).get_indexer(
        pd.MultiIndex.from_frame(frame[keys])
    )

    def pivot(col: str) -> np.ndarray:
        out = np.full((len(index), len(grid)), np.nan)
        out[row_ids, positions] = frame[col].to_numpy(dtype=float)
        return out

    exog = {col: pivot(col) for col in exog_columns(history) if col != column}
    return Panel(index, grid, pivot(column), history.freq, exog)


def fill_exog(values: np.ndarray, default: float = np.nan) -> np.ndarray:
    """Carry each driver forward then backward along time so gaps hold the nearest known value."""
    frame = pd.DataFrame(values.T)
    out = frame.ffill().bfill().to_numpy().T
    return np.where(np.isnan(out), default, out)


def hold_last(exog: dict[str, np.ndarray], horizon: int) -> dict[str, np.ndarray]:
    """Default future drivers: prices held at their last observed level, promotions off."""
    out = {}
    for name, values in exog.items():
        if is_promo(name):
            out[name] = np.zeros((values.shape[0], horizon))
        else:
            last = fill_exog(values)[:, -1] if values.shape[1] else np.full(values.shape[0], np.nan)
            out[name] = np.repeat(last[:, None], horizon, axis=1)
    return out


def is_promo(name: str) -> bool:
    """Promotion flags (0/1 or shares) as opposed to prices."""
    return name in ("promo", "feature", "display", "deal", "feat") or name.startswith("promo_")
