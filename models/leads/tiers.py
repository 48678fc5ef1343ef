"""Lead tiers both departments agree on: thresholds on the 0-100 score people see.

A tier is a function of the displayed (whole-number) score only, so two leads with the same score
always share a tier and a higher score never has a lower tier. Defaults come from precision
targets on validation leads: a tier's threshold is the lowest score at which the leads scoring at
or above it convert at least at the target rate. Targets sit a fixed share of the way from the
base rate to certainty, so they suit any base rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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
    """Scores (0-100) at which a lead becomes warm, hot and sales-qualified, and why."""

    warm: int
    hot: int
    sales_qualified: int
    source: str = "given"
    targets: dict[str, float] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Payloads saved before thresholds were scores held probabilities: convert them."""
        if isinstance(state.get("warm"), float):
            for name in ("warm", "hot", "sales_qualified"):
                state[name] = points_of(state[name])
        self.__dict__.update(state)

    def as_dict(self) -> dict[str, int]:
        return {"warm": self.warm, "hot": self.hot, "sales-qualified": self.sales_qualified}

    def assign(self, score: np.ndarray) -> np.ndarray:
        """Tier name per whole-number score: monotone in the score, equal scores alike."""
        s = np.asarray(score)
        idx = (
            (s >= self.warm).astype(int)
            + (s >= self.hot).astype(int)
            + (s >= self.sales_qualified).astype(int)
        )
        return np.asarray(TIERS, dtype=object)[idx]

    def describe(self) -> str:
        """One line for the run and the CLI: thresholds and the targets behind them."""
        parts = [f"{k} >= {v}" for k, v in self.as_dict().items()]
        text = "tiers by score: " + ", ".join(parts) + f" ({self.source}"
        if self.targets:
            text += "; precision targets " + ", ".join(
                f"{k} {v:.0%}" for k, v in self.targets.items()
            )
        return text + ")"


def points_of(probability: float) -> int:
    """A probability threshold as a score threshold: the lowest whole score that reaches it."""
    return int(math.ceil(round(probability * 100, 9)))


def parse_thresholds(spec: str) -> TierThresholds:
    """'warm=0.2,hot=0.4,sales-qualified=0.6' (fractions or percents) -> score thresholds."""
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
        if not 0.0 <= value <= 1.0:
            raise DataError(f"tier threshold {name}={raw} must be between 0 and 1", "tiers")
        values[name] = value
    missing = [t for t in TIERS[1:] if t not in values]
    if missing:
        raise DataError(f"tier '{missing[0]}' has no threshold", "tiers")
    return make_thresholds(
        points_of(values["warm"]),
        points_of(values["hot"]),
        points_of(values["sales-qualified"]),
        "given",
    )


def make_thresholds(
    warm: int,
    hot: int,
    sales_qualified: int,
    source: str = "given",
    lowest: int = 0,
    highest: int = 100,
    **kw: Any,
) -> TierThresholds:
    """Checked thresholds: each in lowest..highest (the 0-100 score by default; rubric points
    have a wider range) and warm <= hot <= sales-qualified."""
    for name, value in (("warm", warm), ("hot", hot), ("sales-qualified", sales_qualified)):
        if not lowest <= value <= highest:
            what = (
                "a score from 0 to 100"
                if (lowest, highest) == (0, 100)
                else (f"between {lowest} and {highest}")
            )
            raise DataError(f"tier threshold {name}={value} must be {what}", "tiers")
    if not warm <= hot <= sales_qualified:
        raise DataError("tier thresholds must rise: warm <= hot <= sales-qualified", "tiers")
    return TierThresholds(int(warm), int(hot), int(sales_qualified), source, **kw)


def thresholds_from_precision(
    y: np.ndarray,
    score: np.ndarray,
    shares: dict[str, float] | None = None,
    lowest: int = 0,
    highest: int = 100,
) -> TierThresholds:
    """Default thresholds: lowest score whose leads at or above meet each precision target.

    `score` is any whole-number score (the 0-100 model score, or rubric points with the wider
    `lowest`..`highest` range)."""
    y = np.asarray(y, dtype=float)
    score = np.asarray(score)
    shares = shares or TARGET_SHARE
    base = float(y.mean())
    order = np.argsort(-score, kind="stable")
    ss, ys = score[order], y[order]
    precision = np.cumsum(ys) / np.arange(1, len(ys) + 1)
    # only cut where the score changes, so tied leads fall in the same tier
    last_of_tie = np.r_[ss[1:] != ss[:-1], True]
    targets, chosen, fell_back = {}, {}, []
    for name in TIERS[1:]:
        target = base + shares[name] * (1.0 - base)
        targets[name] = round(target, 4)
        ok = np.flatnonzero(last_of_tie & (precision >= target))
        ok = ok[ok + 1 >= MIN_SUPPORT]
        if ok.size:
            chosen[name] = int(ss[ok[-1]])
        else:
            k = max(1, int(np.ceil(FALLBACK_TOP[name] * len(ss))))
            chosen[name] = int(ss[min(k, len(ss)) - 1])
            fell_back.append(name)
    warm = chosen["warm"]
    hot = max(chosen["hot"], warm)
    sql = max(chosen["sales-qualified"], hot)
    source = "precision targets on validation"
    if fell_back:
        source += f" (top-share fallback for {', '.join(fell_back)})"
    return make_thresholds(warm, hot, sql, source, lowest, highest, targets=targets)
