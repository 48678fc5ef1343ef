"""Planners' quarters from a forecast set: any level, any filter, 80/95% intervals.

Quarter totals and their intervals come from summing sample paths over series and over the
periods in each quarter (weeks split by day), never from adding quantiles. `quarterly_forecast`
is the reference computation on the full forecast set; `QuarterlyCache` is the fast path a
server builds once per champion (per-series quarter paths and ready tables per level), and
tests hold the two equal.

A quarter that began in the past is actuals so far plus the forecast of the rest, and every row
says so: `actual_to_date` (units already sold in it), `actual_share` (the share of the quarter's
periods already observed, averaged over the row's series) and `status` ("forecast", "partly
actual" or "actual"). Series that stopped more than a season before the data's end are included
unless the caller asks to leave them out (`exclude_stopped`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import sparse

from engine.core.calendar import quarter_label, quarter_of, quarter_weights
from engine.core.errors import DataError, NotFoundError
from engine.core.intervals import BAND_COLUMNS, BANDS
from engine.core.series import Filters, SeriesLookup

STATUS_COLUMNS = ["actual_to_date", "actual_share", "status"]
"""How much of a row is already actual sales: units, share of periods, and in words."""
FORECAST, PARTLY_ACTUAL, ACTUAL = "forecast", "partly actual", "actual"
_SHARE_TOLERANCE = 1e-9


class ForecastSource(Protocol):
    """What planning needs from a trained forecast payload."""

    index: pd.DataFrame
    keys: list[str]
    freq: str
    dates: pd.DatetimeIndex
    paths: np.ndarray
    actual_dates: pd.DatetimeIndex
    actuals: np.ndarray
    info: dict[str, Any]

    @property
    def starts(self) -> np.ndarray: ...


@dataclass(frozen=True)
class QuarterQuery:
    """What a forecast answer reads: these quarters of the series matching `filters`, one row per
    group of `level` ([] the grand total), without the series that stopped early if asked."""

    quarters: list[pd.Period]
    filters: Filters
    level: list[str]
    exclude_stopped: bool = False


def check_level(source: ForecastSource, level: list[str]) -> None:
    """Every level column must be one of the model's key columns."""
    for col in level:
        if col not in source.index.columns:
            raise DataError(
                f"unknown level '{col}': choose from {', '.join(source.index.columns)} or total",
                "level",
            )


def quarter_weight_matrix(
    dates: pd.DatetimeIndex, freq: str, quarters: pd.PeriodIndex | list[pd.Period], fiscal: int
) -> np.ndarray:
    """(periods x quarters) share of each period falling in each quarter (zero columns allowed)."""
    if len(dates) == 0:
        return np.zeros((0, len(quarters)))
    table = quarter_weights(dates, freq, fiscal)
    return table.reindex(columns=pd.PeriodIndex(quarters), fill_value=0.0).to_numpy()


def quarter_sizes(
    source: ForecastSource, quarters: pd.PeriodIndex | list[pd.Period], fiscal: int
) -> np.ndarray:
    """Periods of each quarter inside recent actuals plus the forecast (dates counted once).

    Every series covers the same span: its actuals run to its own last period and its forecast
    starts right after, on the same grid.
    """
    union = pd.DatetimeIndex(source.actual_dates).union(pd.DatetimeIndex(source.dates))
    return quarter_weight_matrix(union, source.freq, quarters, fiscal).sum(axis=0)


def covered(freq: str, quarters: list[pd.Period], sizes: np.ndarray) -> np.ndarray:
    """Per quarter: is it fully covered by recent actuals plus the forecast?"""
    days = 1 if freq[0] == "D" else 7 if freq[0] == "W" else None
    out = np.zeros(len(quarters), dtype=bool)
    for j, quarter in enumerate(quarters):
        if days is not None:
            needed = (quarter.end_time.normalize() - quarter.start_time).days + 1
            out[j] = sizes[j] * days >= needed - 1e-6
        else:
            out[j] = sizes[j] >= (3 if freq[0] == "M" else 1) - 1e-6
    return out


