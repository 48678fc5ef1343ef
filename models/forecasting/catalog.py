"""The forecaster catalog: every candidate the selection can use, and the named presets.

A forecaster joins by one `register(...)` line in its own module, under its class; the catalog
imports every module of this package, so the job, the presets' checks and the CLI help all see
it. Roles: "baseline" models are compared but never averaged, "local" models fit one series at
a time (work is split across series), "global" models fit all series at once, "intermittent"
models forecast demand rates and are only chosen for series with many zeros (never averaged).

Combinations are named too: 'ensemble' is the mean of every non-baseline candidate, 'scum' the
median of the SCUM members present (statsforecast ETS, CES, ARIMA, DOTM; at least two).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Any, Literal

from sklearn.base import clone

from engine.core.calendar import season_length
from engine.core.errors import DataError

Role = Literal["baseline", "local", "global", "intermittent"]
ENSEMBLE = "ensemble"
SCUM = "scum"
COMBINATIONS = (ENSEMBLE, SCUM)
SCUM_MEMBERS = ("auto_ets", "auto_ces", "auto_arima", "dotm")
NOT_AVERAGED: tuple[Role, ...] = ("baseline", "intermittent")
COMBINATION_ONLY = ("window_gbm", "window_mlp")
"""Averaged into combinations but never a series' model on its own when a combination runs.
The window model looked the best single candidate in M3 quarterly backtests (mean MASE 2.68
against theta's 2.77) and was the worst alone on the test (9.381 / 1.200). It had been chosen
alone for 154 of 756 series; as a member only, all 756 went 8.996 / 1.097 -> 8.984 / 1.084 (with
margin 0.5). Its worth is how differently it errs. The network window model (`window_mlp`) is
kept the same way: alone it is weaker than theta (all M3 quarterly 9.255 / 1.218), in the mean it
helps (below)."""


@dataclass(frozen=True)
class Candidate:
    """A named, unfitted forecaster and what it is."""

    name: str
    estimator: Any
    role: Role
    summary: str


_REGISTRY: dict[str, Candidate] = {}
_DISCOVERED: list[bool] = []

INTERMITTENT = ["croston_sba", "tsb", "adida", "imapa"]
PRESETS: dict[str, list[str]] = {
    "baseline": ["seasonal_naive"],
    "fast": ["naive", "seasonal_naive", "theta", "gbm", ENSEMBLE],
    "standard": ["naive", "seasonal_naive", "theta", "ets", "gbm", *INTERMITTENT, ENSEMBLE],
    "full": [
        "naive",
        "seasonal_naive",
        "theta",
        "ets_auto",
        "auto_ets",
        "auto_ces",
        "dotm",
        "gbm",
        *INTERMITTENT,
        ENSEMBLE,
        SCUM,
    ],
}
"""Model-selection settings: tests use 'fast', the demo 'standard', benchmarks 'full'.

The intermittent-demand models cost next to nothing (they fit only series with many zeros);
AutoARIMA is registered but in no preset: it alone costs several times statsforecast AutoETS."""
NATIVE_SEASON_PRESETS: dict[str, list[str]] = {
    "standard": [
        "seasonal_naive",
        "theta",
        "auto_ets",
        "dotm",
        "gbm",
        "window_gbm",
        "window_mlp",
        *INTERMITTENT,
        ENSEMBLE,
    ],
}
"""Presets for data whose season statsforecast's models handle themselves (up to 24 periods:
every frequency but weekly): AutoETS (error, trend and season chosen by AICc) instead of simple
exponential smoothing, plus the optimized Theta (DOTM). The global model joins them only when
the data carry drivers (prices, promotions) for it to learn from: without any, on M3 yearly,
quarterly and monthly, it lowered no sMAPE or MASE and cost time, so it is left out. Weekly data
keep PRESETS: on OJ, AutoETS raised the quarter-total WAPE from 0.336 to 0.403, and the global
model carries OJ even with its drivers removed (weekly WAPE 1.155 with it, 1.465 without).
The last-value baseline `naive` is left out too: on seasonal data it ignores the season, and
without one it is the seasonal naive. Where a series' three backtest windows happened to favour
it, it lost on the test: without it all 756 M3 quarterly series went from sMAPE / MASE 9.312 /
1.125 to 9.120 / 1.106, all 1428 monthly 13.676 / 0.850 to 13.631 / 0.850 (yearly unchanged).
The window model (`window_gbm`, one LightGBM across all series on their level-scaled recent
history) needs no drivers and errs unlike the per-series models: alone it is the weakest
candidate on M3 quarterly (9.381 / 1.200), yet the mean of theta, AutoETS and DOTM went from
9.094 / 1.093 to 8.873 / 1.068 with it. The network window model (`window_mlp`, a small MLP
mapping the same scaled window to the whole next block) errs differently again: with it the
default went, on all 756 M3 quarterly series, from 8.925 / 1.080 to 8.894 / 1.080 and on all
1428 monthly from 13.312 / 0.829 to 13.247 / 0.828. Measured in bench/forecast_accuracy.py."""
MAX_NATIVE_SEASON = 24
DRIVER_LED = ("gbm",)
"""Left out of the native-season presets when the data carry no drivers (see above)."""
NON_SEASONAL_LEFT_OUT = ("theta", "window_gbm", "window_mlp")
"""Left out of the native-season presets for data without a season (yearly). There the Theta
method is DOTM with its theta fixed at 2 and no dynamics, a special case of a candidate already
present, and the ensemble then gives that family two votes of three. On M3 yearly (all 645
series) the default went from sMAPE / MASE 15.916 / 2.613 to 15.688 / 2.568. Seasonal data keep
it: without it (measured with `naive` still in) all 756 quarterly series went 9.312 / 1.125 ->
9.451 / 1.146 and all 1428 monthly 13.676 / 0.850 -> 13.805 / 0.854, and with `naive` out as
well, quarterly 9.120 / 1.106 -> 9.405 / 1.138. The window model lowered yearly sMAPE but
raised MASE (all 645: 15.546 / 2.627 with it, above AutoTheta's 2.597), so yearly data leave
it out too; so did the network window model (15.426 / 2.634 with it). Measured in
bench/forecast_accuracy.py."""


def register(name: str, estimator: Any, role: Role, summary: str) -> None:
    """Add a forecaster under a name (called once, in the module that defines its class)."""
    if name in _REGISTRY or name in COMBINATIONS:
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


def role_of(name: str) -> Role | None:
    """A registered forecaster's role (None for combinations and unknown names)."""
    found = candidates().get(name)
    return None if found is None else found.role


def preset_names(selection: str, freq: str | None = None, drivers: bool = True) -> list[str]:
    """A preset's candidates for data of frequency `freq`, with or without drivers (see
    NATIVE_SEASON_PRESETS and NON_SEASONAL_LEFT_OUT); empty when `selection` is not a preset."""
    season = season_length(freq) if freq is not None else None
    if season is None or season > MAX_NATIVE_SEASON or selection not in NATIVE_SEASON_PRESETS:
        return list(PRESETS.get(selection, []))
    names = NATIVE_SEASON_PRESETS[selection]
    if season == 1:
        names = [n for n in names if n not in NON_SEASONAL_LEFT_OUT]
    return list(names) if drivers else [n for n in names if n not in DRIVER_LED]


def candidate_names(selection: str, freq: str | None = None, drivers: bool = True) -> list[str]:
    """A preset name or a comma list of candidate names (plus 'ensemble' or 'scum'); a preset
    follows the data's frequency and whether it has drivers (`preset_names`)."""
    known = candidates()
    names = preset_names(selection, freq, drivers)
    names = names or [s.strip() for s in selection.split(",") if s.strip()]
    unknown = [n for n in names if n not in known and n not in COMBINATIONS]
    if unknown or not names:
        choices = ", ".join([*PRESETS, *known, *COMBINATIONS])
        raise DataError(
            f"unknown model '{unknown[0] if unknown else selection}' ({choices})", "models"
        )
    return names


def candidate_specs(
    selection: str, freq: str | None = None, drivers: bool = True
) -> dict[str, Any]:
    """Unfitted estimators by name, then each combination with at least two members."""
    from models.forecasting.ensemble import Ensemble

    known = candidates()
    names = candidate_names(selection, freq, drivers)
    specs = {n: clone(known[n].estimator) for n in names if n not in COMBINATIONS}
    for combo in COMBINATIONS:
        if combo in names:
            members, how = combination_members(specs, combo)
            if len(members) >= 2:
                specs[combo] = Ensemble(members=[clone(specs[n]) for n in members], combine=how)
    return specs


def combination_members(specs: dict[str, Any], combo: str) -> tuple[list[str], str]:
    """The candidates in `specs` a combination combines, and how ('mean' or 'median')."""
    direct = [n for n in specs if n not in COMBINATIONS]
    if combo == SCUM:
        return [n for n in direct if n in SCUM_MEMBERS], "median"
    return [n for n in direct if role_of(n) not in NOT_AVERAGED], "mean"


def combinations_in(specs: dict[str, Any]) -> dict[str, tuple[list[str], str]]:
    """Every combination in `specs` with at least two members there: name -> (members, how)."""
    out = {}
    for combo in COMBINATIONS:
        if combo in specs:
            members, how = combination_members(specs, combo)
            if len(members) >= 2:
                out[combo] = (members, how)
    return out


def selection_help() -> str:
    """The --models help text, generated from the presets and the registered forecasters."""
    listed = ", ".join(f"{c.name} ({c.summary})" for c in candidates().values())
    return (
        f"Model-selection setting: {', '.join(PRESETS)}, or a comma list of forecasters "
        f"plus '{ENSEMBLE}' (mean) or '{SCUM}' (median of {', '.join(SCUM_MEMBERS)}): {listed}."
    )
