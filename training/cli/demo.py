"""`lodestar demo`: generate demo data, train every family, print a quarterly plan, maybe serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.core.settings import get_settings
from training.cli.options import open_store
from training.core.demo import run_demo


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Demo data folder (default LODESTAR_HOME/demo)."),
        ] = None,
        seed: Annotated[int, typer.Option("--seed")] = 0,
        serve: Annotated[bool, typer.Option("--serve", help="Serve the API afterwards.")] = False,
        port: Annotated[int, typer.Option("--port")] = 8000,
    ) -> None:
        """Generate demo data, train and register the models, print next quarters' forecast."""
        settings = get_settings()
        folder = out or settings.home / "demo"
        report = run_demo(open_store(), folder, seed, settings.fiscal_year_start_month)
        typer.echo(report)
        if serve:
            import uvicorn

            typer.echo(f"serving on http://127.0.0.1:{port}  (docs at /docs)")
            uvicorn.run("serving.app:create_app", factory=True, port=port, log_level="warning")
