"""`lodestar data ...`: generate the demo data set (and, later, check a file against a contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.demo import write_demo_data


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    data_app = typer.Typer(help="Demo data and data checks.")
    app.add_typer(data_app, name="data")

    @data_app.command("generate")
    def generate(
        out: Annotated[Path, typer.Option("--out", help="Folder to write the demo files to.")],
        seed: Annotated[int, typer.Option("--seed")] = 0,
    ) -> None:
        """Write demo sales, leads, lead events and their ground truth."""
        paths = write_demo_data(out, seed=seed)
        for name, path in paths.items():
            typer.echo(f"{name}: {path}")
