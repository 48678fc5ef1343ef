"""Lead answers from a loaded champion: scored leads with reasons, and the pipeline they imply.

`lodestar score leads` and the lead routes both call these and only format the result.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from engine.core.contracts.leads import RowError
from engine.core.errors import DataError
from engine.leads.features import activity_counts
from engine.leads.outcomes import marketing_stats
from engine.leads.pipeline import pipeline_summary
from engine.leads.tiering import ActiveRubric, with_rubric


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


def score_both(
    scorer: Any,
    frame: pd.DataFrame,
    active: ActiveRubric | None,
    tier_source: str,
    detail: bool = False,
    date_format: str | None = None,
    as_of: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, list[RowError]]:
    """Model scores with reasons beside the rubric's points and rules; the setting picks the tier.

    Decay counts full weeks from a lead's `last_activity` to `as_of` (default: now, UTC).
    """
    scored, errors = scorer.score_batch(frame, detail=detail, date_format=date_format)
    moment = as_of if as_of is not None else pd.Timestamp.now(tz="UTC")
    return with_rubric(scored, frame, active, tier_source, moment), errors


def model_score(scorer: Any) -> Any:
    """One lead row -> (probability, the model's tier), or None when the model cannot score it
    (the event path keeps the rubric's view and says the model had none). Columns the lead
    does not have are missing cells, imputed by the model as in a scoring batch."""

    def score(frame: pd.DataFrame) -> tuple[float, str] | None:
        absent = [c for c in scorer.features if c not in frame.columns]
        full = frame.assign(**{c: [None] * len(frame) for c in absent})
        try:
            scored, _ = scorer.score_batch(full, reasons=False)
        except DataError:
            return None
        if scored.empty:
            return None
        return float(scored["probability"].iloc[0]), str(scored["tier"].iloc[0])

    return score


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


def outcome_figures(frame: pd.DataFrame, by: list[str], period: str) -> dict[str, Any]:
    """Marketing's figures from recorded outcomes: overall, per group, over time, per tier."""
    return marketing_stats(frame, by, period)
