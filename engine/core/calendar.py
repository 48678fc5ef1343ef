"""Calendars and quarters: frequency inference, future dates, calendar or fiscal quarters.

A dated row covers the period that *starts* at its date (a week from Monday, a month from the 1st).
Quarters are `pandas.Period` inside the engine and '2027Q1' strings at the edges; with a fiscal year
starting in month m, pandas names the fiscal year by the calendar year in which it ends.
"""

from __future__ import annotations

import calendar as _cal
import re

import numpy as np
import pandas as pd

from engine.core.errors import DataError

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")

SEASON_LENGTH = {"D": 7, "W": 52, "M": 12, "Q": 4}
"""Seasonal period (one year, or one week for daily data) per frequency family."""

QUARTER_PERIODS = {"D": 91, "W": 13, "M": 3, "Q": 1}
"""Periods in one quarter: the backtest horizon, its step, and the pricing holdout."""


def infer_frequency(frame: pd.DataFrame, keys: list[str]) -> str:
    """Infer D, W, M or Q from the typical gap between consecutive dates within series."""
    dates = frame[[*keys, "date"]].sort_values([*keys, "date"])
    gaps = dates.groupby(keys, sort=False)["date"].diff().dropna().dt.days
    if gaps.empty:
        return "W"
    if (gaps == 0).any():
        raise DataError("duplicate dates within a series", "date")
    typical = float(gaps.quantile(0.25))
    if typical <= 1.5:
        return "D"
    if typical <= 8:
        return "W"
    if typical <= 31:
        return "M"
    if typical <= 92:
        return "Q"
    raise DataError(f"dates are {typical:.0f} days apart: yearly history is not supported", "date")


def season_length(freq: str) -> int:
    """Seasonal period for a frequency family."""
    return SEASON_LENGTH[freq[0]]


def quarter_periods(freq: str) -> int:
    """How many periods of this frequency make one quarter."""
    return QUARTER_PERIODS[freq[0]]


def period_offset(freq: str) -> pd.DateOffset:
    """The step from one period start to the next."""
    family = freq[0]
    if family == "D":
        return pd.DateOffset(days=1)
    if family == "W":
        return pd.DateOffset(weeks=1)
    if family == "M":
        return pd.DateOffset(months=1)
    return pd.DateOffset(months=3)


def future_dates(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The `horizon` period starts after `last`, keeping its weekday or day of month."""
    step = period_offset(freq)
    return pd.DatetimeIndex([last + step * (i + 1) for i in range(horizon)])


def quarter_freq(fiscal_start_month: int = 1) -> str:
    """pandas quarterly frequency whose year ends the month before the fiscal start."""
    if not 1 <= fiscal_start_month <= 12:
        raise DataError("fiscal year start month must be 1..12", "fiscal_year_start_month")
    end_month = (fiscal_start_month - 2) % 12 + 1
    return f"Q-{_cal.month_abbr[end_month].upper()}"


def parse_quarter(text: str, fiscal_start_month: int = 1) -> pd.Period:
    """'2027Q1' (or '2027-Q1') -> Period; anything else is an error naming the value."""
    match = _QUARTER_RE.match(str(text))
    if not match:
        raise DataError(f"'{text}' is not a quarter like 2027Q1", "quarters")
    year, q = int(match.group(1)), int(match.group(2))
    return pd.Period(year=year, quarter=q, freq=quarter_freq(fiscal_start_month))


MAX_QUARTERS = 40
"""Quarters one request may ask for (ten years): bounds the work a single request can cause."""


def parse_quarters(text: str | list[str], fiscal_start_month: int = 1) -> list[pd.Period]:
    """Comma list or list of quarter strings, in the order given, without repeats.

    Linear in the input, and refused before any parsing beyond MAX_QUARTERS items.
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    items = [item for item in items if str(item).strip()]
    if len(items) > MAX_QUARTERS:
        raise DataError(
            f"{len(items)} quarters asked for: at most {MAX_QUARTERS} per request", "quarters"
        )
    out: dict[pd.Period, None] = {}
    for item in items:
        out.setdefault(parse_quarter(item, fiscal_start_month), None)
    if not out:
        raise DataError("no quarter given (e.g. quarters=2027Q1,2027Q2)", "quarters")
    return list(out)


def quarter_label(period: pd.Period) -> str:
    """Period -> '2027Q1'."""
    return f"{period.qyear}Q{period.quarter}"


def quarter_of(dates: pd.Series | pd.DatetimeIndex, fiscal_start_month: int = 1) -> pd.PeriodIndex:
    """Quarter that contains each date."""
    return pd.PeriodIndex(pd.DatetimeIndex(dates).to_period(quarter_freq(fiscal_start_month)))


def quarter_weights(
    dates: pd.DatetimeIndex, freq: str, fiscal_start_month: int = 1
) -> pd.DataFrame:
    """Share of each period (row) falling in each quarter (column), splitting weeks by day.

    Multiplying per-period values by this matrix gives quarter totals, for forecasts and for
    every sample path alike, so quarter intervals come from aggregated paths.
    """
    dates = pd.DatetimeIndex(dates)
    qfreq = quarter_freq(fiscal_start_month)
    if freq[0] in ("M", "Q"):
        quarters = dates.to_period(qfreq)
        cols = pd.PeriodIndex(sorted(set(quarters)), freq=qfreq)
        weights = np.zeros((len(dates), len(cols)))
        weights[np.arange(len(dates)), cols.get_indexer(quarters)] = 1.0
        return pd.DataFrame(weights, index=dates, columns=cols)
    days = 1 if freq[0] == "D" else 7
    day_grid = dates.values[:, None] + np.arange(days)[None, :].astype("timedelta64[D]")
    day_quarters = pd.DatetimeIndex(day_grid.ravel()).to_period(qfreq)
    cols = pd.PeriodIndex(sorted(set(day_quarters)), freq=qfreq)
    idx = cols.get_indexer(day_quarters).reshape(len(dates), days)
    weights = np.zeros((len(dates), len(cols)))
    for d in range(days):
        np.add.at(weights, (np.arange(len(dates)), idx[:, d]), 1.0 / days)
    return pd.DataFrame(weights, index=dates, columns=cols)


def periods_to_cover(last: pd.Timestamp, until: pd.Period, freq: str) -> int:
    """How many periods after `last` are needed to reach the end of quarter `until`."""
    end = until.end_time.normalize()
    if end <= last:
        return 0
    step = period_offset(freq)
    count, current = 0, last
    while current + step <= end:
        current = current + step
        count += 1
    return count


def periods_for_quarters(last: pd.Timestamp, freq: str, quarters: int) -> int:
    """Periods from `last` through the end of the `quarters`-th calendar quarter after it."""
    target = quarter_of(pd.DatetimeIndex([last]))[0] + quarters
    return periods_to_cover(last, target, freq)
