"""The leads contract: optional lead id and created date, attributes, activity counts, outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.contracts.checks import (
    check_non_negative,
    check_not_empty,
    check_required,
    coerce_dates,
    coerce_flags,
    coerce_numeric,
)
from engine.errors import DataError

ACTIVITY_COLUMNS = (
    "site_visits",
    "page_views",
    "email_opens",
    "email_clicks",
    "downloads",
    "form_fills",
    "webinars",
    "time_on_site",
)
"""Activity counts the contract knows by name; each must be a non-negative number."""

ID_COLUMNS = ("lead_id", "created_date", "converted", "conversion_date", "deal_value")


@dataclass(frozen=True)
class LeadTable:
    """A validated leads table and the roles of its columns."""

    frame: pd.DataFrame
    has_outcome: bool
    has_created_date: bool
    features: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)


def validate_leads(
    frame: pd.DataFrame,
    require_outcome: bool = False,
    exclude: list[str] | None = None,
) -> LeadTable:
    """Check a leads table; every other column is a feature unless excluded (post-outcome data)."""
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
    if has_created:
        out["created_date"] = coerce_dates(out["created_date"], "created_date")
    if "conversion_date" in out.columns:
        present = out["conversion_date"].notna() & (out["conversion_date"].astype(str) != "")
        parsed = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        if present.any():
            parsed[present] = coerce_dates(out.loc[present, "conversion_date"], "conversion_date")
        out["conversion_date"] = parsed
    if "converted" in out.columns:
        out["converted"] = _coerce_outcome(out["converted"])
    if "deal_value" in out.columns:
        out["deal_value"] = coerce_numeric(out["deal_value"], "deal_value", allow_missing=True)
        check_non_negative(out["deal_value"].dropna(), "deal_value")
    for col in ACTIVITY_COLUMNS:
        if col in out.columns:
            out[col] = coerce_numeric(out[col], col, allow_missing=True)
            check_non_negative(out[col].dropna(), col)
    features = [c for c in out.columns if c not in ID_COLUMNS]
    if not features:
        raise DataError("the leads table has no feature columns besides ids and outcome", "leads")
    return LeadTable(out, "converted" in out.columns, has_created, features, exclude)


def _coerce_outcome(series: pd.Series) -> pd.Series:
    """converted: 0/1, yes/no, true/false; a missing outcome is an error when training."""
    if series.isna().any():
        row = int(series.index[series.isna()][0])
        raise DataError(f"column 'converted' is empty at row {row}", "converted")
    flags = coerce_flags(series, "converted")
    if not flags.isin([0.0, 1.0]).all():
        raise DataError("column 'converted' must be 0 or 1 (or yes/no)", "converted")
    return flags.astype(int)
