"""The leads contract: ids, created date, attributes, activity counts, outcome, and event logs.

One set of cell rules serves both paths: a training file (`validate_leads`) fails on its first
bad cell, naming column and row; a scoring batch (`screen_rows`) keeps its good rows and reports
each bad one, so one wrong lead never blocks the rest.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from engine.core.contracts.checks import (
    check_non_negative,
    check_not_empty,
    check_required,
    coerce_flags,
    coerce_numeric,
)
from engine.core.contracts.dates import DateFormats, dates_with_format, parse_dates, screen_dates
from engine.core.errors import DataError

ACTIVITY_COUNTS = {
    "site_visit": "site_visits",
    "page_view": "page_views",
    "email_open": "email_opens",
    "email_click": "email_clicks",
    "download": "downloads",
    "form_fill": "form_fills",
    "webinar": "webinars",
}
"""Activity type in an event log -> the leads-table count column it feeds."""

EVENT_SYNONYMS = {"content_download": "download"}
"""Other spellings of activity types seen in event logs."""

ACTIVITY_COLUMNS = (*ACTIVITY_COUNTS.values(), "time_on_site")
"""Activity measures the contract knows by name; each must be a non-negative number."""

ID_COLUMNS = ("lead_id", "created_date", "converted", "conversion_date", "deal_value")

EVENT_COLUMNS = ("lead_id", "timestamp", "activity")
"""An activity log's columns."""


@dataclass(frozen=True)
class LeadTable:
    """A validated leads table and the roles of its columns."""

    frame: pd.DataFrame
    has_outcome: bool
    has_created_date: bool
    features: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    date_formats: dict[str, str] = field(default_factory=dict)
    """Date column -> the one format it was read with (stated or inferred)."""


@dataclass(frozen=True)
class RowError:
    """Why one input row could not be used."""

    row: int
    lead_id: str | None
    field: str | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def number_problems(
    values: pd.Series, column: str
) -> tuple[pd.Series, list[tuple[pd.Series, str]]]:
    """The cell rules for a numeric lead column: (parsed values, [(bad rows, message)]).

    Text that is not a number, a non-finite value, and a negative activity count or deal value
    are refused; an empty cell is allowed (models impute it).
    """
    parsed = pd.to_numeric(values, errors="coerce").astype(float)
    problems = []
    if not pd.api.types.is_numeric_dtype(values):
        problems.append(
            (parsed.isna() & _given(values), f"'{column}' must be a number, got {{v!r}}")
        )
    if column in ACTIVITY_COLUMNS or column == "deal_value":
        problems.append((parsed < 0, f"'{column}' must not be negative, got {{v!r}}"))
    problems.append((parsed.isin([np.inf, -np.inf]), f"'{column}' must be finite, got {{v!r}}"))
    return parsed, problems


def validate_leads(
    frame: pd.DataFrame,
    require_outcome: bool = False,
    exclude: list[str] | None = None,
    date_formats: DateFormats | None = None,
) -> LeadTable:
    """Check a leads table; every other column is a feature unless excluded (post-outcome data).

    Each date column is read with one format for the whole column (see contracts.dates).
    """
    date_formats = date_formats or DateFormats()
    check_not_empty(frame, "leads")
    if require_outcome:
        check_required(frame, ["converted"])
    exclude = list(exclude or [])
    unknown = [c for c in exclude if c not in frame.columns]
    if unknown:
        raise DataError(f"excluded column '{unknown[0]}' is not in the data", unknown[0])
    out = frame.drop(columns=exclude).copy()
    if "lead_id" in out.columns:
        if out["lead_id"].isna().any():
            row = int(out.index[out["lead_id"].isna()][0])
            raise DataError(f"column 'lead_id' is empty at row {row}", "lead_id")
        out["lead_id"] = out["lead_id"].astype(str)
        dup = out["lead_id"].duplicated()
        if dup.any():
            raise DataError(
                f"duplicate lead_id '{out.loc[dup, 'lead_id'].iloc[0]}' ({int(dup.sum())} repeats)",
                "lead_id",
            )
    else:
        out.insert(0, "lead_id", [str(i) for i in range(len(out))])
    has_created = "created_date" in out.columns
    used: dict[str, str] = {}
    if has_created:
        out["created_date"], used["created_date"] = dates_with_format(
            out["created_date"], "created_date", date_formats.for_column("created_date")
        )
    if "conversion_date" in out.columns:
        present = out["conversion_date"].notna() & (
            out["conversion_date"].astype(str).str.strip() != ""
        )
        parsed = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        if present.any():
            parsed[present], used["conversion_date"] = dates_with_format(
                out.loc[present, "conversion_date"],
                "conversion_date",
                date_formats.for_column("conversion_date"),
            )
        out["conversion_date"] = parsed
    if "converted" in out.columns:
        out["converted"] = _coerce_outcome(out["converted"])
    for col in [c for c in (*ACTIVITY_COLUMNS, "deal_value") if c in out.columns]:
        out[col] = coerce_numeric(out[col], col, allow_missing=True)
        check_non_negative(out[col].dropna(), col)
    features = [c for c in out.columns if c not in ID_COLUMNS]
    if not features:
        raise DataError("the leads table has no feature columns besides ids and outcome", "leads")
    return LeadTable(out, "converted" in out.columns, has_created, features, exclude, used)


