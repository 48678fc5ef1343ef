"""`lodestar forecast`: any sales history in, a CSV of forecasts with intervals out."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from engine.core.contracts import read_sales
from engine.core.errors import DataError
from engine.core.files import write_table
from engine.core.panel import to_panel
from engine.core.parallel import Runner
from engine.forecasting.answers import period_table, quarter_table, stopped_note
from engine.forecasting.orchestrator import ForecastSettings, run_forecast

FREQS = ("D", "W", "M", "Q")


def batch_forecast(
    data: str | Path,
    horizon: int,
    out: str | Path,
    columns: str | None = None,
    keys: list[str] | None = None,
    freq: str | None = None,
    by_quarter: bool = False,
    selection: str = "standard",
    runner: Runner | None = None,
    fiscal_start_month: int = 1,
    exclude_stopped: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """Fit on the history, forecast `horizon` periods, write the CSV atomically.

    Every series is forecast from its own last period through `horizon` periods after the
    data's end. Returns the table and notes for the user (series that stopped early).
    """
    if horizon < 1:
        raise DataError("horizon must be at least 1 period", "horizon")
    history = read_sales(data, columns, keys)
    if freq:
        family = freq.strip().upper()[:1]
        if family not in FREQS:
            raise DataError(f"unknown frequency '{freq}' (use D, W, M or Q)", "freq")
        history = dataclasses.replace(history, freq=family)
    panel = to_panel(history)
    outcome = run_forecast(
        panel, ForecastSettings(selection=selection), horizon, runner, keys=history.series_keys
    )
    fs = outcome.forecast_set
    if by_quarter:
        table = quarter_table(fs, fiscal_start_month, exclude_stopped)
    else:
        table = period_table(fs, exclude_stopped)
    write_table(table, Path(out), float_format="%.4f")
    note = stopped_note(fs, exclude_stopped, "--exclude-stopped")
    return table, [note] if note else []
