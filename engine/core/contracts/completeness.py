"""Is the sales history complete? Partial last period, gaps, very short series, by name.

The partial-last-period rule: the last period is partial when its total units, over the series
that report in it, are below `PARTIAL_SHARE` (60%) of the median total of the same series over
the `RECENT_PERIODS` (8) periods before it *and* below every one of those totals (so one slow
week after a quiet stretch, or an intermittent series' zero, is not flagged). At least
`MIN_REFERENCE` (4) earlier periods are needed to judge. The user can overrule the rule with
`last_period="complete"` or `"partial"` (`--last-period` on the command line).

What happens to a partial last period: training jobs and batch forecasts drop it (its rows are
left out) and extend the horizon by one period, so the dropped period is forecast as a whole
period and the same future dates are still covered; see `SalesHistory.complete`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from engine.core.calendar import period_offset
from engine.core.contracts.findings import Finding, Findings, name_some, series_labels
from engine.core.errors import DataError

LastPeriodSetting = Literal["auto", "complete", "partial"]
LAST_PERIOD_SETTINGS: tuple[str, ...] = ("auto", "complete", "partial")

PARTIAL_SHARE = 0.6
RECENT_PERIODS = 8
MIN_REFERENCE = 4
SHORT_SERIES = 8
"""A series with fewer periods than this is very short (too short for any model to learn)."""


@dataclass(frozen=True)
class SeriesTrouble:
    """A trouble some series of a history have, and what it means for their forecasts."""

    kind: str
    have: str
    meaning: str

    def finding(self, labels: np.ndarray, flagged: np.ndarray, named: list[str]) -> Finding | None:
        """The finding about the `flagged` series (positions in `labels`, one per series), saying
        "<n> of <all> series <have>: <some of `named`>; <meaning>"; None when none is flagged."""
        if not flagged.size:
            return None
        return Finding(
            self.kind,
            f"{flagged.size} of {len(labels)} series {self.have}: {name_some(named)}; "
            f"{self.meaning}",
            tuple(labels[flagged]),
        )


GAPS = SeriesTrouble(
    "gaps",
    "have missing periods inside their history",
    "missing periods are not read as zero sales (add rows with units 0 if they were)",
)
SHORT = SeriesTrouble(
    "short_series",
    f"have fewer than {SHORT_SERIES} periods of history",
    "their forecasts rest on very little data",
)


@dataclass(frozen=True)
class LastPeriod:
    """The verdict on the last period of the history."""

    start: pd.Timestamp
    partial: bool
    total: float
    reference: float | None = None
    n_reference: int = 0
    stated: bool = False


def check_last_period_setting(setting: str) -> LastPeriodSetting:
    """'auto', 'complete' or 'partial'; anything else is an error naming last_period."""
    value = str(setting).strip().lower()
    if value not in LAST_PERIOD_SETTINGS:
        raise DataError(
            f"last period setting '{setting}' is not one of {', '.join(LAST_PERIOD_SETTINGS)}",
            "last_period",
        )
    return value  # type: ignore[return-value]


def judge_last_period(
    frame: pd.DataFrame,
    keys: list[str],
    positions: np.ndarray,
    grid_start: pd.Timestamp,
    freq: str,
    setting: LastPeriodSetting = "auto",
) -> LastPeriod:
    """Apply the partial-last-period rule (module docstring) unless the user stated it."""
    last = int(positions.max())
    start = grid_start + period_offset(freq) * last
    units = frame["units"].to_numpy(dtype=float)
    at_last = positions == last
    total = float(units[at_last].sum())
    if setting != "auto":
        return LastPeriod(start, setting == "partial", total, stated=True)
    reporting = pd.MultiIndex.from_frame(frame.loc[at_last, keys])
    same = pd.MultiIndex.from_frame(frame[keys]).isin(reporting)
    recent = same & (positions < last) & (positions >= last - RECENT_PERIODS)
    totals = pd.Series(units[recent]).groupby(positions[recent]).sum()
    if len(totals) < MIN_REFERENCE:
        return LastPeriod(start, False, total, n_reference=len(totals))
    reference = float(totals.median())
    partial = reference > 0 and total < PARTIAL_SHARE * reference and total < float(totals.min())
    return LastPeriod(start, bool(partial), total, reference, len(totals))


def completeness_findings(
    frame: pd.DataFrame,
    keys: list[str],
    positions: np.ndarray,
    grid_start: pd.Timestamp,
    freq: str,
    last: LastPeriod,
) -> Findings:
    """Partial last period, periods with no rows, gaps inside series, very short series."""
    step = period_offset(freq)
    spans = (
        pd.DataFrame({"pos": positions}, index=frame.index)
        .join(frame[keys])
        .groupby(keys, sort=True)["pos"]
        .agg(["min", "max", "count"])
        .reset_index()
    )
    labels = np.array(series_labels(spans, keys), dtype=object)
    only_last = labels[(spans["min"] == positions.max()).to_numpy()]
    found = Findings().plus(_partial_finding(last, list(only_last)))
    present = np.zeros(int(positions.max()) + 1, dtype=bool)
    present[positions] = True
    empty = np.flatnonzero(~present)
    if empty.size:
        dates = [str((grid_start + step * int(p)).date()) for p in empty]
        found = found.plus(
            Finding(
                "missing_periods",
                f"{empty.size} period(s) inside the history have no rows at all "
                f"({name_some(dates)}); they are not read as zero sales",
            )
        )
    length = (spans["max"] - spans["min"] + 1).to_numpy()
    missing = length - spans["count"].to_numpy()
    gappy = np.flatnonzero(missing > 0)
    named = [f"{labels[i]} ({missing[i]} of {length[i]} missing)" for i in gappy]
    found = found.plus(GAPS.finding(labels, gappy, named))
    counts = spans["count"].to_numpy()
    short = np.flatnonzero(counts < SHORT_SERIES)
    named = [f"{labels[i]} ({counts[i]} period{'s' if counts[i] != 1 else ''})" for i in short]
    return found.plus(SHORT.finding(labels, short, named))


def _partial_finding(last: LastPeriod, only_last: list[str]) -> Finding | None:
    """The finding for a partial last period (None when it is complete).

    Series whose only rows are in that period are named: leaving the period out leaves them
    without history, so they get no forecast.
    """
    if not last.partial:
        return None
    treatment = "it is left out of training and forecasts, and forecast as a whole period instead"
    if only_last:
        treatment += (
            f"; {len(only_last)} series have rows only in that period and get no forecast: "
            f"{name_some(only_last)}"
        )
    if last.stated:
        message = f"the last period ({last.start.date()}) is partial, as stated; {treatment}"
    else:
        share = last.total / last.reference if last.reference else 0.0
        message = (
            f"the last period ({last.start.date()}) looks partial: {last.total:,.0f} units "
            f"against a median of {last.reference:,.0f} over the {last.n_reference} periods "
            f"before ({share:.0%}), lower than any of them; {treatment} (--last-period "
            "complete keeps it)"
        )
    return Finding("partial_last_period", message, tuple(only_last))
