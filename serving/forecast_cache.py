"""Serving-side cache of a sales champion: quarter totals per series, aggregates per level.

Built once when a champion is loaded (in the refresh thread, before the swap), so a request is
a row selection, a sum over series and a quantile over paths. The numbers are the ones
engine.planning.quarterly_forecast gives on the full forecast set (tests hold them equal):
sample paths are summed over periods (weeks split by day) and series before quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine.calendar import quarter_label, quarter_of, quarter_weights
from engine.errors import DataError
from engine.planning import QUANTILES, select_series

ROW_COLUMNS = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]


def _weights(dates: pd.DatetimeIndex, freq: str, fiscal: int, cols: pd.PeriodIndex) -> np.ndarray:
    if len(dates) == 0:
        return np.zeros((0, len(cols)))
    table = quarter_weights(dates, freq, fiscal)
    return table.reindex(columns=cols, fill_value=0.0).to_numpy()


def _covered_quarters(source: Any, cols: pd.PeriodIndex, fw: np.ndarray, pw: np.ndarray) -> list:
    """Quarters fully covered by recent actuals plus forecast (the rest are refused)."""
    days = 1 if source.freq[0] == "D" else 7 if source.freq[0] == "W" else None
    covered = fw.sum(axis=0) + pw.sum(axis=0)
    out = []
    for j, quarter in enumerate(cols):
        if days is not None:
            needed = (quarter.end_time.normalize() - quarter.start_time).days + 1
            complete = covered[j] * days >= needed - 1e-6
        else:
            complete = covered[j] >= (3 if source.freq[0] == "M" else 1) - 1e-6
        if complete:
            out.append(quarter)
    return out


def group_codes(groups: pd.DataFrame) -> tuple[np.ndarray, list[tuple]]:
    """Integer group per row and the sorted group labels (as strings, like planning)."""
    if groups.shape[1] == 0:
        return np.zeros(len(groups), dtype=np.intp), [()]
    keys = pd.MultiIndex.from_frame(groups.astype(str))
    codes, uniques = pd.factorize(keys, sort=True)
    return codes, [tuple(u) if isinstance(u, tuple) else (u,) for u in uniques]


def _sum_groups(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Sum rows of `values` (rows x ...) into groups with one matrix product."""
    onehot = np.zeros((n_groups, len(codes)))
    onehot[codes, np.arange(len(codes))] = 1.0
    flat = values.reshape(len(codes), -1)
    return (onehot @ flat).reshape((n_groups, *values.shape[1:]))


