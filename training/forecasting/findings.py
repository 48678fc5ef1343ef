"""A forecast run's findings: the data contract's, plus series the local models fall back on.

Reported once per run, by name (the first few and a count), instead of once per fitted window.
"""

from __future__ import annotations

from collections import Counter

from engine.core.contracts import Finding, Findings, SalesHistory
from engine.core.contracts.findings import name_some, series_labels
from engine.core.panel import Panel
from engine.forecasting.windows import make_windows
from models.forecasting.catalog import candidate_names, candidates
from models.forecasting.local import fallback_series


def fallback_finding(
    panel: Panel, keys: list[str], selection: str, n_windows: int = 3
) -> Finding | None:
    """Series every local candidate of `selection` forecasts with a simple fallback, by name.

    None when no local model runs: none selected, or a history too short to backtest (then
    every series gets the seasonal naive forecast, which the orchestrator says).
    """
    if not make_windows(panel.n_periods, panel.freq, n_windows):
        return None
    roles = candidates()
    names = candidate_names(selection, panel.freq, drivers=bool(panel.exog))
    local = [n for n in names if n in roles and roles[n].role == "local"]
    if not local:
        return None
    rows = fallback_series(panel)
    if any(n in roles and roles[n].role == "intermittent" for n in names):
        # those series get an intermittent-demand model (Croston SBA, TSB, ADIDA, IMAPA)
        rows = {i: reason for i, reason in rows.items() if reason != "intermittent"}
    if not rows:
        return None
    labels = series_labels(panel.index, keys)
    named = [f"{labels[i]} ({reason})" for i, reason in rows.items()]
    common = Counter(rows.values()).most_common(1)[0][0]
    return Finding(
        "fallback",
        f"{len(rows)} of {panel.n_series} series are too short, constant or intermittent for "
        f"{', '.join(local)} (mostly {common}): those models give them a simple forecast "
        f"(seasonal naive, last value or recent mean): {name_some(named)}",
        tuple(labels[i] for i in rows),
    )


def run_findings(
    history: SalesHistory, panel: Panel, selection: str, n_windows: int = 3
) -> Findings:
    """The keys taken by default, the history's findings and the run's fallbacks, in order."""
    fallback = fallback_finding(panel, history.series_keys, selection, n_windows)
    return Findings().plus(history.keys_note()).plus(*history.findings, fallback)


def treatment_params(history: SalesHistory, requested: int, horizon: int) -> dict[str, object]:
    """Run parameters saying how the data was read and what was done about its last period."""
    last = history.last_period
    return {
        "date_format": history.date_format,
        "key_reasons": history.keys_summary(),
        "last_period": (
            f"partial {last.start.date()}: dropped, horizon {requested} -> {horizon}"
            if last is not None and last.partial
            else "complete"
        ),
    }
