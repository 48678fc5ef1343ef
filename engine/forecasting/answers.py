"""Forecast answers from a loaded champion (or a fresh forecast set): quarters, weeks, periods.

The forecast routes, `lodestar forecast` and the demo all call these and only format the
result. Quarter rows come from the champion's `QuarterlyCache` when one was built for the
same fiscal calendar, else from the reference computation on the forecast set.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from engine.core.calendar import quarter_of
from engine.core.errors import DataError
from engine.core.intervals import BAND_COLUMNS
from engine.core.series import Filters
from engine.forecasting.quarterly import QuarterlyCache, quarterly_forecast
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
    quarters: list[pd.Period],
    filters: Filters,
    level: list[str],
    fiscal_start_month: int,
    weekly: bool = False,
) -> list[dict[str, Any]]:
    """Quarter totals (or, `weekly`, per-period rows within the quarters) with 80/95% bands.

    Rows are one per group of `level` among the filtered series; weekly rows use path means,
    so weeks add up to the quarter totals.
    """
    if cache is not None and cache.fiscal_start_month != fiscal_start_month:
        cache = None
    if weekly:
        cache = cache or QuarterlyCache.build(forecast_set, fiscal_start_month)
        return cache.weekly_rows(quarters, filters, level)
    if cache is not None:
        return cache.quarterly(quarters, filters, level)
    table = quarterly_forecast(forecast_set, quarters, filters, level, fiscal_start_month)
    return table.to_dict(orient="records")


def period_table(forecast_set: ForecastSet) -> pd.DataFrame:
    """keys, date, mean, lo_80, hi_80, lo_95, hi_95 for every series and future period."""
    table = forecast_set.interval_frame()
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%Y-%m-%d")
    return table[[*forecast_set.keys, "date", *BAND_COLUMNS]]


def quarter_table(forecast_set: ForecastSet, fiscal_start_month: int = 1) -> pd.DataFrame:
    """Quarter totals per series for every quarter the forecast (plus actuals so far) covers."""
    quarters = quarter_of(forecast_set.dates, fiscal_start_month).unique().sort_values()
    frames = []
    for quarter in quarters:
        try:
            frames.append(
                quarterly_forecast(
                    forecast_set,
                    [quarter],
                    level=forecast_set.keys,
                    fiscal_start_month=fiscal_start_month,
                )
            )
        except DataError:
            continue  # only partly covered by this horizon
    if not frames:
        raise DataError("the horizon does not cover a whole quarter; increase --horizon", "horizon")
    return pd.concat(frames, ignore_index=True).sort_values(
        [*forecast_set.keys, "quarter"], ignore_index=True
    )
