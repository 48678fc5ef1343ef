"""Forecast answers from a loaded champion (or a fresh forecast set): quarters, weeks, periods.

The forecast routes, `lodestar forecast` and the demo all call these and only format the
result. Quarter rows come from the champion's `QuarterlyCache` when one was built for the
same fiscal calendar, else from the reference computation on the forecast set. Every quarter
row says how much of it is already actual (`actual_to_date`, `actual_share`, `status`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from engine.core.errors import DataError
from engine.core.intervals import BAND_COLUMNS
from engine.forecasting.quarterly import (
    ACTUAL,
    STATUS_COLUMNS,
    QuarterlyCache,
    QuarterQuery,
    quarterly_forecast,
    stopped_rows,
)
from models.forecasting.forecast_set import ForecastSet


def parse_level(level: str | None, keys: list[str]) -> list[str]:
    """None -> the bottom keys; 'total' -> []; 'a,b' -> ['a', 'b']."""
    if level is None:
        return list(keys)
    if level.strip().lower() == "total":
        return []
    return list(dict.fromkeys(p.strip() for p in level.split(",") if p.strip()))


def forecast_rows(
    forecast_set: ForecastSet,
    cache: QuarterlyCache | None,
    query: QuarterQuery,
    fiscal_start_month: int,
    weekly: bool = False,
) -> list[dict[str, Any]]:
    """Quarter totals (or, `weekly`, per-period rows within the quarters) with 80/95% bands.

    Rows are one per group of the query's level among the filtered series; weekly rows use path
    means, so weeks add up to the quarter totals. `exclude_stopped` leaves out the series that
    stopped more than a season before the data's end (treated as discontinued).
    """
    if cache is not None and cache.fiscal_start_month != fiscal_start_month:
        cache = None
    if weekly:
        cache = cache or QuarterlyCache.build(forecast_set, fiscal_start_month)
        return cache.weekly_rows(query)
    if cache is not None:
        return cache.quarterly(query)
    table = quarterly_forecast(
        forecast_set,
        query.quarters,
        query.filters,
        query.level,
        fiscal_start_month,
        query.exclude_stopped,
    )
    return table.to_dict(orient="records")


def forecast_columns(level: list[str], weekly: bool = False) -> list[str]:
    """Columns of forecast rows, in reading order (CSV exports use these)."""
    return [*level, "date" if weekly else "quarter", *BAND_COLUMNS, *STATUS_COLUMNS]


def stopped_note(forecast_set: ForecastSet, excluded: bool, how: str) -> str | None:
    """One line naming the series that stopped more than a season early, and what was done.

    `how` tells the reader how to change it (a CLI flag or a query parameter).
    """
    stopped = (forecast_set.info or {}).get("stopped_early") or []
    if not stopped:
        return None
    keys = list(forecast_set.keys)
    names = ", ".join(
        f"{' | '.join(str(r[k]) for k in keys)} (last {r['last_date']})" for r in stopped[:5]
    )
    more = f" and {len(stopped) - 5} more" if len(stopped) > 5 else ""
    if excluded:
        what = f"they are left out as discontinued ({how} to include them)"
    else:
        what = (
            "each is forecast from its own last period and included in totals "
            f"({how} to leave them out)"
        )
    return (
        f"{len(stopped)} series stopped more than a season before the data's end: "
        f"{names}{more}; {what}"
    )


def period_table(forecast_set: ForecastSet, exclude_stopped: bool = False) -> pd.DataFrame:
    """keys, date, mean, lo_80, hi_80, lo_95, hi_95 for every series and its own future periods."""
    rows = _kept_rows(forecast_set, exclude_stopped)
    table = forecast_set.interval_frame(rows)
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%Y-%m-%d")
    return table[[*forecast_set.keys, "date", *BAND_COLUMNS]]


def quarter_table(
    forecast_set: ForecastSet, fiscal_start_month: int = 1, exclude_stopped: bool = False
) -> pd.DataFrame:
    """Quarter totals per series for every whole quarter its forecast reaches.

    A quarter that began before a series' forecast is its actuals so far plus the forecast of
    the rest, labelled by `actual_to_date`, `actual_share` and `status`.
    """
    cache = QuarterlyCache.build(forecast_set, fiscal_start_month)
    keys = list(forecast_set.keys)
    rows = pd.DataFrame(cache.quarterly(QuarterQuery(cache.covered, {}, keys, exclude_stopped)))
    if not rows.empty:
        rows = rows[rows["status"] != ACTUAL]  # wholly before this series' forecast
    if rows.empty:
        raise DataError("the horizon does not cover a whole quarter; increase --horizon", "horizon")
    rows = rows[[*keys, "quarter", *BAND_COLUMNS, *STATUS_COLUMNS]]
    return rows.sort_values([*keys, "quarter"], ignore_index=True)


def _kept_rows(forecast_set: ForecastSet, exclude_stopped: bool) -> np.ndarray:
    """Every series, or all but those that stopped early."""
    rows = np.arange(len(forecast_set.index))
    return np.setdiff1d(rows, stopped_rows(forecast_set)) if exclude_stopped else rows


def model_choice(forecast_set: ForecastSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Why each series got its model: (share per model, per-series choice table).

    The per-series table is what the training run chose on its backtest windows (model or
    combination, kind, backtest MASE, runner-up, demand class, every candidate's MASE).
    Versions trained before the choice was saved with the run have none: a clear refusal.
    """
    selected = forecast_set.info.get("selected")
    if not isinstance(selected, pd.DataFrame) or selected.empty or "model" not in selected:
        raise DataError(
            "this version has no per-series model choice saved: retrain it with "
            "`lodestar train forecast`",
            "version",
        )
    table = selected.reset_index(drop=True)
    counts = table["model"].value_counts()
    summary = pd.DataFrame(
        {
            "model": counts.index,
            "kind": [table.loc[table["model"] == m, "kind"].iloc[0] for m in counts.index]
            if "kind" in table
            else "",
            "series": counts.to_numpy(),
            "share": counts.to_numpy() / len(table),
            "median_backtest_mase": [
                float(table.loc[table["model"] == m, "backtest_mase"].median())
                for m in counts.index
            ],
        }
    )
    return summary, table
