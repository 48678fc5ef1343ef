"""Outcomes back to marketing: what sales says became of each lead, and the figures marketing
reads from them (conversion, win rate, time to convert, revenue and pipeline by source,
campaign or segment over time, and how each tier actually converted).

Definitions (one per word): a lead is *won*, *lost* or *disqualified* once sales records it,
*open* until then. Conversion rate = won / all leads; win rate = won / (won + lost), the
disqualified being no real contest; time to convert = days from created_date to the won date
(median and mean over won leads that have both dates). Revenue = the deal values of won leads;
open pipeline = the deal values of open leads, and expected pipeline weights each by its
model probability. A tier's conversion is won / decided among the leads recorded in that tier.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.core.errors import DataError
from engine.leads.events import batch_item, file_records, identifier, non_negative, parse_day
from models.leads.tiers import TIERS

OUTCOMES = ("won", "lost", "disqualified")
PERIODS = ("month", "quarter", "year")
MISSING = "(none)"
"""The group a lead lands in when it lacks the grouping column."""


@dataclass(frozen=True)
class OutcomeIn:
    """One recorded outcome of one lead."""

    lead_id: str
    outcome: str
    outcome_date: dt.date
    deal_value: float | None
    reason: str


def parse_outcomes(
    items: list[dict[str, Any]], today: dt.date, where: str = "outcomes"
) -> list[OutcomeIn]:
    """Check outcomes; the first bad one is refused naming `outcomes.i.field`."""
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        at = f"{where}.{i}"
        batch_item(item, at, "outcome", ("lead_id", "outcome", "date", "deal_value", "reason"))
        lead_id = identifier(item.get("lead_id"), f"{at}.lead_id", "lead_id")
        outcome = item.get("outcome")
        if not isinstance(outcome, str) or outcome.strip().lower() not in OUTCOMES:
            raise DataError(
                f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}", f"{at}.outcome"
            )
        outcome = outcome.strip().lower()
        if item.get("date") is None:
            raise DataError("the outcome's date is required (YYYY-MM-DD)", f"{at}.date")
        day = parse_day(item["date"], f"{at}.date")
        if day > today:
            raise DataError(f"date {day} is in the future (today is {today})", f"{at}.date")
        raw_value = item.get("deal_value")
        value = non_negative(raw_value, f"{at}.deal_value") if raw_value is not None else None
        if outcome == "won" and value is None:
            raise DataError(
                "a won lead needs its deal_value (revenue is summed from it)", f"{at}.deal_value"
            )
        reason = item.get("reason") or ""
        if not isinstance(reason, str) or len(reason) > 2000:
            raise DataError("reason must be text of at most 2,000 characters", f"{at}.reason")
        if lead_id in seen:
            raise DataError(
                f"lead '{lead_id}' has two outcomes in this batch (items {seen[lead_id]} and {i})",
                f"{at}.lead_id",
            )
        seen[lead_id] = i
        out.append(OutcomeIn(lead_id, outcome, day, value, reason.strip()))
    return out


def outcome_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of an outcomes file as outcome objects (empty cells dropped, numbers as numbers)."""
    wanted = [c for c in ("lead_id", "outcome", "date", "deal_value", "reason") if c in frame]
    unknown = [c for c in frame.columns if c not in wanted]
    if unknown:
        raise DataError(
            f"unknown column '{unknown[0]}' (columns: lead_id, outcome, date, deal_value, reason)",
            str(unknown[0]),
        )
    return file_records(frame, _outcome_cell)


def _outcome_cell(column: str, value: Any) -> Any:
    """An outcomes file cell: a deal value as a number, a date as YYYY-MM-DD, other text as text."""
    if column == "deal_value" and isinstance(value, str):
        with contextlib.suppress(ValueError):  # else refused by parse_outcomes, row named
            return float(value)
    elif column == "date" and isinstance(value, dt.date | pd.Timestamp):
        return value.date().isoformat() if isinstance(value, dt.datetime) else str(value)
    elif column in ("lead_id", "date", "reason", "outcome"):
        return str(value)
    return value


