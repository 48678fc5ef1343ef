"""Calendars and quarters: frequency inference, future dates, calendar or fiscal quarters.

A dated row covers the period that *starts* at its date (a week from Monday, a month from the 1st,
a year from its first day: a yearly row dated 2015-04-01 is the fiscal year April 2015 to March
2016). Frequencies are D, W, M, Q and Y. Quarters are `pandas.Period` inside the engine and
'2027Q1' strings at the edges; with a fiscal year starting in month m, pandas names the fiscal
year by the calendar year in which it ends. Yearly history has no quarters: asking for them is
refused, naming the frequency.
"""

from __future__ import annotations

import calendar as _cal
import re

import numpy as np
import pandas as pd

from engine.core.errors import DataError

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")

FREQUENCIES = ("D", "W", "M", "Q", "Y")
"""Frequency families Lodestar reads: daily, weekly, monthly, quarterly, yearly."""

SEASON_LENGTH = {"D": 7, "W": 52, "M": 12, "Q": 4, "Y": 1}
"""Seasonal period (one year, or one week for daily data; none for yearly) per frequency family."""

QUARTER_PERIODS = {"D": 91, "W": 13, "M": 3, "Q": 1, "Y": 1}
"""Periods in one quarter, at least one: the backtest horizon, its step, and the pricing holdout.

Yearly data has no quarter, so its backtest windows forecast one year and lie one year apart."""

PERIOD_MONTHS = {"M": 1, "Q": 3, "Y": 12}
"""Months per period for the month-based frequencies."""

_NAMES = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}


def frequency_family(freq: str, field: str = "freq") -> str:
    """'W-SUN' -> 'W', 'A'/'YS' -> 'Y'; anything else is an error naming `field`."""
    text = str(freq).strip().upper()
    family = "Y" if text[:1] == "A" else text[:1]
    if family not in FREQUENCIES:
        raise DataError(
            f"unknown frequency '{freq}' (use {', '.join(FREQUENCIES[:-1])} or {FREQUENCIES[-1]})",
            field,
        )
    return family


def frequency_name(freq: str) -> str:
    """'Y' -> 'yearly'."""
    return _NAMES[freq[0]]


def check_has_quarters(freq: str, field: str = "quarters") -> None:
    """Quarter totals need periods no longer than a quarter: yearly history is refused."""
    if freq[0] == "Y":
        raise DataError(
            "quarters are not available for yearly history (frequency Y): each period is a "
            "whole year; ask for yearly periods instead",
            field,
        )


def fiscal_year_labels(
    starts: pd.DatetimeIndex, fiscal_start_month: int | None = None
) -> list[str]:
    """'FY2022' for each yearly period, named by the calendar year in which it ends.

    A yearly row dated 2021-04-01 is the year April 2021 to March 2022: FY2022. When a fiscal
    start month is given, every period must start in it (else the rows are not fiscal years).
    """
    starts = pd.DatetimeIndex(starts)
    if fiscal_start_month is not None:
        quarter_freq(fiscal_start_month)  # checks the month
        off = starts[starts.month != fiscal_start_month]
        if len(off):
            raise DataError(
                f"yearly periods start in month {off[0].month} ({off[0].date()}) but the fiscal "
                f"year starts in month {fiscal_start_month}: these rows are not fiscal years",
                "fiscal_start_month",
            )
    ends = starts + pd.DateOffset(years=1) - pd.Timedelta(days=1)
    return [f"FY{year}" for year in ends.year]


def infer_frequency(frame: pd.DataFrame, keys: list[str]) -> str:
    """Infer D, W, M, Q or Y from the typical gap between dates within series, then check it.

    The typical gap is the lower quartile of the gaps (so a few missing periods do not count).
    A month-based guess must fit the dates: quarters and years step in whole quarters and years
    of months (else the data is monthly), and monthly dates keep one day of the month (or the
    month end). Dates that are whole weeks apart but on many days of the month are weekly with
    gaps; anything else is refused, asking for `--freq`.
    """
    dates = frame[[*keys, "date"]].sort_values([*keys, "date"])
    gaps = dates.groupby(keys, sort=False)["date"].diff().dropna().dt.days
    if gaps.empty:
        raise DataError(
            "every series has a single date, so the frequency cannot be inferred: state it "
            "(--freq) or give more history",
            "freq",
        )
    if (gaps == 0).any():
        raise DataError("duplicate dates within a series", "date")
    typical = float(gaps.quantile(0.25))
    if typical <= 1.5:
        return "D"
    if typical <= 8:
        return "W"
    stamps = pd.DatetimeIndex(frame["date"])
    family = "M" if typical <= 31 else "Q" if typical <= 92 else "Y" if typical >= 360 else None
    if family is None:
        raise DataError(
            f"dates are {typical:.0f} days apart: use daily, weekly, monthly, quarterly or yearly "
            "history (state --freq if yours has gaps)",
            "date",
        )
    for coarse in ("Y", "Q"):
        if family == coarse and not _whole_periods(stamps, coarse):
            family = "M" if coarse == "Q" or not _whole_periods(stamps, "Q") else "Q"
    if _one_day_of_month(stamps):
        return family
    if bool((gaps % 7 == 0).all()):
        return "W"
    raise DataError(
        f"dates are about {typical:.0f} days apart but fall on different days of the month "
        f"(e.g. {stamps.min().date()} and {stamps[stamps.day != stamps.min().day][0].date()}): "
        "state the frequency with --freq",
        "date",
    )


