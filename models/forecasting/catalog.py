"""The forecaster catalog: every candidate the selection can use, and the named presets.

A forecaster joins by one `register(...)` line in its own module, under its class; the catalog
imports every module of this package, so the job, the presets' checks and the CLI help all see
it. Roles: "baseline" models are compared but never averaged, "local" models fit one series at
a time (work is split across series), "global" models fit all series at once.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Literal

from sklearn.base import clone

from engine.core.errors import DataError

Role = Literal["baseline", "local", "global"]
ENSEMBLE = "ensemble"


@dataclass(frozen=True)
class Candidate:
    """A named, unfitted forecaster and what it is."""

    name: str
    estimator: Any
    role: Role
    summary: str


_REGISTRY: dict[str, Candidate] = {}
_DISCOVERED: list[bool] = []

PRESETS: dict[str, list[str]] = {
    "baseline": ["seasonal_naive"],
    "fast": ["naive", "seasonal_naive", "theta", "gbm", ENSEMBLE],
    "standard": ["naive", "seasonal_naive", "theta", "ets", "gbm", ENSEMBLE],
    "full": ["naive", "seasonal_naive", "theta", "ets_auto", "arima", "gbm", ENSEMBLE],
}
"""Model-selection settings: tests use 'fast', the demo 'standard', benchmarks 'full'."""


def register(name: str, estimator: Any, role: Role, summary: str) -> None:
    """Add a forecaster under a name (called once, in the module that defines its class)."""
    if name in _REGISTRY or name == ENSEMBLE:
        raise ValueError(f"forecaster name '{name}' is taken")
    _REGISTRY[name] = Candidate(name, estimator, role, summary)


def candidates() -> dict[str, Candidate]:
    """Every registered forecaster by name (importing this package's modules on first use)."""
    if not _DISCOVERED:
        package = importlib.import_module("models.forecasting")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"models.forecasting.{module.name}")
        _DISCOVERED.append(True)
    return dict(_REGISTRY)


def is_global(name: str) -> bool:
    """True for forecasters fitted on all series at once (not split into series chunks)."""
    found = candidates().get(name)
    return found is not None and found.role == "global"


def candidate_names(selection: str) -> list[str]:
    """A preset name or a comma list of candidate names (plus 'ensemble')."""
    known = candidates()
    names = PRESETS.get(selection) or [s.strip() for s in selection.split(",") if s.strip()]
    unknown = [n for n in names if n not in known and n != ENSEMBLE]
    if unknown or not names:
        choices = ", ".join([*PRESETS, *known, ENSEMBLE])
        raise DataError(
            f"unknown model '{unknown[0] if unknown else selection}' ({choices})", "models"
        )
    return names


def candidate_specs(selection: str) -> dict[str, Any]:
    """Unfitted estimators by name; the ensemble averages every non-baseline candidate."""
    from models.forecasting.ensemble import Ensemble

    known = candidates()
    names = candidate_names(selection)
    specs = {n: clone(known[n].estimator) for n in names if n != ENSEMBLE}
    if ENSEMBLE in names:
        members = [n for n in specs if known[n].role != "baseline"]
        if len(members) >= 2:
            specs[ENSEMBLE] = Ensemble(members=[clone(specs[n]) for n in members])
    return specs


def ensemble_members(specs: dict[str, Any]) -> list[str]:
    """Names of the candidates the ensemble combines."""
    if ENSEMBLE not in specs:
        return []
    known = candidates()
    return [n for n in specs if n != ENSEMBLE and known[n].role != "baseline"]


def selection_help() -> str:
    """The --models help text, generated from the presets and the registered forecasters."""
    listed = ", ".join(f"{c.name} ({c.summary})" for c in candidates().values())
    return (
        f"Model-selection setting: {', '.join(PRESETS)}, or a comma list of forecasters "
        f"plus '{ENSEMBLE}': {listed}."
    )
