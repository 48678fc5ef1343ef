"""Lead answers from a loaded champion: scored leads with reasons, and the pipeline they imply.

`lodestar score leads` and the lead routes both call these and only format the result.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from engine.core.contracts.leads import RowError
from engine.core.errors import DataError
from engine.leads.features import activity_counts
from engine.leads.pipeline import pipeline_summary


def with_event_counts(
    frame: pd.DataFrame, events: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """Leads with their activity columns counted from an event log as of one moment."""
    if "lead_id" not in frame.columns:
        raise DataError("scoring with an event log needs a lead_id column", "lead_id")
    counts = activity_counts(events, frame["lead_id"].astype(str), as_of)
    return frame.assign(**{c: counts[c].to_numpy() for c in counts.columns})


def score_table(
    scorer: Any, frame: pd.DataFrame, detail: bool = False, date_format: str | None = None
) -> tuple[pd.DataFrame, list[RowError]]:
    """(scored leads, per-row errors): probability, score, tier and top reasons per good row."""
    return scorer.score_batch(frame, detail=detail, date_format=date_format)


def pipeline_table(
    scorer: Any,
    frame: pd.DataFrame,
    by: list[str],
    as_of: pd.Timestamp,
    fiscal_start_month: int,
) -> tuple[pd.DataFrame, list[RowError], float]:
    """(expected conversions and value per quarter and segment, per-row errors, lag days)."""
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise DataError(f"cannot group by '{missing[0]}': no lead has that column", "by")
    used = [c for c in ("deal_value", "created_date") if c in frame.columns and c not in by]
    scored, errors = scorer.score_batch(frame, reasons=False, keep=[*by, *used])
    lag = float(scorer.info.get("lag_days", 0.0))
    table = pipeline_summary(scored, by, lag, as_of, fiscal_start_month)
    return table, errors, lag
