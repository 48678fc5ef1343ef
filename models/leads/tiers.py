"""Lead tiers both departments agree on: thresholds on the calibrated probability.

Defaults come from precision targets on validation leads: a tier's threshold is the lowest
probability at which the leads at or above it convert at least at the target rate. Targets sit a
fixed share of the way from the base rate to certainty, so they suit any base rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.core.errors import DataError

TIERS = ("cold", "warm", "hot", "sales-qualified")
"""From worst to best; cold is everything below the warm threshold."""

TARGET_SHARE = {"warm": 0.10, "hot": 0.30, "sales-qualified": 0.50}
"""Precision target = base rate + share x (1 - base rate)."""

FALLBACK_TOP = {"warm": 0.40, "hot": 0.15, "sales-qualified": 0.05}
"""When a precision target cannot be met, the tier takes this top share of leads instead."""

MIN_SUPPORT = 30
"""A tier threshold needs at least this many validation leads at or above it."""


@dataclass(frozen=True)
class TierThresholds:
    """Probability thresholds for warm, hot and sales-qualified, and how they were chosen."""

    warm: float
    hot: float
    sales_qualified: float
    source: str = "given"
    targets: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, float]:
        return {"warm": self.warm, "hot": self.hot, "sales-qualified": self.sales_qualified}

    def assign(self, probability: np.ndarray) -> np.ndarray:
        """Tier name per probability."""
        p = np.asarray(probability, dtype=float)
        idx = (
            (p >= self.warm).astype(int)
            + (p >= self.hot).astype(int)
            + (p >= self.sales_qualified).astype(int)
        )
        return np.asarray(TIERS, dtype=object)[idx]

    def describe(self) -> str:
        """One line for the run and the CLI: thresholds and the targets behind them."""
        parts = [f"{k} >= {v:.1%}" for k, v in self.as_dict().items()]
        text = "tiers: " + ", ".join(parts) + f" ({self.source}"
        if self.targets:
            text += "; precision targets " + ", ".join(
                f"{k} {v:.0%}" for k, v in self.targets.items()
            )
        return text + ")"


def parse_thresholds(spec: str) -> TierThresholds:
    """'warm=0.2,hot=0.4,sales-qualified=0.6' (fractions or percents) -> thresholds."""
    values: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise DataError(f"tier '{part}' must look like hot=0.4", "tiers")
        name, raw = (s.strip() for s in part.split("=", 1))
        name = name.lower().replace("_", "-").replace("sql", "sales-qualified")
        if name not in TIERS[1:]:
            raise DataError(f"unknown tier '{name}' (tiers: {', '.join(TIERS[1:])})", "tiers")
        try:
            value = float(raw.rstrip("%")) / (100.0 if raw.endswith("%") else 1.0)
        except ValueError:
            raise DataError(f"tier threshold '{raw}' is not a number", "tiers") from None
        values[name] = value
    missing = [t for t in TIERS[1:] if t not in values]
    if missing:
        raise DataError(f"tier '{missing[0]}' has no threshold", "tiers")
    return make_thresholds(values["warm"], values["hot"], values["sales-qualified"], "given")


def make_thresholds(
    warm: float, hot: float, sales_qualified: float, source: str = "given", **kw: dict
) -> TierThresholds:
    """Checked thresholds: each in [0, 1] and warm <= hot <= sales-qualified."""
    for name, value in (("warm", warm), ("hot", hot), ("sales-qualified", sales_qualified)):
        if not 0.0 <= value <= 1.0:
            raise DataError(f"tier threshold {name}={value} must be between 0 and 1", "tiers")
    if not warm <= hot <= sales_qualified:
        raise DataError("tier thresholds must rise: warm <= hot <= sales-qualified", "tiers")
    return TierThresholds(float(warm), float(hot), float(sales_qualified), source, **kw)


def thresholds_from_precision(
    y: np.ndarray, p: np.ndarray, shares: dict[str, float] | None = None
) -> TierThresholds:
    """Default thresholds: lowest probability whose leads at or above meet each precision target."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    shares = shares or TARGET_SHARE
    base = float(y.mean())
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    precision = np.cumsum(ys) / np.arange(1, len(ys) + 1)
    # only cut where the probability changes, so tied leads fall in the same tier
    last_of_tie = np.r_[ps[1:] != ps[:-1], True]
    targets, chosen, fell_back = {}, {}, []
    for name in TIERS[1:]:
        target = base + shares[name] * (1.0 - base)
        targets[name] = round(target, 4)
        ok = np.flatnonzero(last_of_tie & (precision >= target))
        ok = ok[ok + 1 >= MIN_SUPPORT]
        if ok.size:
            chosen[name] = float(ps[ok[-1]])
        else:
            k = max(1, int(np.ceil(FALLBACK_TOP[name] * len(ps))))
            chosen[name] = float(ps[min(k, len(ps)) - 1])
            fell_back.append(name)
    warm = chosen["warm"]
    hot = max(chosen["hot"], warm)
    sql = max(chosen["sales-qualified"], hot)
    source = "precision targets on validation"
    if fell_back:
        source += f" (top-share fallback for {', '.join(fell_back)})"
    return make_thresholds(warm, hot, sql, source, targets=targets)
