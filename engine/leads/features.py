"""Lead features without leakage: activity counts as of a scoring date, and leak checks.

Counts come only from events strictly before each lead's cut-off; when training, the cut-off is
never later than the lead's conversion date, so activity caused by the sale cannot teach the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from engine.core.contracts.leads import ACTIVITY_COUNTS, LeadTable, validate_events

LEAK_AUC = 0.8
"""A single feature that alone ranks converters this well is probably recorded after the outcome."""


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
    columns = sorted({*ACTIVITY_COUNTS.values(), *events["activity"].unique()})
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
