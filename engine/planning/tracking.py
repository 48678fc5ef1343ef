"""Plan against actuals: quarter-to-date units, the run rate projected to quarter end, warnings.

Actual periods are split across quarters by day (a week straddling two quarters counts its
days in each), the same rule the forecast uses. The projection is the quarter-to-date total
divided by the share of the quarter's days the loaded periods cover (days covered by any
series; `series_reporting` says how many of a group's series have actuals in the quarter).
A warning is raised when that projection falls outside the plan's 80% band: the statistical
band scaled by plan / forecast, so a planner's +5% moves the band with the number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.core.calendar import period_offset, quarter_label, quarter_weights
from engine.planning.hierarchy import Hierarchy


@dataclass(frozen=True)
class QuarterActuals:
    """Per group and quarter: units so far, how many days they cover, series reporting."""

    units: np.ndarray  # groups x quarters
    days_covered: np.ndarray  # quarters
    days_in_quarter: np.ndarray  # quarters
    reporting: np.ndarray  # groups x quarters: bottom series with any actual in the quarter

    @property
    def share(self) -> np.ndarray:
        """Share of each quarter's days covered by the actuals (0..1)."""
        return np.clip(self.days_covered / self.days_in_quarter, 0.0, 1.0)

    @property
    def complete(self) -> np.ndarray:
        """Quarters whose every day is covered by actuals."""
        return self.days_covered >= self.days_in_quarter


def days_in(quarter: pd.Period) -> int:
    """Calendar days in a quarter."""
    return int((quarter.end_time.normalize() - quarter.start_time).days) + 1


def quarter_actuals(
    hierarchy: Hierarchy,
    actuals: pd.DataFrame,
    quarters: list[pd.Period],
    freq: str,
    fiscal_start_month: int,
) -> QuarterActuals:
    """Sum actuals (`series` = bottom row number, `date`, `units`) into groups and quarters."""
    n_series, n_q = len(hierarchy.series), len(quarters)
    per_series = np.zeros((n_series, n_q))
    seen = np.zeros((n_series, n_q), dtype=bool)
    covered = np.zeros(n_q)
    if len(actuals):
        dates = pd.DatetimeIndex(pd.to_datetime(actuals["date"]))
        distinct = dates.unique().sort_values()
        weights = quarter_weights(distinct, freq, fiscal_start_month)
        weights = weights.reindex(columns=pd.PeriodIndex(quarters), fill_value=0.0)
        row_w = weights.to_numpy()[distinct.get_indexer(dates)]  # rows x quarters
        series = actuals["series"].to_numpy(dtype=int)
        units = actuals["units"].to_numpy(dtype=float)
        np.add.at(per_series, series, units[:, None] * row_w)
        np.logical_or.at(seen, series, row_w > 0)
        starts = distinct.values
        ends = (distinct + period_offset(freq)).values
        for j, quarter in enumerate(quarters):
            q_start = np.datetime64(quarter.start_time.normalize())
            q_end = np.datetime64(quarter.end_time.normalize() + pd.Timedelta(1, "D"))
            overlap = np.minimum(ends, q_end) - np.maximum(starts, q_start)
            covered[j] = overlap[overlap > np.timedelta64(0)].sum() / np.timedelta64(1, "D")
    members = hierarchy.members.astype(float)
    return QuarterActuals(
        units=members @ per_series,
        days_covered=covered,
        days_in_quarter=np.array([days_in(q) for q in quarters], dtype=float),
        reporting=(members @ seen.astype(float)).astype(int),
    )


def plan_band(value: np.ndarray, baseline: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple:
    """The statistical band moved with the plan: scaled by plan / forecast (shifted at zero)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(baseline > 0, value / baseline, 1.0)
    shift = np.where(baseline > 0, 0.0, value - baseline)
    return lo * ratio + shift, hi * ratio + shift


def tracking_table(
    hierarchy: Hierarchy,
    quarters: list[pd.Period],
    cells: pd.DataFrame,
    found: QuarterActuals,
) -> pd.DataFrame:
    """Per cell: plan, forecast, plan band, actual to date, projection, variance and warning.

    `cells` holds one row per (position, quarter label) with value, baseline, lo_80, hi_80.
    """
    labels = [quarter_label(q) for q in quarters]
    column = {label: j for j, label in enumerate(labels)}
    pos = cells["position"].to_numpy(dtype=int)
    q = cells["quarter"].map(column).to_numpy(dtype=int)
    value = cells["value"].to_numpy(dtype=float)
    baseline = cells["baseline"].to_numpy(dtype=float)
    lo, hi = plan_band(
        value, baseline, cells["lo_80"].to_numpy(dtype=float), cells["hi_80"].to_numpy(dtype=float)
    )
    actual = found.units[pos, q]
    share = found.share[q]
    with np.errstate(divide="ignore", invalid="ignore"):
        projection = np.where(share > 0, actual / share, np.nan)
        variance_pct = np.where(value > 0, 100.0 * (projection - value) / value, np.nan)
    status = np.where(share <= 0, "not started", np.where(share >= 1, "complete", "in progress"))
    warning = (share > 0) & ((projection < lo) | (projection > hi))
    out = pd.DataFrame(
        {
            "position": pos,
            "quarter": cells["quarter"].to_numpy(),
            "plan": value,
            "forecast": baseline,
            "plan_lo_80": lo,
            "plan_hi_80": hi,
            "actual_to_date": actual,
            "days_covered": found.days_covered[q],
            "days_in_quarter": found.days_in_quarter[q],
            "projection": projection,
            "variance": projection - value,
            "variance_pct": variance_pct,
            "status": status,
            "warning": warning,
            "series_reporting": found.reporting[pos, q],
            "series_total": hierarchy.members.sum(axis=1)[pos],
        }
    )
    return out
