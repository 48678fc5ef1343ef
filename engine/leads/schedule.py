"""The lead model's retraining cadence: retrain from stored outcomes every so many days, and
only when enough outcomes are new since the last retrain (like a CRM's 10-day cycle); and the
training table those outcomes make.

Training rows are the decided leads (won = converted; lost and disqualified = not), with
their attributes and their activity counted only up to the outcome date, so nothing recorded
after the outcome leaks into the model.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from engine.core.contracts.leads import activity_column


def retrain_decision(
    now: dt.datetime,
    last_started: dt.datetime | None,
    every_days: float,
    new_outcomes: int,
    min_new: int,
    force: bool = False,
) -> tuple[str, str]:
    """('started' or 'skipped', why)."""
    if force:
        return "started", f"forced ({new_outcomes} new outcomes)"
    if every_days <= 0:
        return "skipped", "no schedule set (LODESTAR_LEAD_RETRAIN_EVERY_DAYS is 0)"
    if last_started is not None:
        days = (now - last_started).total_seconds() / 86400.0
        if days < every_days:
            return (
                "skipped",
                f"last retrain {days:.1f} days ago; the schedule is every {every_days:g}",
            )
    if new_outcomes < min_new:
        return "skipped", f"{new_outcomes} new outcomes since the last retrain; needs {min_new}"
    return "started", f"{new_outcomes} new outcomes since the last retrain"


def training_table(leads: list[dict[str, Any]], events: list[dict[str, Any]]) -> pd.DataFrame:
    """Decided leads as a training file: lead_id, created_date, attributes, counts up to the
    outcome date, converted, conversion_date.

    `leads`: lead_id, created_date, attributes, base_counts, outcome, outcome_date.
    `events`: lead_id, activity, occurred_at (UTC).
    """
    cutoff = {
        lead["lead_id"]: pd.Timestamp(lead["outcome_date"]).tz_localize("UTC")
        + pd.Timedelta(days=1)
        for lead in leads
    }
    counted: dict[str, dict[str, float]] = {}
    for event in events:
        limit = cutoff.get(event["lead_id"])
        if limit is None or pd.Timestamp(event["occurred_at"]) >= limit:
            continue
        column = activity_column(event["activity"])
        mine = counted.setdefault(event["lead_id"], {})
        mine[column] = mine.get(column, 0.0) + 1.0
    rows = []
    for lead in leads:
        counts = dict(lead["base_counts"] or {})
        for column, n in counted.get(lead["lead_id"], {}).items():
            counts[column] = counts.get(column, 0.0) + n
        won = lead["outcome"] == "won"
        rows.append(
            {
                "lead_id": lead["lead_id"],
                "created_date": lead["created_date"],
                **(lead["attributes"] or {}),
                **counts,
                "converted": int(won),
                "conversion_date": lead["outcome_date"] if won else None,
            }
        )
    return pd.DataFrame.from_records(rows)
