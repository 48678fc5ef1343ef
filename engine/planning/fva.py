"""Forecast value added: did the statistical forecast beat the naive one, and the plan beat both?

For each quarter whose every day has actuals, per level: the weighted absolute percentage
error (WAPE = sum |forecast - actual| / sum actual) of the seasonal naive forecast (the same
quarter a year earlier), of the statistical baseline and of the final approved plan. Value
added is the drop in WAPE (positive: the later step helped). Per override reason: the same
comparison over the cells planners overrode with that reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def wape(forecast: np.ndarray, actual: np.ndarray) -> float | None:
    """sum |forecast - actual| / sum actual; None when there is nothing to compare against."""
    ok = np.isfinite(forecast) & np.isfinite(actual)
    total = float(actual[ok].sum())
    if not ok.any() or total <= 0:
        return None
    return float(np.abs(forecast[ok] - actual[ok]).sum() / total)


def _gain(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else before - after


def fva_by_level(cells: pd.DataFrame) -> pd.DataFrame:
    """Per level and quarter: WAPE of naive, statistical and plan, and the value each step adds.

    `cells` has level, quarter, actual, naive (NaN when last year is missing), forecast, plan.
    """
    rows = []
    for (level, quarter), part in cells.groupby(["level", "quarter"], sort=False):
        actual = part["actual"].to_numpy(dtype=float)
        naive = wape(part["naive"].to_numpy(dtype=float), actual)
        stat = wape(part["forecast"].to_numpy(dtype=float), actual)
        plan = wape(part["plan"].to_numpy(dtype=float), actual)
        rows.append(
            {
                "level": level,
                "quarter": quarter,
                "cells": len(part),
                "actual": float(actual.sum()),
                "naive_wape": naive,
                "forecast_wape": stat,
                "plan_wape": plan,
                "forecast_value_added": _gain(naive, stat),
                "plan_value_added": _gain(stat, plan),
            }
        )
    return pd.DataFrame(rows)


def fva_by_reason(overridden: pd.DataFrame) -> pd.DataFrame:
    """Per override reason: the overridden cells' WAPE before (forecast) and after (plan).

    `overridden` has reason, actual, forecast, plan: one row per overridden cell.
    """
    rows = []
    for reason, part in overridden.groupby("reason", sort=True):
        actual = part["actual"].to_numpy(dtype=float)
        forecast = part["forecast"].to_numpy(dtype=float)
        plan = part["plan"].to_numpy(dtype=float)
        stat, planned = wape(forecast, actual), wape(plan, actual)
        rows.append(
            {
                "reason": reason,
                "cells": len(part),
                "forecast_wape": stat,
                "plan_wape": planned,
                "plan_value_added": _gain(stat, planned),
                "cells_improved": int((np.abs(plan - actual) < np.abs(forecast - actual)).sum()),
            }
        )
    return pd.DataFrame(rows)
