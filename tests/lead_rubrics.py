"""Rubric documents for tests: the TOML file's shape from a name, tier points and rules."""

from __future__ import annotations

from typing import Any

from models.leads.tiers import TIERS


def rubric_doc(
    name: str,
    tiers: tuple[int, int, int],
    rules: dict[str, int],
    decay_per_week: float | None = None,
) -> dict[str, Any]:
    """{name, decay_per_week (when given), tiers {warm, hot, sales-qualified}, rules [{when,
    points}]}: tier points in that order, rules as {condition: points}."""
    doc: dict[str, Any] = {"name": name}
    if decay_per_week is not None:
        doc["decay_per_week"] = decay_per_week
    doc["tiers"] = dict(zip(TIERS[1:], tiers, strict=True))
    doc["rules"] = [{"when": when, "points": points} for when, points in rules.items()]
    return doc
