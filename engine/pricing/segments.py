"""A scenario's date range on the forecast's periods: periods cut into day segments, like quarters.

A forecast period covers the days from its date up to the next period's date (a week from its
Monday). The scenario's range, every price change's and promotion's start and end, and quarter
boundaries (for daily and weekly data, as the planner's quarter view splits weeks by day) cut the
periods into segments. Demand is read as spread evenly over a period's days, so a segment carries
its period's forecast times its share of the period's days: a week with 3 of its 7 days in the
range counts 3/7 of its forecast, and a price change from a Friday moves that week's last 3 days.
With no cut inside any period, the segments are the periods themselves and nothing is rescaled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.core.calendar import (
    parse_quarter,
    period_offset,
    quarter_freq,
    quarter_label,
    quarter_of,
)
from engine.core.errors import DataError
from engine.pricing.scenario import PriceChange, Promotion, Scenario

_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Segments:
    """Pieces of forecast periods inside a date range; within a piece the plan does not change."""

    period: np.ndarray  # per segment: the forecast period (baseline column) it belongs to
    share: np.ndarray  # per segment: the share of its period's days it covers
    days: np.ndarray  # per segment: how many days it covers
    start: pd.DatetimeIndex  # per segment: its first day
    quarter_weights: np.ndarray  # segments x quarters: share of each segment's days per quarter
    quarter_labels: list[str]  # the quarters touched, in order ('2027Q1')
    first_day: pd.Timestamp  # the covered range, first and last day
    last_day: pd.Timestamp

    @property
    def aligned(self) -> bool:
        """Every segment is one whole period, each period once and in order (no rescaling)."""
        return bool(np.all(self.share == 1.0) and np.all(np.diff(self.period) == 1))

    def periods(self) -> np.ndarray:
        """The forecast periods touched, in order."""
        return np.unique(self.period)

    def to_periods(self) -> np.ndarray:
        """(segments x touched periods) 0/1: which period each segment belongs to."""
        return (self.period[:, None] == self.periods()[None, :]).astype(float)

    def select(self, start: dt.date | None, end: dt.date | None) -> np.ndarray:
        """Segments inside start..end (either open); exact, because both ends cut segments."""
        mask = np.ones(len(self.start), dtype=bool)
        if start is not None:
            mask &= self.start >= pd.Timestamp(start)
        if end is not None:
            mask &= self.start <= pd.Timestamp(end)
        return mask


def period_bounds(dates: pd.DatetimeIndex, freq: str) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """(first day, day after the last) of each period: a period runs to the next period's date."""
    starts = pd.DatetimeIndex(dates).normalize()
    step = period_offset(freq)
    return starts, pd.DatetimeIndex([d + step for d in starts])


def segments(
    dates: pd.DatetimeIndex,
    freq: str,
    start: dt.date | None,
    end: dt.date | None,
    cuts: Iterable[dt.date] = (),
    fiscal_start_month: int = 1,
) -> Segments:
    """The periods' days from start to end (inclusive, either open), cut at periods and `cuts`."""
    starts, stops = period_bounds(dates, freq)
    lo = starts[0] if start is None else max(starts[0], pd.Timestamp(start))
    hi = stops[-1] if end is None else min(stops[-1], pd.Timestamp(end) + _DAY)
    if lo >= hi:
        raise DataError(
            f"the scenario's dates miss the forecast ({starts[0].date()} to "
            f"{(stops[-1] - _DAY).date()})",
            "start",
        )
    points = {lo, hi, *starts, *(pd.Timestamp(c) for c in cuts)}
    edges = pd.DatetimeIndex(sorted(p for p in points if lo <= p <= hi))
    first, stop = edges[:-1], edges[1:]
    period = np.searchsorted(starts.asi8, first.asi8, side="right") - 1
    days = ((stop - first) / _DAY).to_numpy(dtype=float)
    length = ((stops[period] - starts[period]) / _DAY).to_numpy(dtype=float)
    weights, labels = _quarter_split(first, days, starts[period], freq, fiscal_start_month)
    return Segments(period, days / length, days, first, weights, labels, lo, hi - _DAY)