def screen_rows(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    date_format: str | None = None,
) -> tuple[pd.DataFrame, list[RowError]]:
    """Split a scoring batch into clean rows and per-row errors, instead of failing the batch.

    A column the model needs that is absent from every row is a DataError (the whole request is
    wrong); a bad cell (see `number_problems`), a repeated lead id or an unreadable date only
    rejects its own row. Missing cells are allowed (the model imputes them). `created_date` is
    read with one format for the batch (stated, or the one reading most values; an ambiguous
    batch, e.g. only 05/01/2015-style dates, is refused as a whole).
    """
    needed = [*numeric, *categorical]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise DataError(
            f"missing column '{absent[0]}' that the model uses (needs: {', '.join(needed[:30])})",
            absent[0],
        )
    frame = frame.reset_index(drop=True)
    if "lead_id" in frame.columns:
        ids = _text(frame["lead_id"])
    else:
        ids = pd.Series([str(i) for i in range(len(frame))])
    bad: dict[int, RowError] = {}

    def flag(mask: pd.Series, field: str, message: str) -> None:
        for i in np.flatnonzero(mask.to_numpy()):
            if i not in bad:
                value = frame[field].iloc[i] if field in frame else None
                bad[int(i)] = RowError(int(i), ids.iloc[i], field, message.format(v=value))

    flag(ids.isna(), "lead_id", "lead_id is empty")
    flag(ids.duplicated() & ids.notna(), "lead_id", "duplicate lead_id {v!r}")
    out = pd.DataFrame({"lead_id": ids})
    for col in numeric:
        out[col], problems = number_problems(frame[col], col)
        for mask, message in problems:
            flag(mask, col, message)
    for col in categorical:
        out[col] = _text(frame[col])
    if "deal_value" in frame.columns and "deal_value" not in out.columns:
        out["deal_value"], problems = number_problems(frame["deal_value"], "deal_value")
        for mask, message in problems:
            flag(mask, "deal_value", message)
    if "created_date" in frame.columns and "created_date" not in out.columns:
        dates, bad_dates = screen_dates(frame["created_date"], "created_date", date_format)
        flag(
            bad_dates,
            "created_date",
            "'created_date' is not a date in the format of the other rows: {v!r}",
        )
        out["created_date"] = dates
    keep = np.ones(len(out), dtype=bool)
    keep[list(bad)] = False
    errors = sorted(bad.values(), key=lambda e: e.row)
    clean = out[keep].copy()
    clean["row"] = np.flatnonzero(keep)
    return clean.reset_index(drop=True), errors


def activity_column(activity: str) -> str:
    """Count column for an activity type: the contract's name when known, else n_<activity>.

    A count column's own name maps to itself (site_visits -> site_visits, n_demo -> n_demo),
    so a log written with those names, or validated twice, keeps its counts where they belong.
    """
    key = re.sub(r"[^a-z0-9]+", "_", str(activity).strip().lower()).strip("_")
    key = EVENT_SYNONYMS.get(key, key)
    if key in ACTIVITY_COUNTS.values() or key.startswith("n_"):
        return key
    return ACTIVITY_COUNTS.get(key, f"n_{key}" if key else "n_unknown")


def validate_events(events: pd.DataFrame, date_format: str | None = None) -> pd.DataFrame:
    """Check an activity log: lead_id, timestamp, activity; timestamps parsed, ids as text."""
    check_required(events, list(EVENT_COLUMNS))
    out = events[list(EVENT_COLUMNS)].copy()
    if out["lead_id"].isna().any():
        row = int(out.index[out["lead_id"].isna()][0])
        raise DataError(f"events column 'lead_id' is empty at row {row}", "lead_id")
    out["lead_id"] = out["lead_id"].astype(str)
    out["timestamp"] = parse_dates(out["timestamp"], "timestamp", date_format)
    out["activity"] = out["activity"].map(activity_column)
    return out


def _coerce_outcome(series: pd.Series) -> pd.Series:
    """converted: 0/1, yes/no, true/false; a missing outcome is an error when training."""
    if series.isna().any():
        row = int(series.index[series.isna()][0])
        raise DataError(f"column 'converted' is empty at row {row}", "converted")
    flags = coerce_flags(series, "converted")
    if not flags.isin([0.0, 1.0]).all():
        raise DataError("column 'converted' must be 0 or 1 (or yes/no)", "converted")
    return flags.astype(int)


def _text(series: pd.Series) -> pd.Series:
    """Values as text, None where missing (object dtype, whatever came in)."""
    present = series.notna().to_numpy()
    out = np.full(len(series), None, dtype=object)
    out[present] = series[present].astype(str).to_numpy()
    return pd.Series(out, index=series.index, dtype=object)


def _given(series: pd.Series) -> pd.Series:
    """Cells that hold something: not missing and not a blank string."""
    given = series.notna()
    if series.dtype == object:
        given &= series.astype(str).str.strip() != ""
    return given
