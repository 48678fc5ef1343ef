"""The `lodestar` command: data, training, batch forecasts, scoring, pricing, serving, demo.

Every user error (LodestarError or a bad option) ends with exit code 2 and one line on stderr.
Anything else is a bug in Lodestar: exit code 1, one line naming it and the file that holds its
traceback, never the traceback itself.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import traceback
from pathlib import Path

import click
import typer
from typer.exceptions import TyperException

from engine.core.errors import LodestarError
from engine.core.logs import quiet_libraries
from training.cli import data, demo, forecasting, leads, models, planning, pricing, serve

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

for module in (data, forecasting, leads, pricing, models, planning, serve, demo):
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
    except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, the rest in a file
        report = crash_report(exc)
        first = (str(exc).splitlines() or [""])[0][:200]
        print(
            f"error: internal error ({type(exc).__name__}: {first}); this is a bug in Lodestar, "
            f"please report it with {report}",
            file=sys.stderr,
        )
        sys.exit(1)
    sys.exit(0)


def crash_report(exc: Exception) -> Path:
    """Write the command line and the traceback to a new file in the temp folder; its path."""
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    with tempfile.NamedTemporaryFile(
        "w", prefix=f"lodestar-crash-{stamp}-", suffix=".txt", delete=False, encoding="utf-8"
    ) as handle:
        handle.write(f"command: {' '.join(sys.argv)}\n\n")
        handle.write("".join(traceback.format_exception(exc)))
    return Path(handle.name)


if __name__ == "__main__":
    main()
