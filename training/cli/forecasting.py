"""`lodestar train forecast` (training job) and `lodestar forecast` (batch CSV forecasts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.core.parallel import Runner
from models.forecasting.catalog import selection_help
from training.cli.options import (
    ColumnsOption,
    DataOption,
    DateFormatOption,
    FindingsPrinter,
    ForceOption,
    KeysOption,
    LastPeriodOption,
    echo_findings,
    echo_notes,
    open_store,
    split_list,
)
from training.forecasting.job import train_forecast

ModelsOption = Annotated[str, typer.Option("--models", help=selection_help())]
JobsOption = Annotated[int, typer.Option("--n-jobs", help="Parallel workers (-1: all cores).")]
BackendOption = Annotated[
    str, typer.Option("--backend", help="joblib backend: loky, threading or dask.")
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (with --backend dask).")
]


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    @train_app.command("forecast")
    def train(
        data: DataOption,
        columns: ColumnsOption = None,
        keys: KeysOption = None,
        force: ForceOption = False,
        models: ModelsOption = "standard",
        reconciliation: Annotated[
            str, typer.Option("--reconciliation", help="auto, bottom_up or mint_shrink.")
        ] = "auto",
        windows: Annotated[int, typer.Option("--windows", help="Backtest windows.")] = 3,
        horizon_quarters: Annotated[
            int, typer.Option("--horizon-quarters", help="Quarters to forecast.")
        ] = 5,
        n_jobs: JobsOption = 1,
        backend: BackendOption = "loky",
        scheduler: SchedulerOption = None,
        date_format: DateFormatOption = None,
        last_period: LastPeriodOption = "auto",
    ) -> None:
        """Fit the sales forecaster, log it to MLflow, register it, promote it if better."""
        notes = FindingsPrinter()
        result = train_forecast(
            open_store(),
            data,
            columns,
            split_list(keys),
            horizon_quarters=horizon_quarters,
            force=force,
            selection=models,
            reconciliation=reconciliation,
            n_windows=windows,
            n_jobs=n_jobs,
            backend=backend,
            scheduler=scheduler,
            progress=True,
            date_format=date_format,
            last_period=last_period,
            report=notes,
        )
        line = (
            f"sales forecast v{result.version}: backtest WAPE "
            f"{result.metrics.get('backtest_wape', float('nan')):.3f}, 80% coverage "
            f"{result.metrics.get('coverage_80', float('nan')):.2f}; {result.outcome}"
        )
        notes.result(line)

    @app.command("forecast")
    def forecast(
        data: DataOption,
        horizon: Annotated[int, typer.Option("--horizon", help="Periods to forecast.")],
        out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
        columns: ColumnsOption = None,
        keys: KeysOption = None,
        freq: Annotated[
            str | None, typer.Option("--freq", help="D, W, M, Q or Y (default: inferred).")
        ] = None,
        by_quarter: Annotated[
            bool, typer.Option("--by-quarter", help="Quarter totals instead of periods.")
        ] = False,
        fiscal_start_month: Annotated[
            int | None,
            typer.Option(
                "--fiscal-start-month",
                help="First month of the fiscal year (default 1); yearly periods must start in it.",
            ),
        ] = None,
        exclude_stopped: Annotated[
            bool,
            typer.Option(
                "--exclude-stopped",
                help="Treat series that stopped more than a season before the data's end as "
                "discontinued: no forecast rows, not in totals (default: forecast them from "
                "their own last period).",
            ),
        ] = False,
        models: ModelsOption = "standard",
        n_jobs: JobsOption = 1,
        backend: BackendOption = "loky",
        scheduler: SchedulerOption = None,
        date_format: DateFormatOption = None,
        last_period: LastPeriodOption = "auto",
    ) -> None:
        """Forecast any sales history to a CSV: keys, date (or quarter), mean, 80/95% bands.

        Each series is forecast from its own last period; quarter rows say how much of the
        quarter is already actual (actual_to_date, actual_share, status).
        """
        from training.forecasting.batch import batch_forecast

        result = batch_forecast(
            data,
            horizon,
            out,
            columns,
            split_list(keys),
            freq,
            by_quarter,
            models,
            Runner(n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=True),
            fiscal_start_month,
            date_format=date_format,
            last_period=last_period,
            report=echo_findings,
            exclude_stopped=exclude_stopped,
        )
        echo_notes(result.notes)
        typer.echo(f"wrote {len(result.table)} rows to {out}")