def marketing_stats(frame: pd.DataFrame, by: list[str], period: str = "quarter") -> dict[str, Any]:
    """Overall figures, the same per group of `by`, per period of the outcome date, per tier.

    `frame`: one row per lead with created_date, outcome (None: open), outcome_date,
    deal_value, probability, rubric_tier and tier (as recorded with the outcome), plus the
    grouping columns.
    """
    if period not in PERIODS:
        raise DataError(f"period must be one of {', '.join(PERIODS)}, got '{period}'", "period")
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise DataError(f"no lead has the column '{missing[0]}' to group by", "by")
    data = frame.copy()
    for col in by:
        data[col] = [MISSING if _blank(v) else str(v) for v in data[col]]
    answer: dict[str, Any] = {"overall": _figures(data), "by": by, "period": period}
    if by:
        groups = []
        for key, part in data.groupby(by, sort=True, dropna=False):
            keys = key if isinstance(key, tuple) else (key,)
            groups.append({**dict(zip(by, map(str, keys), strict=True)), **_figures(part)})
        answer["groups"] = groups
    answer["over_time"] = _over_time(data, by, period)
    answer["rubric_tiers"] = tier_conversion(data, "rubric_tier")
    answer["tiers"] = tier_conversion(data, "tier")
    return answer


def tier_conversion(data: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    """Per tier (cold to sales-qualified) as recorded with the outcome: decided, won, rate,
    and whether each tier converted at least as well as the one below it."""
    rows = []
    decided = data[data["outcome"].notna()]
    previous: float | None = None
    for tier in TIERS:
        part = decided[decided[column].astype(str) == tier] if column in decided else decided[:0]
        won = int((part["outcome"] == "won").sum())
        rate = won / len(part) if len(part) else None
        rows.append(
            {
                "tier": tier,
                "decided": int(len(part)),
                "won": won,
                "conversion_rate": rate,
                "hotter_than_below": (
                    None if rate is None or previous is None else bool(rate >= previous)
                ),
            }
        )
        previous = rate if rate is not None else previous
    return rows


def _figures(part: pd.DataFrame) -> dict[str, Any]:
    outcome = part["outcome"]
    won_rows = part[outcome == "won"]
    n_won = int(len(won_rows))
    n_lost = int((outcome == "lost").sum())
    n_disq = int((outcome == "disqualified").sum())
    open_rows = part[outcome.isna()]
    days = _days_to_convert(won_rows)
    value = pd.to_numeric(open_rows["deal_value"], errors="coerce")
    probability = pd.to_numeric(open_rows["probability"], errors="coerce")
    return {
        "leads": int(len(part)),
        "open": int(len(open_rows)),
        "won": n_won,
        "lost": n_lost,
        "disqualified": n_disq,
        "conversion_rate": n_won / len(part) if len(part) else None,
        "win_rate": n_won / (n_won + n_lost) if n_won + n_lost else None,
        "median_days_to_convert": float(np.median(days)) if len(days) else None,
        "mean_days_to_convert": float(np.mean(days)) if len(days) else None,
        "revenue": float(pd.to_numeric(won_rows["deal_value"], errors="coerce").sum()),
        "open_pipeline": float(value.sum()),
        "expected_pipeline": float((value * probability).sum()),
        "open_without_probability": int((value.notna() & probability.isna()).sum()),
    }


def _days_to_convert(won: pd.DataFrame) -> np.ndarray:
    created = pd.to_datetime(won["created_date"], errors="coerce")
    closed = pd.to_datetime(won["outcome_date"], errors="coerce")
    days = (closed - created).dt.days.to_numpy(dtype=float)
    return days[~np.isnan(days)]


def _over_time(data: pd.DataFrame, by: list[str], period: str) -> list[dict[str, Any]]:
    """Decided leads, wins and revenue per period of the outcome date (and group)."""
    decided = data[data["outcome"].notna()].copy()
    if decided.empty:
        return []
    freq = {"month": "M", "quarter": "Q", "year": "Y"}[period]
    dates = pd.to_datetime(decided["outcome_date"])
    decided["period"] = dates.dt.to_period(freq).astype(str).to_numpy()
    decided["won_value"] = np.where(
        decided["outcome"] == "won", pd.to_numeric(decided["deal_value"], errors="coerce"), 0.0
    )
    rows = []
    for key, part in decided.groupby(["period", *by], sort=True):
        keys = key if isinstance(key, tuple) else (key,)
        n_won = int((part["outcome"] == "won").sum())
        n_lost = int((part["outcome"] == "lost").sum())
        rows.append(
            {
                **dict(zip(["period", *by], map(str, keys), strict=True)),
                "decided": int(len(part)),
                "won": n_won,
                "lost": n_lost,
                "win_rate": n_won / (n_won + n_lost) if n_won + n_lost else None,
                "revenue": float(np.nansum(part["won_value"].to_numpy(dtype=float))),
            }
        )
    return rows


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""
    )
