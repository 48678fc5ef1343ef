"""Lead features without leakage: activity counts as of a scoring date, leak checks, row screening.

Counts come only from events strictly before each lead's cut-off; when training, the cut-off is
never later than the lead's conversion date, so activity caused by the sale cannot teach the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from engine.contracts.checks import check_required, coerce_dates
from engine.contracts.leads import ACTIVITY_COLUMNS, LeadTable
from engine.errors import DataError

ACTIVITY_NAMES = {
    "site_visit": "site_visits",
    "page_view": "page_views",
    "email_open": "email_opens",
    "email_click": "email_clicks",
    "download": "downloads",
    "content_download": "downloads",
    "form_fill": "form_fills",
    "webinar": "webinars",
}
"""Event activity type -> the leads-table count column it feeds."""

LEAK_AUC = 0.8
"""A single feature that alone ranks converters this well is probably recorded after the outcome."""


def activity_column(activity: str) -> str:
    """Count column for an activity type: the contract's name when known, else n_<activity>."""
    key = re.sub(r"[^a-z0-9]+", "_", str(activity).strip().lower()).strip("_")
    return ACTIVITY_NAMES.get(key, f"n_{key}" if key else "n_unknown")


def validate_events(events: pd.DataFrame) -> pd.DataFrame:
    """Check an activity log: lead_id, timestamp, activity; timestamps parsed, ids as text."""
    check_required(events, ["lead_id", "timestamp", "activity"])
    out = events[["lead_id", "timestamp", "activity"]].copy()
    if out["lead_id"].isna().any():
        row = int(out.index[out["lead_id"].isna()][0])
        raise DataError(f"events column 'lead_id' is empty at row {row}", "lead_id")
    out["lead_id"] = out["lead_id"].astype(str)
    out["timestamp"] = coerce_dates(out["timestamp"], "timestamp")
    out["activity"] = out["activity"].map(activity_column)
    return out


def activity_counts(
    events: pd.DataFrame, lead_ids: pd.Series, as_of: pd.Timestamp | pd.Series
) -> pd.DataFrame:
    """Events per activity column for each lead, counting only events strictly before `as_of`.

    `as_of` is one scoring date for every lead, or a Series of per-lead cut-offs aligned with
    `lead_ids`. Leads without events get zeros; the result is indexed like `lead_ids`.
    """
    events = validate_events(events)
    ids = lead_ids.astype(str)
    if isinstance(as_of, pd.Series):
        cutoff = pd.Series(pd.to_datetime(as_of).to_numpy(), index=ids.to_numpy())
        cutoff = cutoff[~cutoff.index.duplicated()]
        limit = events["lead_id"].map(cutoff)
    else:
        limit = pd.Series(pd.Timestamp(as_of), index=events.index)
    before = events[events["lead_id"].isin(set(ids)) & (events["timestamp"] < limit)]
    columns = sorted({*ACTIVITY_NAMES.values(), *events["activity"].unique()})
    table = pd.crosstab(before["lead_id"], before["activity"]).reindex(
        columns=columns, fill_value=0
    )
    counts = table.reindex(ids.to_numpy(), fill_value=0).astype(float)
    counts.index = lead_ids.index
    return counts


def training_cutoffs(table: LeadTable, window_days: float | None = None) -> pd.Series:
    """Per-lead cut-off for training: created + window (or open), never after conversion."""
    frame = table.frame
    far = pd.Timestamp.max - pd.Timedelta(days=1)
    cutoff = pd.Series(far, index=frame.index, dtype="datetime64[ns]")
    if table.has_created_date and window_days is not None:
        cutoff = frame["created_date"] + pd.Timedelta(days=float(window_days))
    if "conversion_date" in frame.columns:
        conv = frame["conversion_date"]
        cutoff = cutoff.where(conv.isna() | (cutoff <= conv), conv)
    return cutoff


def with_activity(table: LeadTable, counts: pd.DataFrame) -> LeadTable:
    """The leads table with event-derived counts replacing (or adding) its activity columns."""
    frame = table.frame.copy()
    for col in counts.columns:
        frame[col] = counts[col].to_numpy()
    features = [*table.features, *(c for c in counts.columns if c not in table.features)]
    return LeadTable(frame, table.has_outcome, table.has_created_date, features, table.excluded)