def _bands(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (4 x ...) quantiles over the paths axis (axis 1)."""
    return paths.mean(axis=1), np.quantile(paths, list(QUANTILES.values()), axis=1)


@dataclass
class LevelTable:
    """Precomputed answers for one level without filters: rows per group and quarter."""

    labels: list[tuple]
    mean: np.ndarray  # groups x quarters
    bands: np.ndarray  # 4 x groups x quarters


@dataclass
class ForecastCache:
    """Quarter-total sample paths per series plus ready answers for common levels."""

    source: Any
    fiscal_start_month: int
    quarters: pd.PeriodIndex
    covered: list[pd.Period]
    quarter_paths: np.ndarray  # series x paths x quarters
    levels: dict[tuple[str, ...], LevelTable] = field(default_factory=dict)
    weekly: pd.DataFrame | None = None

    @classmethod
    def build(cls, source: Any, fiscal_start_month: int = 1) -> ForecastCache:
        """Fold weeks (and recent actuals) into quarter totals; precompute each level's table."""
        fut = quarter_weights(source.dates, source.freq, fiscal_start_month).columns
        past = (
            quarter_weights(source.actual_dates, source.freq, fiscal_start_month).columns
            if len(source.actual_dates)
            else fut[:0]
        )
        cols = fut.union(past)
        fw = _weights(source.dates, source.freq, fiscal_start_month, cols)
        pw = _weights(source.actual_dates, source.freq, fiscal_start_month, cols)
        covered = _covered_quarters(source, cols, fw, pw)
        paths = np.einsum("sph,hq->spq", source.paths, fw, optimize=True)
        if len(source.actual_dates):
            paths += (np.nan_to_num(source.actuals) @ pw)[:, None, :]
        cache = cls(source, fiscal_start_month, cols, covered, paths)
        keys = list(source.keys)
        for level in {(), *((k,) for k in source.index.columns), tuple(keys)}:
            cache.levels[level] = cache._level_table(list(level))
        if hasattr(source, "interval_frame"):
            weekly = source.interval_frame()
            weekly["date"] = pd.DatetimeIndex(weekly["date"]).strftime("%Y-%m-%d")
            cache.weekly = weekly
        return cache

    def _level_table(self, level: list[str]) -> LevelTable:
        groups = self.source.index[level] if level else pd.DataFrame(index=self.source.index.index)
        codes, labels = group_codes(groups)
        summed = _sum_groups(codes, len(labels), self.quarter_paths)
        mean, bands = _bands(summed)
        return LevelTable(labels, mean, bands)

    def check_level(self, level: list[str]) -> None:
        for col in level:
            if col not in self.source.index.columns:
                raise DataError(
                    f"unknown level '{col}': choose from "
                    f"{', '.join(self.source.index.columns)} or total",
                    "level",
                )

    def quarter_columns(self, quarters: list[pd.Period]) -> list[int]:
        """Column of each requested quarter; a quarter the model does not cover is an error."""
        out = []
        for quarter in quarters:
            if quarter not in self.covered:
                first = self.source.actual_dates.min() if len(self.source.actual_dates) else None
                first = first if first is not None else self.source.dates.min()
                raise DataError(
                    f"quarter {quarter_label(quarter)} is outside what this model covers "
                    f"({first.date()} to {self.source.dates.max().date()}); "
                    "retrain with a longer horizon",
                    "quarters",
                )
            out.append(int(self.quarters.get_loc(quarter)))
        return out

    def quarterly(
        self, quarters: list[pd.Period], filters: dict[str, list[str]], level: list[str]
    ) -> list[dict[str, Any]]:
        """Rows (level keys, quarter, mean, lo/hi 80/95) like engine.planning.quarterly_forecast."""
        self.check_level(level)
        if filters:
            rows = select_series(self.source.index, filters)
        cols = self.quarter_columns(quarters)
        if not filters and tuple(level) in self.levels:
            table = self.levels[tuple(level)]
            labels, mean, bands = table.labels, table.mean[:, cols], table.bands[:, :, cols]
        else:
            rows = rows if filters else np.arange(len(self.source.index))
            index = self.source.index.iloc[rows]
            groups = index[level] if level else pd.DataFrame(index=index.index)
            codes, labels = group_codes(groups)
            summed = _sum_groups(codes, len(labels), self.quarter_paths[rows][:, :, cols])
            mean, bands = _bands(summed)
        labels_q = [quarter_label(q) for q in quarters]
        names = list(QUANTILES)
        out = []
        for g, label in enumerate(labels):
            for j, q in enumerate(labels_q):
                rec: dict[str, Any] = dict(zip(level, label, strict=True))
                rec["quarter"] = q
                rec["mean"] = float(mean[g, j])
                for k, name in enumerate(names):
                    rec[name] = float(bands[k, g, j])
                out.append(rec)
        return out

    def weekly_rows(
        self, quarters: list[pd.Period], filters: dict[str, list[str]], level: list[str]
    ) -> list[dict[str, Any]]:
        """Per-period forecast rows within the requested quarters, at any level."""
        self.check_level(level)
        self.quarter_columns(quarters)
        source = self.source
        rows = select_series(source.index, filters) if filters else np.arange(len(source.index))
        in_quarters = quarter_of(source.dates, self.fiscal_start_month).isin(quarters)
        steps = np.flatnonzero(in_quarters)
        bottom = list(level) == list(source.keys)
        if bottom and self.weekly is not None:
            frame = self.weekly
            horizon = len(source.dates)
            take = (rows[:, None] * horizon + steps[None, :]).ravel()
            return frame.iloc[take][[*level, "date", *ROW_COLUMNS]].to_dict(orient="records")
        else:
            index = source.index.iloc[rows]
            groups = index[level] if level else pd.DataFrame(index=index.index)
            codes, labels = group_codes(groups)
            paths = _sum_groups(codes, len(labels), source.paths[rows][:, :, steps])
            mean, bands = _bands(paths)  # path means, so weeks add up to the quarter totals
            n, h = len(labels), len(steps)
            frame = pd.DataFrame(
                [label for label in labels for _ in range(h)], columns=level or None
            )
            if not level:
                frame = pd.DataFrame(index=range(n * h))
            frame["date"] = np.tile(source.dates.values[steps], n)
            frame["mean"] = mean.ravel()
            for i, name in enumerate(QUANTILES):
                frame[name] = bands[i].ravel()
        frame = frame.loc[:, [*level, "date", *ROW_COLUMNS]].copy()
        frame["date"] = pd.DatetimeIndex(frame["date"]).strftime("%Y-%m-%d")
        return frame.to_dict(orient="records")
