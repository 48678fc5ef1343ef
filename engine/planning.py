"""Planners' questions answered from a forecast set: quarters, any hierarchy level, intervals.

Quarter totals and their intervals come from summing sample paths over series and over the
periods in each quarter (weeks split by day), never from adding quantiles.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from engine.calendar import quarter_label, quarter_weights
from engine.errors import DataError, NotFoundError

QUANTILES = {"lo_95": 0.025, "lo_80": 0.10, "hi_80": 0.90, "hi_95": 0.975}


class ForecastSource(Protocol):
    """What planning needs from a trained forecast payload."""

    index: pd.DataFrame
    keys: list[str]
    freq: str
    dates: pd.DatetimeIndex
    paths: np.ndarray
    actual_dates: pd.DatetimeIndex
    actuals: np.ndarray


def select_series(index: pd.DataFrame, filters: dict[str, list[str]]) -> np.ndarray:
    """Row numbers of series matching every filter; unknown keys or values are user errors."""
    mask = np.ones(len(index), dtype=bool)
    for key, values in filters.items():
        if key not in index.columns:
            raise DataError(
                f"unknown filter '{key}': this model's keys are {', '.join(index.columns)}", key
            )
        column = index[key].astype(str).to_numpy()
        unknown = [v for v in values if v not in set(column)]
        if unknown:
            raise NotFoundError(f"unknown {key} '{unknown[0]}'", key)
        mask &= np.isin(column, values)
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        raise NotFoundError(
            "no series matches " + ", ".join(f"{k}={'|'.join(v)}" for k, v in filters.items()),
            next(iter(filters), "filters"),
        )
    return rows


def quarterly_forecast(
    source: ForecastSource,
    quarters: list[pd.Period],
    filters: dict[str, list[str]] | None = None,
    level: list[str] | None = None,
    fiscal_start_month: int = 1,
) -> pd.DataFrame:
    """Quarter totals with 80/95% intervals per group of the chosen level (default: each series).

    `level=[]` is the grand total of the matching series; `level=['region']` one row per region.
    A quarter that began in the past adds the actuals so far to the forecast of the rest.
    """
    index = source.index
    level = list(source.keys) if level is None else list(level)
    for col in level:
        if col not in index.columns:
            raise DataError(
                f"unknown level '{col}': choose from {', '.join(index.columns)} or total", "level"
            )
    rows = select_series(index, filters or {})
    future_w = _weights_for(source.dates, source.freq, quarters, fiscal_start_month)
    past_w = _weights_for(source.actual_dates, source.freq, quarters, fiscal_start_month)
    _check_covered(source, quarters, future_w, past_w)
    groups = index.iloc[rows][level] if level else pd.DataFrame(index=index.index[rows])
    codes, uniques = _group_codes(groups)
    n_groups = len(uniques)
    n_paths = source.paths.shape[1]
    group_paths = np.zeros((n_groups, n_paths, source.paths.shape[2]), dtype=np.float64)
    np.add.at(group_paths, codes, source.paths[rows])
    group_actuals = np.zeros((n_groups, len(source.actual_dates)))
    np.add.at(group_actuals, codes, np.nan_to_num(source.actuals[rows]))
    q_paths = group_paths @ future_w + (group_actuals @ past_w)[:, None, :]
    mean = q_paths.mean(axis=1)
    bands = np.quantile(q_paths, list(QUANTILES.values()), axis=1)
    records = []
    for g in range(n_groups):
        for j, quarter in enumerate(quarters):
            rec = dict(zip(level, uniques[g], strict=True)) if level else {}
            rec["quarter"] = quarter_label(quarter)
            rec["mean"] = float(mean[g, j])
            for k, name in enumerate(QUANTILES):
                rec[name] = float(bands[k, g, j])
            records.append(rec)
    columns = [*level, "quarter", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    return pd.DataFrame.from_records(records, columns=columns)


def _weights_for(
    dates: pd.DatetimeIndex, freq: str, quarters: list[pd.Period], fiscal_start_month: int
) -> np.ndarray:
    """(periods x requested quarters) share of each period in each quarter."""
    if len(dates) == 0:
        return np.zeros((0, len(quarters)))
    table = quarter_weights(dates, freq, fiscal_start_month)
    return table.reindex(columns=pd.PeriodIndex(quarters), fill_value=0.0).to_numpy()


def _check_covered(
    source: ForecastSource, quarters: list[pd.Period], future_w: np.ndarray, past_w: np.ndarray
) -> None:
    """Every requested quarter must be fully covered by recent actuals plus the forecast."""
    days = 1 if source.freq[0] == "D" else 7 if source.freq[0] == "W" else None
    for j, quarter in enumerate(quarters):
        covered = future_w[:, j].sum() + past_w[:, j].sum()
        if days is not None:
            needed = (quarter.end_time.normalize() - quarter.start_time).days + 1
            complete = covered * days >= needed - 1e-6
        else:
            needed = 3 if source.freq[0] == "M" else 1
            complete = covered >= needed - 1e-6
        if not complete:
            first, last = source.actual_dates.min(), source.dates.max()
            raise DataError(
                f"quarter {quarter_label(quarter)} is outside what this model covers "
                f"({first.date()} to {last.date()}); retrain with a longer horizon",
                "quarters",
            )


def _group_codes(groups: pd.DataFrame) -> tuple[np.ndarray, list[tuple]]:
    """Integer group per row and the ordered list of group labels."""
    if groups.shape[1] == 0:
        return np.zeros(len(groups), dtype=int), [()]
    keys = pd.MultiIndex.from_frame(groups.astype(str))
    codes, uniques = pd.factorize(keys, sort=True)
    return codes, [tuple(u) if isinstance(u, tuple) else (u,) for u in uniques]
