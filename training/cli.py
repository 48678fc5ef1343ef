"""The `lodestar` command: data, training, batch forecasts, scoring, pricing, serving, demo.

Every user error (LodestarError or a bad option) ends with exit code 2 and one line on stderr.
"""

from __future__ import annotations

import sys

import click
import typer
from typer.exceptions import TyperException

from engine.errors import LodestarError
from engine.logs import quiet_libraries
from training.commands import data as data_commands
from training.commands import demo as demo_commands
from training.commands import forecast as forecast_commands
from training.commands import leads as leads_commands
from training.commands import models as models_commands
from training.commands import pricing as pricing_commands
from training.commands import serve as serve_commands

_ABORTS = (typer.Abort, click.exceptions.Abort)
_EXITS = (typer.Exit, click.exceptions.Exit)
_USAGE_ERRORS = (TyperException, click.ClickException)
"""Typer >= 0.20 vendors click, older versions raise click's own exceptions: catch both."""

app = typer.Typer(
    name="lodestar",
    help="Forecasts, lead scores and price recommendations from your sales history.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
train_app = typer.Typer(help="Train a model family, log it to MLflow, register and promote it.")
app.add_typer(train_app, name="train")

for module in (
    data_commands,
    forecast_commands,
    leads_commands,
    pricing_commands,
    models_commands,
    serve_commands,
    demo_commands,
):
    module.register(app, train_app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning user errors into exit 2 and one line on stderr."""
    quiet_libraries()
    try:
        app(args=argv, standalone_mode=False)
    except LodestarError as exc:
        field = f" [{exc.field}]" if exc.field else ""
        print(f"error{field}: {exc.message}", file=sys.stderr)
        sys.exit(2)
    except _ABORTS:
        print("error: aborted", file=sys.stderr)
        sys.exit(130)
    except _EXITS as exc:
        sys.exit(exc.exit_code)
    except _USAGE_ERRORS as exc:
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0)


if __name__ == "__main__":
    main()
