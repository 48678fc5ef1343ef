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

from engine.core.calendar import frequency_family
from engine.core.contracts import Findings, read_sales
from engine.core.errors import DataError
from engine.core.files import write_table
from engine.core.panel import to_panel
from engine.core.parallel import Runner
from engine.forecasting.answers import period_table, quarter_table
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from training.forecasting.findings import run_findings


@dataclass(frozen=True)
class BatchForecast:
    """The table written, the data's findings, and how many periods were forecast."""

    table: pd.DataFrame
    findings: Findings
    horizon: int


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
    date_format: str | None = None,
    last_period: str = "auto",
    report: Callable[[Findings], None] | None = None,
) -> BatchForecast:
    """Fit on the history, forecast `horizon` periods, write the CSV atomically, return it."""
    if horizon < 1:
        raise DataError("horizon must be at least 1 period", "horizon")
    family = frequency_family(freq) if freq else None
    history = read_sales(
        data, columns, keys, date_format=date_format, freq=family, last_period=last_period
    )
    panel = to_panel(history.complete())
    findings = run_findings(history, panel, selection)
    if report is not None:
        report(findings)
    periods = horizon + history.periods_dropped
    outcome = run_forecast(
        panel, ForecastSettings(selection=selection), periods, runner, keys=history.series_keys
    )
    fs = outcome.forecast_set
    table = quarter_table(fs, fiscal_start_month) if by_quarter else period_table(fs)
    write_table(table, Path(out), float_format="%.4f")
    return BatchForecast(table, findings, periods)
