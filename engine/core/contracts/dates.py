"""Date columns: one format per column, inferred from every value or stated by the user.

A column is read with a single format, never value by value. Without a stated format every
candidate format (ISO 8601, day-first and month-first with / - or ., two-digit years, month
names, compact 20150105, years alone; with or without a time) is tried on every distinct value
and those that read them all are kept. When the survivors read some value differently
(05/01/2015: 5 January or 1 May, because every day in the column is 12 or less) the column is
ambiguous and refused until the user states the format: `--date-format '%d/%m/%Y'` on the
command line, or `date_format = "%d/%m/%Y"` beside `[columns]` in the column-mapping file.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.core.errors import DataError

ISO = "ISO8601"
"""pandas' name for ISO 8601 (2015-01-05, 2015-01-05T10:00:00+01:00, 2015-01, 20150105)."""

DATETIME_VALUES = "datetime values"
"""The format reported for a column that already holds datetimes (Parquet, a typed frame)."""

_DAY_FORMATS = (
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d.%m.%Y",
    "%m.%d.%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%m-%y",
    "%m-%d-%y",
    "%d.%m.%y",
    "%m.%d.%y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
)
_TIMES = ("", " %H:%M", " %H:%M:%S")
_MONTH_FORMATS = ("%Y/%m", "%m/%Y", "%m-%Y", "%b %Y", "%B %Y", "%b-%y", "%b-%Y")

CANDIDATE_FORMATS: tuple[str, ...] = (
    ISO,
    *(day + time for day in _DAY_FORMATS for time in _TIMES),
    *_MONTH_FORMATS,
)
"""Every format inference tries, in order of preference when several read a column alike."""

_SAMPLE = 200
"""About this many distinct values, spread over the column, pick the formats worth trying."""


@dataclass(frozen=True)
class DateFormats:
    """Date formats the user stated: one for every date column, and/or one per column."""

    default: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)

    def for_column(self, column: str) -> str | None:
        """The stated format of this column, if any."""
        return self.columns.get(column, self.default)

    def __bool__(self) -> bool:
        return self.default is not None or bool(self.columns)


def parse_date_formats(text: str | None) -> DateFormats:
    """'%d/%m/%Y' (every date column) or 'created_date=%d/%m/%Y;timestamp=%d/%m/%Y %H:%M'."""
    if text is None or not text.strip():
        return DateFormats()
    if "=" not in text:
        return DateFormats(default=check_date_format(text.strip()))
    columns: dict[str, str] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        name, sep, fmt = (s.strip() for s in part.partition("="))
        if not sep or not name or not fmt:
            raise DataError(
                f"date format '{part}' must look like column=FORMAT (e.g. date=%d/%m/%Y)",
                "date_format",
            )
        columns[name] = check_date_format(fmt)
    return DateFormats(columns=columns)


def check_date_format(fmt: str) -> str:
    """A stated format must be ISO8601 or hold strftime directives (%d, %m, %Y, ...)."""
    if fmt.upper().replace(" ", "") in ("ISO8601", "ISO"):
        return ISO
    if "%" not in fmt:
        raise DataError(
            f"date format '{fmt}' has no %-directives: write it like %d/%m/%Y or ISO8601",
            "date_format",
        )
    return fmt


def describe_format(fmt: str) -> str:
    """How a format reads in a summary line."""
    return "ISO 8601" if fmt == ISO else fmt


def parse_dates(series: pd.Series, column: str, date_format: str | None = None) -> pd.Series:
    """Dates of one column under one format (stated, or inferred from the whole column).

    An empty cell, a value the format cannot read, and an ambiguous column are errors naming
    the column (and the row). Use `dates_with_format` to also learn the format used.
    """
    return dates_with_format(series, column, date_format)[0]