def not_covered(source: ForecastSource, quarter: pd.Period) -> DataError:
    """The refusal for a quarter outside actuals-so-far plus the forecast."""
    first = source.actual_dates.min() if len(source.actual_dates) else source.dates.min()
    return DataError(
        f"quarter {quarter_label(quarter)} is outside what this model covers "
        f"({first.date()} to {source.dates.max().date()}); retrain with a longer horizon",
        "quarters",
    )


def observed_before_forecast(source: ForecastSource) -> np.ndarray:
    """(series x actual dates) True where the date lies before the series' first forecast."""
    first = pd.DatetimeIndex(source.dates)[source.starts].values
    return pd.DatetimeIndex(source.actual_dates).values[None, :] < first[:, None]


def stopped_rows(source: ForecastSource) -> np.ndarray:
    """Rows of the series the training run found to have stopped more than a season early."""
    stopped = (getattr(source, "info", None) or {}).get("stopped_early") or []
    if not stopped:
        return np.zeros(0, dtype=int)
    keys = list(source.keys)
    wanted = pd.MultiIndex.from_frame(pd.DataFrame(stopped)[keys].astype(str))
    have = pd.MultiIndex.from_frame(source.index[keys].astype(str))
    return np.flatnonzero(have.isin(wanted))


def chosen_rows(
    source: ForecastSource,
    filters: Filters,
    exclude_stopped: bool,
    lookup: SeriesLookup | None = None,
    stopped: np.ndarray | None = None,
) -> np.ndarray:
    """Rows matching the filters, without the series that stopped early when asked.

    A server passes the lookup and stopped rows it built with the model (building them is
    most of a filtered request's time at 30,000 series); one-off callers leave them out.
    """
    if not filters:
        rows = np.arange(len(source.index))
    else:
        rows = (lookup or SeriesLookup(source.index)).rows(filters)
    if exclude_stopped:
        rows = np.setdiff1d(rows, stopped_rows(source) if stopped is None else stopped)
        if not rows.size:
            raise NotFoundError(
                "every matching series stopped more than a season before the data's end "
                "and is excluded",
                "stopped",
            )
    return rows


def group_codes(groups: pd.DataFrame) -> tuple[np.ndarray, list[tuple]]:
    """Integer group per row and the sorted group labels (as strings)."""
    if groups.shape[1] == 0:
        return np.zeros(len(groups), dtype=np.intp), [()]
    keys = pd.MultiIndex.from_frame(groups.astype(str))
    codes, uniques = pd.factorize(keys, sort=True)
    return codes, [tuple(u) if isinstance(u, tuple) else (u,) for u in uniques]


