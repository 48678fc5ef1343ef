"""`lodestar ... models` commands (filled in by the models work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    """No commands yet."""
