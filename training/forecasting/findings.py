"""A forecast run's findings: the data contract's, reported once per run, by name."""

from __future__ import annotations

from engine.core.contracts import Findings, SalesHistory
from engine.core.panel import Panel


def run_findings(
    history: SalesHistory, panel: Panel, selection: str, n_windows: int = 3
) -> Findings:
    """The history's findings (the run's own come later)."""
    return history.findings


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
