"""Batch forecasts for planners: any sales history in, a CSV of forecasts with intervals out."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

import pandas as pd

from engine.calendar import quarter_of
from engine.errors import DataError
from engine.panel import to_panel
from engine.planning import quarterly_forecast
from models.forecasters.forecast_set import ForecastSet
from training.forecast.pipeline import ForecastSettings, run_forecast
from training.forecast_job import load_sales
from training.parallel import Runner

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
) -> pd.DataFrame:
    """Fit on the history, forecast `horizon` periods, write the CSV atomically, return it."""
    if horizon < 1:
        raise DataError("horizon must be at least 1 period", "horizon")
    history = load_sales(data, columns, keys)
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
    table = quarter_table(fs, fiscal_start_month) if by_quarter else period_table(fs)
    write_csv_atomic(table, Path(out))
    return table


def period_table(fs: ForecastSet) -> pd.DataFrame:
    """keys, date, mean, lo_80, hi_80, lo_95, hi_95 for every series and future period."""
    table = fs.interval_frame()
    table["date"] = pd.to_datetime(table["date"]).dt.strftime("%Y-%m-%d")
    return table[[*fs.keys, "date", "mean", "lo_80", "hi_80", "lo_95", "hi_95"]]


def quarter_table(fs: ForecastSet, fiscal_start_month: int = 1) -> pd.DataFrame:
    """Quarter totals per series for every quarter the forecast (plus actuals so far) covers."""
    quarters = quarter_of(fs.dates, fiscal_start_month).unique().sort_values()
    frames = []
    for quarter in quarters:
        try:
            frames.append(
                quarterly_forecast(
                    fs, [quarter], level=fs.keys, fiscal_start_month=fiscal_start_month
                )
            )
        except DataError:
            continue  # only partly covered by this horizon
    if not frames:
        raise DataError("the horizon does not cover a whole quarter; increase --horizon", "horizon")
    return pd.concat(frames, ignore_index=True).sort_values(
        [*fs.keys, "quarter"], ignore_index=True
    )


def write_csv_atomic(table: pd.DataFrame, out: Path) -> None:
    """Write via a temporary file in the target folder, then rename: never a half-written file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    os.close(fd)
    try:
        table.to_csv(tmp, index=False, float_format="%.4f")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