def sum_groups(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Sum rows of `values` (rows x ...) into groups with one sparse matrix product.

    The one-hot matrix is sparse: dense, the bottom level of 30,000 series alone would be a
    30,000 x 30,000 matrix (7 GB).
    """
    n = len(codes)
    onehot = sparse.csr_array((np.ones(n), (np.asarray(codes), np.arange(n))), shape=(n_groups, n))
    flat = values.reshape(n, -1)
    return np.asarray(onehot @ flat, dtype=np.float64).reshape((n_groups, *values.shape[1:]))


def path_bands(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (4 x ...) band quantiles over the paths axis (axis 1)."""
    return paths.mean(axis=1), np.quantile(paths, list(BANDS.values()), axis=1)


def status_of(share: float) -> str:
    """'forecast', 'partly actual' or 'actual' for the observed share of a row."""
    if share >= 1 - _SHARE_TOLERANCE:
        return ACTUAL
    return PARTLY_ACTUAL if share > _SHARE_TOLERANCE else FORECAST


def band_records(
    level: list[str],
    labels: list[tuple],
    periods: list[str],
    key: str,
    mean: np.ndarray,
    bands: np.ndarray,
    actual: np.ndarray | None = None,
    share: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Rows (level keys, period, mean, bands, actual so far) per group and period."""
    out = []
    for g, label in enumerate(labels):
        for j, period in enumerate(periods):
            rec: dict[str, Any] = dict(zip(level, label, strict=True))
            rec[key] = period
            rec["mean"] = float(mean[g, j])
            for k, name in enumerate(BANDS):
                rec[name] = float(bands[k, g, j])
            observed = 0.0 if share is None else min(max(float(share[g, j]), 0.0), 1.0)
            rec["actual_to_date"] = 0.0 if actual is None else float(actual[g, j])
            rec["actual_share"] = observed
            rec["status"] = status_of(observed)
            out.append(rec)
    return out


def quarterly_forecast(
    source: ForecastSource,
    quarters: list[pd.Period],
    filters: Filters | None = None,
    level: list[str] | None = None,
    fiscal_start_month: int = 1,
    exclude_stopped: bool = False,
) -> pd.DataFrame:
    """Quarter totals with 80/95% intervals per group of the chosen level (default: each series).

    `level=[]` is the grand total of the matching series; `level=['region']` one row per region.
    A quarter that began in the past adds the actuals so far to the forecast of the rest.
    """
    index = source.index
    level = list(source.keys) if level is None else list(level)
    check_level(source, level)
    rows = chosen_rows(source, filters or {}, exclude_stopped)
    future_w = quarter_weight_matrix(source.dates, source.freq, quarters, fiscal_start_month)
    past_w = quarter_weight_matrix(source.actual_dates, source.freq, quarters, fiscal_start_month)
    sizes = quarter_sizes(source, quarters, fiscal_start_month)
    complete = covered(source.freq, quarters, sizes)
    if not complete.all():
        raise not_covered(source, quarters[int(np.flatnonzero(~complete)[0])])
    groups = index.iloc[rows][level] if level else pd.DataFrame(index=index.index[rows])
    codes, labels = group_codes(groups)
    group_paths = np.zeros((len(labels), *source.paths.shape[1:]), dtype=np.float64)
    np.add.at(group_paths, codes, source.paths[rows])
    group_actuals = np.zeros((len(labels), len(source.actual_dates)))
    np.add.at(group_actuals, codes, np.nan_to_num(source.actuals[rows]))
    group_observed = np.zeros((len(labels), len(source.actual_dates)))
    np.add.at(group_observed, codes, observed_before_forecast(source)[rows].astype(float))
    actual = group_actuals @ past_w
    q_paths = group_paths @ future_w + actual[:, None, :]
    counts = np.bincount(codes, minlength=len(labels)).astype(float)
    share = (group_observed @ past_w) / sizes[None, :] / counts[:, None]
    mean, bands = path_bands(q_paths)
    records = band_records(
        level, labels, [quarter_label(q) for q in quarters], "quarter", mean, bands, actual, share
    )
    columns = [*level, "quarter", *BAND_COLUMNS, *STATUS_COLUMNS]
    return pd.DataFrame.from_records(records, columns=columns)


@dataclass
class LevelTable:
    """Precomputed answers for one level without filters: rows per group and quarter."""

    labels: list[tuple]
    mean: np.ndarray  # groups x quarters
    bands: np.ndarray  # 4 x groups x quarters
    actual: np.ndarray  # groups x quarters
    share: np.ndarray  # groups x quarters


@dataclass
class QuarterlyCache:
    """Quarter-total sample paths per series plus ready answers for every single-key level.

    Built once when a champion is loaded (in the refresh thread, before the swap), so a request
    is a row selection, a sum over series and a quantile over paths.
    """

    source: Any
    fiscal_start_month: int
    quarters: pd.PeriodIndex
    covered: list[pd.Period]
    quarter_paths: np.ndarray  # series x paths x quarters
    quarter_actual: np.ndarray  # series x quarters: units already sold
    quarter_share: np.ndarray  # series x quarters: share of the quarter observed
    levels: dict[tuple[str, ...], LevelTable] = field(default_factory=dict)
    weekly: pd.DataFrame | None = None
    grid_actual: np.ndarray | None = None  # series x forecast dates: actuals before the start
    lookup: SeriesLookup = field(init=False)  # filters -> rows, built once
    stopped: np.ndarray = field(init=False)  # rows of the series that stopped early

    @classmethod
    def build(cls, source: Any, fiscal_start_month: int = 1) -> QuarterlyCache:
        """Fold periods (and recent actuals) into quarter totals; precompute each level's table."""
        fut = quarter_weights(source.dates, source.freq, fiscal_start_month).columns
        past = (
            quarter_weights(source.actual_dates, source.freq, fiscal_start_month).columns
            if len(source.actual_dates)
            else fut[:0]
        )
        cols = fut.union(past)
        fw = quarter_weight_matrix(source.dates, source.freq, cols, fiscal_start_month)
        pw = quarter_weight_matrix(source.actual_dates, source.freq, cols, fiscal_start_month)
        sizes = quarter_sizes(source, cols, fiscal_start_month)
        complete = covered(source.freq, list(cols), sizes)
        paths = np.einsum("sph,hq->spq", source.paths, fw, optimize=True)
        actual = np.nan_to_num(source.actuals) @ pw
        paths += actual[:, None, :]
        share = observed_before_forecast(source).astype(float) @ pw / np.maximum(sizes, 1e-12)
        cache = cls(source, fiscal_start_month, cols, list(cols[complete]), paths, actual, share)
        keys = list(source.keys)
        for level in {(), *((k,) for k in source.index.columns), tuple(keys)}:
            cache.levels[level] = cache._level_table(list(level))
        if hasattr(source, "interval_frame"):
            weekly = source.interval_frame()
            weekly["date"] = pd.DatetimeIndex(weekly["date"]).strftime("%Y-%m-%d")
            for name, value in zip(STATUS_COLUMNS, (0.0, 0.0, FORECAST), strict=True):
                weekly[name] = value
            cache.weekly = weekly
        cache.grid_actual = _actuals_on_grid(source)
        cache.lookup, cache.stopped = SeriesLookup(source.index), stopped_rows(source)
        return cache

    def rows(self, filters: Filters, exclude_stopped: bool) -> np.ndarray:
        """`chosen_rows` with this model's lookup and stopped rows."""
        return chosen_rows(self.source, filters, exclude_stopped, self.lookup, self.stopped)

    def _level_table(self, level: list[str]) -> LevelTable:
        groups = self.source.index[level] if level else pd.DataFrame(index=self.source.index.index)
        codes, labels = group_codes(groups)
        mean, bands = path_bands(sum_groups(codes, len(labels), self.quarter_paths))
        actual = sum_groups(codes, len(labels), self.quarter_actual)
        share = _group_mean(codes, len(labels), self.quarter_share)
        return LevelTable(labels, mean, bands, actual, share)

    def quarter_columns(self, quarters: list[pd.Period]) -> list[int]:
        """Column of each requested quarter; a quarter the model does not cover is an error."""
        out = []
        for quarter in quarters:
            if quarter not in self.covered:
                raise not_covered(self.source, quarter)
            out.append(int(self.quarters.get_loc(quarter)))
        return out

    def quarterly(self, query: QuarterQuery) -> list[dict[str, Any]]:
        """Rows (level keys, quarter, mean, lo/hi 80/95, actual so far) = `quarterly_forecast`'s."""
        quarters, level = query.quarters, query.level
        check_level(self.source, level)
        every = not query.filters and not (query.exclude_stopped and self.stopped.size)
        rows = None if every else self.rows(query.filters, query.exclude_stopped)
        cols = self.quarter_columns(quarters)
        if rows is None and tuple(level) in self.levels:
            table = self.levels[tuple(level)]
            labels, mean, bands = table.labels, table.mean[:, cols], table.bands[:, :, cols]
            actual, share = table.actual[:, cols], table.share[:, cols]
        else:
            rows = rows if rows is not None else np.arange(len(self.source.index))
            index = self.source.index.iloc[rows]
            groups = index[level] if level else pd.DataFrame(index=index.index)
            codes, labels = group_codes(groups)
            summed = sum_groups(codes, len(labels), self.quarter_paths[rows][:, :, cols])
            mean, bands = path_bands(summed)
            actual = sum_groups(codes, len(labels), self.quarter_actual[rows][:, cols])
            share = _group_mean(codes, len(labels), self.quarter_share[rows][:, cols])
        return band_records(
            level,
            labels,
            [quarter_label(q) for q in quarters],
            "quarter",
            mean,
            bands,
            actual,
            share,
        )

    def weekly_rows(self, query: QuarterQuery) -> list[dict[str, Any]]:
        """Per-period rows within the requested quarters, at any level.

        Bottom-level rows are each series' own forecast periods; a group's row for a period in
        which some of its series still had actuals adds those and says so.
        """
        quarters, level = query.quarters, query.level
        check_level(self.source, level)
        self.quarter_columns(quarters)
        source = self.source
        rows = self.rows(query.filters, query.exclude_stopped)
        in_quarters = quarter_of(source.dates, self.fiscal_start_month).isin(quarters)
        steps = np.flatnonzero(in_quarters)
        columns = [*level, "date", *BAND_COLUMNS, *STATUS_COLUMNS]
        if list(level) == list(source.keys) and self.weekly is not None:
            starts = source.starts
            own = len(source.dates) - starts
            offset = np.concatenate([[0], np.cumsum(own)[:-1]])
            pick = steps[None, :] >= starts[rows][:, None]
            take = (offset[rows][:, None] + steps[None, :] - starts[rows][:, None])[pick]
            return self.weekly.iloc[take][columns].to_dict(orient="records")
        index = source.index.iloc[rows]
        groups = index[level] if level else pd.DataFrame(index=index.index)
        codes, labels = group_codes(groups)
        grid_actual = self.grid_actual if self.grid_actual is not None else _actuals_on_grid(source)
        before = np.arange(len(source.dates))[None, :] < source.starts[:, None]
        actual = sum_groups(codes, len(labels), grid_actual[rows][:, steps])
        paths = sum_groups(codes, len(labels), source.paths[rows][:, :, steps])
        paths = paths + actual[:, None, :]
        share = _group_mean(codes, len(labels), before[rows][:, steps].astype(float))
        mean, bands = path_bands(paths)  # path means, so weeks add up to the quarter totals
        dates = list(pd.DatetimeIndex(source.dates[steps]).strftime("%Y-%m-%d"))
        records = band_records(level, labels, dates, "date", mean, bands, actual, share)
        return [{k: r[k] for k in columns} for r in records]


def _actuals_on_grid(source: Any) -> np.ndarray:
    """(series x forecast dates) actual units on dates before each series' own forecast."""
    out = np.zeros((len(source.index), len(source.dates)))
    starts = source.starts
    if not starts.any():
        return out
    where = pd.DatetimeIndex(source.actual_dates).get_indexer(pd.DatetimeIndex(source.dates))
    known = np.nan_to_num(source.actuals)
    for column in np.flatnonzero(where >= 0):
        before = column < starts
        out[before, column] = known[before, where[column]]
    return out


def _group_mean(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Mean of `values` rows within each group."""
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    summed = sum_groups(codes, n_groups, values)
    return summed / np.maximum(counts, 1.0).reshape((n_groups, *([1] * (values.ndim - 1))))
