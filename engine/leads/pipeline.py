"""Planners' view of scored leads: expected conversions and pipeline value per quarter and segment.

Each lead converts independently with its calibrated probability, so a group's conversion count
is Poisson-binomial. Intervals come from simulating the leads' outcomes together (count and value
from the same draws); for very large groups the normal approximation of the Poisson-binomial
(mean sum p, variance sum p(1-p), and likewise for value) replaces the simulation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from engine.core.calendar import quarter_label, quarter_of
from engine.core.errors import DataError
from engine.core.intervals import BANDS

N_SIMS = 2000
MAX_SIM_DRAWS = 4_000_000
"""Above leads x simulations per group, the normal approximation is used instead."""


def expected_quarter(
    frame: pd.DataFrame,
    lag_days: float,
    as_of: pd.Timestamp,
    fiscal_start_month: int = 1,
) -> pd.Series:
    """Quarter in which each lead would convert: created + typical lag, never before as_of."""
    if "created_date" in frame.columns:
        created = pd.to_datetime(frame["created_date"], errors="coerce").fillna(as_of)
        when = created + pd.Timedelta(days=float(lag_days))
        when = when.where(when >= as_of, as_of)
    else:
        when = pd.Series(as_of, index=frame.index)
    quarters = quarter_of(pd.DatetimeIndex(when), fiscal_start_month)
    return pd.Series([quarter_label(q) for q in quarters], index=frame.index)


def poisson_binomial_pmf(p: np.ndarray) -> np.ndarray:
    """Exact distribution of the number of successes of independent Bernoulli(p_i) trials."""
    pmf = np.zeros(len(p) + 1)
    pmf[0] = 1.0
    for i, pi in enumerate(np.asarray(p, dtype=float)):
        pmf[1 : i + 2] = pmf[1 : i + 2] * (1 - pi) + pmf[: i + 1] * pi
        pmf[0] *= 1 - pi
    return pmf


def _intervals(
    p: np.ndarray, value: np.ndarray, rng: np.random.Generator, n_sims: int
) -> dict[str, float]:
    """Quantiles of the conversion count and converted value of one group."""
    out: dict[str, float] = {}
    if len(p) * n_sims <= MAX_SIM_DRAWS:
        hits = rng.random((n_sims, len(p))) < p
        counts = hits.sum(axis=1)
        values = hits.astype(float) @ value
        for name, q in BANDS.items():
            out[f"conversions_{name}"] = float(np.quantile(counts, q))
            out[f"value_{name}"] = float(np.quantile(values, q))
        return out
    for prefix, weight in (("conversions", np.ones_like(p)), ("value", value)):
        mean = float((p * weight).sum())
        sd = float(np.sqrt((p * (1 - p) * weight**2).sum()))
        for name, q in BANDS.items():
            out[f"{prefix}_{name}"] = max(0.0, mean + float(norm.ppf(q)) * sd)
    return out


def pipeline_summary(
    scored: pd.DataFrame,
    by: list[str] | None = None,
    lag_days: float = 0.0,
    as_of: pd.Timestamp | None = None,
    fiscal_start_month: int = 1,
    n_sims: int = N_SIMS,
    seed: int = 0,
) -> pd.DataFrame:
    """Per quarter (and segment): leads, expected conversions and value, with 80/95% intervals.

    `scored` needs `probability`; `deal_value` (missing counts as 0) and `created_date` are used
    when present. `by` lists segment columns such as source or region.
    """
    by = list(by or [])
    if "probability" not in scored.columns:
        raise DataError("scored leads need a 'probability' column", "probability")
    unknown = [c for c in by if c not in scored.columns]
    if unknown:
        raise DataError(f"cannot group by '{unknown[0]}': not a column of the leads", unknown[0])
    as_of = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    frame = scored.copy()
    frame["quarter"] = expected_quarter(frame, lag_days, as_of, fiscal_start_month)
    value = (
        pd.to_numeric(frame["deal_value"], errors="coerce").fillna(0.0)
        if "deal_value" in frame.columns
        else pd.Series(0.0, index=frame.index)
    )
    if not np.isfinite(value.to_numpy(dtype=float)).all():
        raise DataError("deal_value must be a finite amount for every lead", "deal_value")
    frame["_value"] = value.to_numpy(dtype=float)
    for col in by:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "(missing)").astype(str)
    rng = np.random.default_rng(seed)
    records = []
    for key, group in frame.groupby([*by, "quarter"], sort=True):
        key = key if isinstance(key, tuple) else (key,)
        p = group["probability"].to_numpy(dtype=float)
        v = group["_value"].to_numpy(dtype=float)
        rec = dict(zip([*by, "quarter"], key, strict=True))
        rec["leads"] = int(len(group))
        rec["expected_conversions"] = float(p.sum())
        rec["expected_value"] = float((p * v).sum())
        rec.update(_intervals(p, v, rng, n_sims))
        records.append(rec)
    columns = [
        *by,
        "quarter",
        "leads",
        "expected_conversions",
        *(f"conversions_{k}" for k in ("lo_95", "lo_80", "hi_80", "hi_95")),
        "expected_value",
        *(f"value_{k}" for k in ("lo_95", "lo_80", "hi_80", "hi_95")),
    ]
    return pd.DataFrame.from_records(records, columns=columns)
