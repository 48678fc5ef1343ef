"""`lodestar ... leads` commands (filled in by the leads work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    """No commands yet."""
