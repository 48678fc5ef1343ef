"""`lodestar serve`: run the HTTP API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port")] = 8000,
        workers: Annotated[int, typer.Option("--workers")] = 1,
    ) -> None:
        """Serve forecasts, scores and prices over HTTP from the registered champions."""
        import uvicorn

        uvicorn.run(
            "serving.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
