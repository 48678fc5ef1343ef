"""The candidate forecasters and the named selection presets the job chooses among."""

from __future__ import annotations

from typing import Any

from sklearn.base import clone

from engine.errors import DataError
from models.forecasters import ARIMA, ETS, Ensemble, GlobalGBM, Naive, SeasonalNaive, Theta

BASE_CANDIDATES: dict[str, Any] = {
    "naive": Naive(),
    "seasonal_naive": SeasonalNaive(),
    "theta": Theta(),
    "ets": ETS(trend=None),
    "ets_auto": ETS(trend="auto"),
    "arima": ARIMA(order=(1, 1, 1)),
    "gbm": GlobalGBM(),
}
GLOBAL = {"gbm"}
BASELINES = {"naive", "seasonal_naive"}

PRESETS: dict[str, list[str]] = {
    "baseline": ["seasonal_naive"],
    "fast": ["naive", "seasonal_naive", "theta", "gbm", "ensemble"],
    "standard": ["naive", "seasonal_naive", "theta", "ets", "gbm", "ensemble"],
    "full": ["naive", "seasonal_naive", "theta", "ets_auto", "arima", "gbm", "ensemble"],
}
"""Model-selection settings: tests use 'fast', the demo 'standard', benchmarks 'full'."""


def candidate_names(selection: str) -> list[str]:
    """A preset name or a comma list of candidate names (plus 'ensemble')."""
    names = PRESETS.get(selection) or [s.strip() for s in selection.split(",") if s.strip()]
    unknown = [n for n in names if n not in BASE_CANDIDATES and n != "ensemble"]
    if unknown or not names:
        known = ", ".join([*PRESETS, *BASE_CANDIDATES, "ensemble"])
        raise DataError(
            f"unknown model '{unknown[0] if unknown else selection}' ({known})", "models"
        )
    return names


def candidate_specs(selection: str) -> dict[str, Any]:
    """Unfitted estimators by name; the ensemble averages every non-baseline candidate."""
    names = candidate_names(selection)
    specs = {n: clone(BASE_CANDIDATES[n]) for n in names if n != "ensemble"}
    if "ensemble" in names:
        members = [n for n in specs if n not in BASELINES]
        if len(members) >= 2:
            specs["ensemble"] = Ensemble(members=[clone(specs[n]) for n in members])
    return specs


def ensemble_members(specs: dict[str, Any]) -> list[str]:
    """Names of the candidates the ensemble combines."""
    members = [n for n in specs if n not in BASELINES and n != "ensemble"]
    return members if "ensemble" in specs else []
