"""`lodestar train forecast`: the sales-forecast training job from the command line."""

from __future__ import annotations

import typer

from training.commands.options import (
    ColumnsOption,
    DataOption,
    ForceOption,
    KeysOption,
    open_store,
    split_list,
)
from training.forecast_job import train_forecast


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    @train_app.command("forecast")
    def train(
        data: DataOption,
        columns: ColumnsOption = None,
        keys: KeysOption = None,
        force: ForceOption = False,
    ) -> None:
        """Fit the sales forecaster, log it to MLflow, register it, promote it if better."""
        result = train_forecast(open_store(), data, columns, split_list(keys), force=force)
        typer.echo(
            f"sales forecast v{result.version}: holdout WAPE "
            f"{result.metrics.get('holdout_wape', float('nan')):.3f}; {result.reason}"
        )
