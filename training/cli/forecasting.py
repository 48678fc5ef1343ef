"""`lodestar train forecast` (training job) and `lodestar forecast` (batch CSV forecasts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from engine.core.parallel import Runner
from models.forecasting.catalog import selection_help
from training.cli.depends import Depends, resolve_dependencies
from training.cli.options import (
    FindingsPrinter,
    ForceOption,
    SalesFileOptions,
    echo_findings,
    echo_notes,
    open_store,
)

ModelsOption = Annotated[str, typer.Option("--models", help=selection_help())]
JobsOption = Annotated[int, typer.Option("--n-jobs", help="Parallel workers (-1: all cores).")]
BackendOption = Annotated[
    str, typer.Option("--backend", help="joblib backend: loky, threading or dask.")
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (with --backend dask).")
]
WindowsOption = Annotated[int, typer.Option("--windows", help="Backtest windows.")]


@dataclass(frozen=True)
class Fitting:
    """Which candidate models to fit and where: --models --n-jobs --backend --scheduler."""

    selection: str
    runner: Runner


def fitting(
    models: ModelsOption = "standard",
    n_jobs: JobsOption = 1,
    backend: BackendOption = "loky",
    scheduler: SchedulerOption = None,
) -> Fitting:
    """The fitting options of the commands that fit forecasters, as one value."""
    return Fitting(
        models, Runner(n_jobs=n_jobs, backend=backend, scheduler=scheduler, progress=True)
    )


FittingOptions = Annotated[Fitting, Depends(fitting)]


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    @train_app.command("forecast")
    @resolve_dependencies
    def train(
        source: SalesFileOptions,
        fit: FittingOptions,
        force: ForceOption = False,
        reconciliation: Annotated[
            str, typer.Option("--reconciliation", help="auto, bottom_up or mint_shrink.")
        ] = "auto",
        windows: WindowsOption = 3,
        horizon_quarters: Annotated[
            int, typer.Option("--horizon-quarters", help="Quarters to forecast.")
        ] = 5,
    ) -> None:
        """Fit the sales forecaster, log it to MLflow, register it, promote it if better."""
        from training.forecasting.job import train_forecast

        notes = FindingsPrinter()
        result = train_forecast(
            open_store(),
            source,
            horizon_quarters=horizon_quarters,
            force=force,
            selection=fit.selection,
            reconciliation=reconciliation,
            n_windows=windows,
            runner=fit.runner,
            report=notes,
        )
        line = (
            f"sales forecast v{result.version}: backtest WAPE "
            f"{result.metrics.get('backtest_wape', float('nan')):.3f}, 80% coverage "
            f"{result.metrics.get('coverage_80', float('nan')):.2f}; {result.outcome}"
        )
        notes.result(line)

    @app.command("forecast")
    @resolve_dependencies
    def forecast(
        source: SalesFileOptions,
        horizon: Annotated[int, typer.Option("--horizon", help="Periods to forecast.")],
        out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
        fit: FittingOptions,
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
        windows: WindowsOption = 3,
        window_horizon: Annotated[
            int | None,
            typer.Option(
                "--window-horizon",
                help="Periods each backtest window forecasts (default: one quarter's). Set it to "
                "--horizon to choose models on errors as far ahead as the forecast goes.",
            ),
        ] = None,
    ) -> None:
        """Forecast any sales history to a CSV: keys, date (or quarter), mean, 80/95% bands.

        Each series is forecast from its own last period; quarter rows say how much of the
        quarter is already actual (actual_to_date, actual_share, status).
        """
        from training.forecasting.batch import batch_forecast

        result = batch_forecast(
            source,
            horizon,
            out,
            freq,
            by_quarter,
            fit.selection,
            fit.runner,
            fiscal_start_month,
            report=echo_findings,
            exclude_stopped=exclude_stopped,
            n_windows=windows,
            window_horizon=window_horizon,
        )
        echo_notes(result.notes)
        typer.echo(f"wrote {len(result.table)} rows to {out}")