def single_feature_auc(values: pd.Series, y: np.ndarray, seed: int = 0) -> float:
    """How well one feature alone ranks converters (max of AUC and 1-AUC).

    Categories are scored by their conversion rate in the other half of the data, so an id-like
    column with a unique value per lead does not look predictive.
    """
    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        return float("nan")
    if pd.api.types.is_numeric_dtype(values):
        x = values.astype(float)
        score = x.fillna(x.median() if x.notna().any() else 0.0).to_numpy()
    else:
        text = values.astype(str).where(values.notna(), "<missing>").to_numpy()
        half = np.random.default_rng(seed).random(len(text)) < 0.5
        score = np.empty(len(text))
        prior = y.mean()
        for fold in (half, ~half):
            rates = pd.Series(y[~fold]).groupby(text[~fold]).agg(["sum", "count"])
            smooth = (rates["sum"] + 10 * prior) / (rates["count"] + 10)
            score[fold] = pd.Series(text[fold]).map(smooth).fillna(prior).to_numpy()
    auc = roc_auc_score(y, score)
    return float(max(auc, 1.0 - auc))


def leak_warnings(
    frame: pd.DataFrame, features: list[str], y: np.ndarray, threshold: float = LEAK_AUC
) -> dict[str, float]:
    """Features whose own AUC reaches `threshold`: likely recorded after the outcome."""
    found = {}
    for col in features:
        auc = single_feature_auc(frame[col], y)
        if np.isfinite(auc) and auc >= threshold:
            found[col] = round(auc, 4)
    return found


@dataclass(frozen=True)
class RowError:
    """Why one input row could not be scored."""

    row: int
    lead_id: str | None
    field: str | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "lead_id": self.lead_id,
            "field": self.field,
            "message": self.message,
        }


def screen_rows(
    frame: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> tuple[pd.DataFrame, list[RowError]]:
    """Split a scoring batch into clean rows and per-row errors, instead of failing the batch.

    A column the model needs that is absent from every row is a DataError (the whole request is
    wrong); a cell that is not a number, a negative activity count or a repeated lead id only
    rejects its own row. Missing cells are allowed (the model imputes them).
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
                bad[int(i)] = RowError(
                    int(i),
                    ids.iloc[i],
                    field,
                    message.format(v=frame[field].iloc[i] if field in frame else None),
                )

    flag(ids.isna(), "lead_id", "lead_id is empty")
    flag(ids.duplicated() & ids.notna(), "lead_id", "duplicate lead_id {v!r}")
    out = pd.DataFrame({"lead_id": ids})
    for col in numeric:
        parsed = pd.to_numeric(frame[col], errors="coerce")
        if not pd.api.types.is_numeric_dtype(frame[col]):
            flag(parsed.isna() & _given(frame[col]), col, f"'{col}' must be a number, got {{v!r}}")
        if col in ACTIVITY_COLUMNS:
            flag(parsed < 0, col, f"'{col}' must not be negative, got {{v!r}}")
        flag(~np.isfinite(parsed.fillna(0.0)), col, f"'{col}' must be finite, got {{v!r}}")
        out[col] = parsed.astype(float)
    for col in categorical:
        out[col] = _text(frame[col])
    for extra in ("created_date", "deal_value"):
        if extra in frame.columns and extra not in out.columns:
            out[extra] = frame[extra]
    if "deal_value" in out.columns:
        value = pd.to_numeric(out["deal_value"], errors="coerce")
        given = _given(out["deal_value"])
        flag(
            given & (value.isna() | (value < 0)),
            "deal_value",
            "'deal_value' must be a non-negative number, got {v!r}",
        )
        out["deal_value"] = value
    if "created_date" in out.columns:
        dates = pd.to_datetime(out["created_date"], errors="coerce", format="mixed")
        given = _given(out["created_date"])
        flag(given & dates.isna(), "created_date", "'created_date' is not a date: {v!r}")
        if getattr(dates.dt, "tz", None) is not None:
            dates = dates.dt.tz_localize(None)
        out["created_date"] = dates
    keep = np.ones(len(out), dtype=bool)
    keep[list(bad)] = False
    errors = sorted(bad.values(), key=lambda e: e.row)
    clean = out[keep].copy()
    clean["row"] = np.flatnonzero(keep)
    return clean.reset_index(drop=True), errors


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