def _quarter_split(
    first: pd.DatetimeIndex,
    days: np.ndarray,
    period_start: pd.DatetimeIndex,
    freq: str,
    fiscal_start_month: int,
) -> tuple[np.ndarray, list[str]]:
    """(segments x quarters) share of each segment's days per quarter, and the quarter labels.

    The planner's rule (`engine.core.calendar.quarter_weights`): daily and weekly periods are split
    by day; a month or quarter counts whole in the quarter its date falls in.
    """
    if freq[0] in ("M", "Q"):
        quarters = quarter_of(period_start, fiscal_start_month)
        owner, share = np.arange(len(first)), np.ones(len(first))
    else:
        owner = np.repeat(np.arange(len(first)), days.astype(int))
        offset = np.arange(len(owner)) - np.repeat(np.cumsum(days) - days, days.astype(int))
        day = first[owner] + pd.to_timedelta(offset, unit="D")
        quarters = quarter_of(day, fiscal_start_month)
        share = 1.0 / days[owner]
    columns = pd.PeriodIndex(sorted(set(quarters)), freq=quarter_freq(fiscal_start_month))
    weights = np.zeros((len(first), len(columns)))
    np.add.at(weights, (owner, columns.get_indexer(quarters)), share)
    return weights, [quarter_label(q) for q in columns]


def scenario_range(
    scenario: Scenario, fiscal_start_month: int = 1
) -> tuple[dt.date | None, dt.date | None]:
    """The scenario's first and last day: its start and end, or its quarters' first and last."""
    if not scenario.quarters:
        return scenario.start, scenario.end
    periods = [parse_quarter(q, fiscal_start_month) for q in scenario.quarters]
    return periods[0].start_time.date(), periods[-1].end_time.date()


def scenario_segments(
    dates: pd.DatetimeIndex, freq: str, scenario: Scenario, fiscal_start_month: int = 1
) -> tuple[Segments, list[str]]:
    """(the scenario's segments, notes on its range); quarters must lie inside the forecast."""
    start, end = scenario_range(scenario, fiscal_start_month)
    plans: list[PriceChange | Promotion] = [*scenario.price_changes, *scenario.promotions]
    cuts = [day for item in plans for day in (item.start, _after(item.end)) if day is not None]
    seg = segments(dates, freq, start, end, cuts, fiscal_start_month)
    forecast_last = (period_bounds(dates, freq)[1][-1] - _DAY).date()
    asked = (start or seg.first_day.date(), end or seg.last_day.date())
    notes = []
    if asked != (seg.first_day.date(), seg.last_day.date()):
        if scenario.quarters:
            raise DataError(
                f"quarters {', '.join(scenario.quarters)} run from {asked[0]} to {asked[1]}, "
                f"beyond the forecast ({dates[0].date()} to {forecast_last}): a what-if "
                "covers forecast periods only",
                "quarters",
            )
        notes.append(
            f"the scenario's range {asked[0]} to {asked[1]} reaches beyond the forecast "
            f"({dates[0].date()} to {forecast_last}): results cover {seg.first_day.date()} "
            f"to {seg.last_day.date()}"
        )
    covered = np.rint(seg.days @ seg.quarter_weights)
    for label, days in zip(seg.quarter_labels, covered, strict=True):
        quarter = parse_quarter(label, fiscal_start_month)
        length = (quarter.end_time.normalize() - quarter.start_time).days + 1
        if days < length:
            notes.append(
                f"{label} is partial: {days:.0f} of its {length} days lie inside the scenario's "
                "range and the forecast (see the days column)"
            )
    return seg, notes


def _after(day: dt.date | None) -> dt.date | None:
    return None if day is None else day + dt.timedelta(days=1)
