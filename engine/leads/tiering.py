"""Both scores side by side: the rubric's points (with the rules that fired) and the model's
probability (with its reasons), and the one deployment setting that says which sets the tier.

`rubric` (the default) lets the active rubric set the tier once marketing and sales have both
signed one, and the model before that; `model` always lets the model's score set it. Each
answer says which one did (`tier_source`), so nobody has to guess why a lead is hot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.core.errors import DataError
from engine.leads.rubric import Rubric

TIER_SOURCES = ("rubric", "model")


@dataclass(frozen=True)
class ActiveRubric:
    """The rubric version both teams signed, as scoring uses it."""

    version: int
    rubric: Rubric


def deciding_source(setting: str, active: ActiveRubric | None) -> str:
    """'rubric vN' or 'model': who sets the tier under this setting, given the active rubric."""
    if setting not in TIER_SOURCES:
        raise DataError(
            f"lead tier source must be one of {', '.join(TIER_SOURCES)}, got '{setting}'",
            "lead_tier_source",
        )
    if setting == "rubric" and active is not None:
        return f"rubric v{active.version}"
    return "model"


def with_rubric(
    scored: pd.DataFrame,
    frame: pd.DataFrame,
    active: ActiveRubric | None,
    setting: str,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Model-scored leads (a `row` column into `frame`) plus the rubric's view and the tier.

    Adds model_tier (the model's own tier), points, decay, rubric_version, rubric_tier,
    rules_fired ([{rule, points}]) and tier_source, and sets `tier` to the deciding one's tier.
    """
    source = deciding_source(setting, active)
    out = scored.copy()
    out["model_tier"] = out["tier"].astype(str).to_numpy() if len(out) else []
    if active is None or out.empty:
        out["points"] = None
        out["decay"] = None
        out["rubric_version"] = None
        out["rubric_tier"] = None
        out["rules_fired"] = [[] for _ in range(len(out))]
        out["tier_source"] = source
        return out
    rows = frame.reset_index(drop=True).iloc[out["row"].to_numpy(dtype=int)]
    result = active.rubric.evaluate(rows.reset_index(drop=True), as_of)
    out["points"] = result.points.astype(int)
    out["decay"] = result.decay.astype(int)
    out["rubric_version"] = active.version
    out["rubric_tier"] = np.asarray(result.tiers, dtype=str)
    out["rules_fired"] = [fired_list(lines) for lines in result.fired]
    if source != "model":
        out["tier"] = out["rubric_tier"].to_numpy()
    out["tier_source"] = source
    return out


def rubric_only(
    frame: pd.DataFrame, active: ActiveRubric, as_of: pd.Timestamp | None = None
) -> dict[str, Any]:
    """One lead's rubric view (points, decay, tier, rules fired) for the event path."""
    result = active.rubric.evaluate(frame.reset_index(drop=True), as_of)
    return {
        "points": int(result.points[0]),
        "decay": int(result.decay[0]),
        "rubric_version": active.version,
        "rubric_tier": str(result.tiers[0]),
        "rules_fired": fired_list(result.fired[0]),
    }


def fired_list(lines: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """Rules that fired as [{rule, points}] (the API shape)."""
    return [{"rule": text, "points": int(points)} for text, points in lines]


def fired_text(fired: list[dict[str, Any]]) -> str:
    """Rules that fired as one CSV cell: 'downloads >= 1 (+15); source = referral (+10)'."""
    return "; ".join(f"{f['rule']} ({int(f['points']):+d})" for f in fired)
