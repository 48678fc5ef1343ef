"""Options shared by several commands, so every command spells them the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.core.settings import get_settings
from engine.registry.store import ModelStore

DataOption = Annotated[Path, typer.Option("--data", help="History file (CSV or Parquet).")]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns", help="Map contract names to yours: date=week,units=move (or a TOML file)."
    ),
]
KeysOption = Annotated[
    str | None, typer.Option("--keys", help="Series key columns, comma separated.")
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Make the new version champion even if it is not better.")
]


def split_list(text: str | None) -> list[str] | None:
    """'a,b' -> ['a', 'b']; None or empty -> None."""
    if not text:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def open_store() -> ModelStore:
    """The model store configured by environment (MLFLOW_TRACKING_URI or LODESTAR_HOME)."""
    return ModelStore.from_settings(get_settings())