def dates_with_format(
    series: pd.Series, column: str, date_format: str | None = None
) -> tuple[pd.Series, str]:
    """(dates as datetime64[ns], the format used): see `parse_dates`."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return _naive(series), DATETIME_VALUES
    missing = ~_given(series)
    if missing.any():
        row = series.index[missing][0]
        raise DataError(f"column '{column}' has an empty date at row {row}", column)
    text = _as_text(series, column, date_format)
    distinct = pd.Series(text.unique())
    fmt = date_format or infer_format(distinct, column)
    parsed = _read(distinct, fmt)
    bad = parsed.isna()
    if bad.any():
        value = distinct[bad].iloc[0]
        row = text.index[text == value][0]
        raise DataError(
            f"column '{column}' has a date that does not match {_source(date_format, fmt)}: "
            f"row {row} has {value!r}",
            column,
        )
    lookup = pd.Series(parsed.to_numpy(), index=distinct.to_numpy())
    out = pd.Series(lookup.loc[text.to_numpy()].to_numpy(), index=series.index)
    return out.astype("datetime64[ns]"), fmt


def screen_dates(
    series: pd.Series, column: str, date_format: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """A scoring batch's dates: (parsed, bad rows); one format for the column, bad rows flagged.

    Without a stated format the format that reads the most values is used (so one mistyped
    date rejects only its own row); when formats that read equally many values disagree, the
    whole column is ambiguous and refused. Empty cells are allowed (NaT, not bad).
    """
    none_bad = pd.Series(False, index=series.index)
    if pd.api.types.is_datetime64_any_dtype(series):
        return _naive(series), none_bad
    given = _given(series)
    out = pd.Series(pd.NaT, index=series.index, dtype="datetime64[ns]")
    if not given.any():
        return out, none_bad
    text = series[given].astype(str).str.strip()
    distinct = pd.Series(text.unique())
    fmt = date_format or _most_read_format(distinct, column)
    if fmt is None:
        return out, given
    parsed = _read(distinct, fmt)
    lookup = pd.Series(parsed.to_numpy(), index=distinct.to_numpy())
    out[given] = lookup.loc[text.to_numpy()].to_numpy()
    return out, given & out.isna()


def infer_format(distinct: pd.Series, column: str) -> str:
    """The one format that reads every value; ambiguity or no such format is an error."""
    readers = _readers(distinct, len(distinct))
    if not readers:
        best = _most_read_format(distinct, column, strict=False)
        if best is None:
            raise DataError(
                f"column '{column}' has an unparsable date: {distinct.iloc[0]!r} matches no "
                f"known date format; state yours with --date-format (e.g. %d/%m/%Y)",
                column,
            )
        parsed = _read(distinct, best)
        value = distinct[parsed.isna()].iloc[0]
        raise DataError(
            f"column '{column}' mixes date formats: most values read as {describe_format(best)} "
            f"but {value!r} does not; use one format for the whole column",
            column,
        )
    _refuse_ambiguity(readers, distinct, column)
    return next(iter(readers))


def _most_read_format(distinct: pd.Series, column: str, strict: bool = True) -> str | None:
    """The format reading the most values (ties that disagree are ambiguous when `strict`).

    Formats reading nothing of a sample are not tried on the rest, unless none reads any.
    """
    sample = _spread_sample(distinct)
    shortlist = [f for f in CANDIDATE_FORMATS if _read(sample, f).notna().any()]
    parsed = {fmt: _read(distinct, fmt) for fmt in shortlist or CANDIDATE_FORMATS}
    counts = {fmt: int(values.notna().sum()) for fmt, values in parsed.items()}
    top = max(counts.values())
    if top == 0:
        return None
    best = [fmt for fmt, n in counts.items() if n == top]
    readers = {fmt: parsed[fmt] for fmt in best}
    if strict:
        _refuse_ambiguity(readers, distinct, column)
    return best[0]


def _readers(distinct: pd.Series, needed: int) -> dict[str, pd.Series]:
    """Candidate formats reading every distinct value, with what each read (sample first)."""
    sample = _spread_sample(distinct)
    out = {}
    for fmt in CANDIDATE_FORMATS:
        if _read(sample, fmt).isna().any():
            continue
        parsed = _read(distinct, fmt)
        if int(parsed.notna().sum()) == needed:
            out[fmt] = parsed
    return out


def _spread_sample(distinct: pd.Series) -> pd.Series:
    """About `_SAMPLE` values spread over the whole column (not just its first rows)."""
    return distinct.iloc[:: max(1, len(distinct) // _SAMPLE)]


def _refuse_ambiguity(readers: dict[str, pd.Series], distinct: pd.Series, column: str) -> None:
    """Formats that read the same text as different dates: refuse, showing one such value."""
    first_fmt, first = next(iter(readers.items()))
    for fmt, parsed in readers.items():
        differ = (parsed != first) & parsed.notna() & first.notna()
        if differ.any():
            i = int(np.flatnonzero(differ.to_numpy())[0])
            value = distinct.iloc[i]
            raise DataError(
                f"column '{column}' has ambiguous dates: {value!r} reads as "
                f"{first.iloc[i].date()} with {describe_format(first_fmt)} or "
                f"{parsed.iloc[i].date()} with {describe_format(fmt)} (no day in the column is "
                f"above 12); state the format with --date-format '{first_fmt}' (or date_format "
                f"in the column-mapping file)",
                column,
            )


def _read(values: pd.Series, fmt: str) -> pd.Series:
    """Values read with one format; NaT where the format does not fit (never raises)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            try:  # ISO 8601 with several UTC offsets in one column
                parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
            except (ValueError, TypeError, OverflowError):
                return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if parsed.dtype == object:
        parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
    return _naive(parsed)


def _naive(values: pd.Series) -> pd.Series:
    """Datetimes without a time zone (wall-clock time kept), in nanoseconds."""
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def _as_text(series: pd.Series, column: str, date_format: str | None) -> pd.Series:
    """Dates as stripped text; numbers only as years (1975) or compact dates (20150105)."""
    if pd.api.types.is_bool_dtype(series):
        raise DataError(f"column '{column}' holds true/false values, not dates", column)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=float)
        whole = np.all(np.isfinite(values)) and np.all(values == np.round(values))
        if not whole:
            row = series.index[~(np.isfinite(values) & (values == np.round(values)))][0]
            raise DataError(
                f"column '{column}' holds numbers, not dates: row {row} has {series[row]!r}",
                column,
            )
        years = (values >= 1000) & (values <= 2999)
        compact = (values >= 10000101) & (values <= 29991231)
        if date_format is None and not (years.all() or compact.all()):
            row = series.index[~(years | compact)][0]
            raise DataError(
                f"column '{column}' holds numbers, not dates: row {row} has {series[row]!r} "
                f"(write dates as text like 2015-01-05, or years like 2015)",
                column,
            )
        return pd.Series(values.astype(np.int64).astype(str), index=series.index)
    return series.astype(str).str.strip()


def _given(series: pd.Series) -> pd.Series:
    """Cells that hold something: not missing and not blank."""
    given = series.notna()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        given &= series.astype(str).str.strip() != ""
    return given


def _source(date_format: str | None, fmt: str) -> str:
    """'--date-format X' when stated, else 'the column's format X'."""
    if date_format is not None:
        return f"the stated date format {describe_format(fmt)}"
    return f"the column's format {describe_format(fmt)}"
