"""`lodestar forecast`: any sales history in, a CSV of forecasts with intervals out.

The data's findings (partial last period, gaps, very short series, fallbacks) are reported once
and returned with the table. A partial last period is dropped and the horizon grows by one, so
the table starts at that period (forecast whole) and still reaches the same future dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.core.calendar import check_has_quarters, fiscal_year_labels, frequency_family
from engine.core.contracts import Findings, SalesFile, as_sales_file
from engine.core.errors import DataError
from engine.core.files import write_table
from engine.core.panel import to_panel
from engine.core.parallel import Runner
from engine.forecasting.answers import period_table, quarter_table, stopped_note
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from training.forecasting.findings import run_findings


@dataclass(frozen=True)
class BatchForecast:
    """The table written, the data's findings, how many periods were forecast, and notes."""

    table: pd.DataFrame
    findings: Findings
    horizon: int
    notes: list[str]


def batch_forecast(
    data: SalesFile | str | Path,
    horizon: int,
    out: str | Path,
    freq: str | None = None,
    by_quarter: bool = False,
    selection: str = "standard",
    runner: Runner | None = None,
    fiscal_start_month: int | None = None,
    report: Callable[[Findings], None] | None = None,
    exclude_stopped: bool = False,
    n_windows: int = 3,
    window_horizon: int | None = None,
) -> BatchForecast:
    """Fit on the history, forecast `horizon` periods, write the CSV atomically, return it.

    Quarters use `fiscal_start_month` (default January). Yearly forecasts carry a fiscal_year
    label (FY2022: the year ending in 2022); with `fiscal_start_month` their periods must start
    in that month. Quarters of yearly history are refused. Every series is forecast from its
    own last period through `horizon` periods after the data's end; notes name series that
    stopped early (and whether they were excluded).
    """
    if horizon < 1:
        raise DataError("horizon must be at least 1 period", "horizon")
    if n_windows < 1:
        raise DataError("windows must be at least 1 backtest window", "windows")
    if window_horizon is not None and window_horizon < 1:
        raise DataError("window_horizon must be at least 1 period", "window_horizon")
    family = frequency_family(freq) if freq else None
    if by_quarter and family:
        check_has_quarters(family, "by_quarter")
    history = as_sales_file(data).read(freq=family)
    if by_quarter:
        check_has_quarters(history.freq, "by_quarter")
    panel = to_panel(history.complete())
    if history.freq == "Y" and fiscal_start_month is not None:
        fiscal_year_labels(panel.dates[:1], fiscal_start_month)  # refuse before fitting
    findings = run_findings(history, panel, selection, n_windows)
    if report is not None:
        report(findings)
    periods = horizon + history.periods_dropped
    settings = ForecastSettings(
        selection=selection, n_windows=n_windows, window_horizon=window_horizon
    )
    outcome = run_forecast(panel, settings, periods, runner, keys=history.series_keys)
    fs = outcome.forecast_set
    if by_quarter:
        table = quarter_table(fs, fiscal_start_month or 1, exclude_stopped)
    else:
        table = period_table(fs, exclude_stopped)
        if history.freq == "Y":
            years = fiscal_year_labels(pd.DatetimeIndex(table["date"]), fiscal_start_month)
            table.insert(table.columns.get_loc("date") + 1, "fiscal_year", years)
    write_table(table, Path(out), float_format="%.4f")
    note = stopped_note(fs, exclude_stopped, "--exclude-stopped")
    return BatchForecast(table, findings, periods, [note] if note else [])