def check_grid(dates: pd.Series, freq: str) -> None:
    """A stated month-based frequency must fit the dates (see `infer_frequency`)."""
    family = freq[0]
    if family not in PERIOD_MONTHS:
        return
    stamps = pd.DatetimeIndex(dates)
    if family in ("Q", "Y") and not _whole_periods(stamps, family):
        raise DataError(
            f"dates are not whole {frequency_name(family)} steps apart (e.g. {stamps.min().date()}"
            f" and {_off_step(stamps, family).date()}): this is not {frequency_name(family)} data",
            "freq",
        )
    if not _one_day_of_month(stamps):
        raise DataError(
            f"dates fall on different days of the month (e.g. {stamps.min().date()} and "
            f"{stamps[stamps.day != stamps.min().day][0].date()}): this is not "
            f"{frequency_name(family)} data",
            "freq",
        )


def _whole_periods(stamps: pd.DatetimeIndex, family: str) -> bool:
    """Every date a whole number of quarters (or years) of months after the first."""
    return bool((_months_from_first(stamps) % PERIOD_MONTHS[family] == 0).all())


def _off_step(stamps: pd.DatetimeIndex, family: str) -> pd.Timestamp:
    return stamps[_months_from_first(stamps) % PERIOD_MONTHS[family] != 0][0]


def _months_from_first(stamps: pd.DatetimeIndex) -> np.ndarray:
    first = stamps.min()
    return np.asarray((stamps.year - first.year) * 12 + (stamps.month - first.month))


def _one_day_of_month(stamps: pd.DatetimeIndex) -> bool:
    """Month-based dates keep one day of the month (within 3 days), or are all month ends."""
    days = stamps.day
    return bool(days.max() - days.min() <= 3 or stamps.is_month_end.all())


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
    return pd.DateOffset(months=PERIOD_MONTHS[family])


def period_positions(
    dates: pd.Series | pd.DatetimeIndex, start: pd.Timestamp, freq: str
) -> np.ndarray:
    """Index of the period each date falls in on the grid of period starts from `start`.

    Days and weeks count days (weekly dates on other weekdays snap to the nearest week);
    months, quarters and years count calendar months, so month-end and mid-month dates land
    in their own month.
    """
    stamps = pd.DatetimeIndex(dates)
    family = freq[0]
    if family in ("D", "W"):
        days = (stamps - start).days.to_numpy(dtype=float)
        return np.rint(days / (7 if family == "W" else 1)).astype(int)
    months = (stamps.year - start.year) * 12 + (stamps.month - start.month)
    return np.rint(np.asarray(months, dtype=float) / PERIOD_MONTHS[family]).astype(int)


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
    check_has_quarters(freq)
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
    count = 0
    while last + step * (count + 1) <= end:
        count += 1
    return count


def periods_for_quarters(last: pd.Timestamp, freq: str, quarters: int) -> int:
    """Periods from `last` through the end of the `quarters`-th calendar quarter after it.

    A yearly period covers four quarters, so yearly history counts from the end of its last
    year and needs at least one year: 5 quarters after the year 2020 are the years 2021-2022.
    """
    if freq[0] == "Y":
        year_end = last + period_offset(freq) - pd.Timedelta(days=1)
        target = quarter_of(pd.DatetimeIndex([year_end]))[0] + quarters
        return max(1, periods_to_cover(last, target, freq))
    target = quarter_of(pd.DatetimeIndex([last]))[0] + quarters
    return periods_to_cover(last, target, freq)
