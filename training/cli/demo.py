"""`lodestar demo`: generate demo data, train every family, print a quarterly plan, maybe serve."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from engine.core.calendar import quarter_label, quarter_of
from engine.core.parallel import Runner
from engine.core.settings import get_settings
from engine.demo import write_demo_data
from training.cli.options import open_store

if TYPE_CHECKING:
    from engine.registry.promotion import TrainResult
    from engine.registry.store import ModelStore

DemoStep = Callable[["ModelStore", dict[str, Path]], "TrainResult"]


def _train_sales(store: ModelStore, paths: dict[str, Path]) -> TrainResult:
    from training.forecasting.job import train_forecast

    return train_forecast(store, paths["sales"], runner=Runner(n_jobs=2))


def _train_leads(store: ModelStore, paths: dict[str, Path]) -> TrainResult:
    from training.leads.job import train_leads

    return train_leads(store, paths["leads"], events=paths["lead_events"])


def _train_pricing(store: ModelStore, paths: dict[str, Path]) -> TrainResult:
    from training.pricing.job import train_pricing

    return train_pricing(store, paths["sales"])


DEMO_STEPS: list[tuple[str, DemoStep]] = [
    ("sales forecast", _train_sales),
    ("lead conversion", _train_leads),
    ("price sensitivity", _train_pricing),
]
"""Each family's demo training step; a family joins the demo by adding itself here."""


def run_demo(
    store: ModelStore,
    folder: Path,
    seed: int = 0,
    fiscal_start_month: int = 1,
    sizes: dict[str, int] | None = None,
) -> str:
    """Generate data, train every family, and return the report printed to the user."""
    paths = write_demo_data(folder, seed=seed, **(sizes or {}))
    lines = [f"demo data written to {folder.resolve()}"]
    for label, step in DEMO_STEPS:
        result = step(store, paths)
        lines.append(f"trained {label}: version {result.version}, {result.outcome}")
    lines.append("")
    lines.append(quarterly_plan_text(store, fiscal_start_month))
    lines.append("")
    lines.append(f"MLflow runs: mlflow ui --backend-store-uri {store.tracking_uri}")
    return "\n".join(lines)


def quarterly_plan_text(store: ModelStore, fiscal_start_month: int = 1, quarters: int = 4) -> str:
    """Next quarters' units by region and in total, with 80% intervals, as a text table."""
    from engine.forecasting.quarterly import quarterly_forecast

    version, forecast_set = store.load_champion("sales")
    first = quarter_of(pd.DatetimeIndex([forecast_set.dates[0]]), fiscal_start_month)[0]
    wanted = [first + i for i in range(quarters)]
    level = ["region"] if "region" in forecast_set.index.columns else []
    by_level = quarterly_forecast(
        forecast_set, wanted, level=level, fiscal_start_month=fiscal_start_month
    )
    total = quarterly_forecast(
        forecast_set, wanted, level=[], fiscal_start_month=fiscal_start_month
    )
    total.insert(0, "region", "TOTAL")
    table = pd.concat([by_level, total], ignore_index=True)
    table["units (80% interval)"] = table.apply(
        lambda r: f"{r['mean']:,.0f} ({r['lo_80']:,.0f}-{r['hi_80']:,.0f})", axis=1
    )
    labels = {quarter_label(q): quarter_label(q) for q in wanted}
    notes = []
    for row in total.itertuples(index=False):
        if row.status != "forecast":  # the quarter under way: say how much is already sold
            labels[row.quarter] = f"{row.quarter}*"
            notes.append(
                f"* {row.quarter} is {row.status}: {row.actual_to_date:,.0f} units sold so far "
                f"({row.actual_share:.0%} of the quarter observed), forecast for the rest"
            )
    wide = table.pivot(index="region", columns="quarter", values="units (80% interval)")
    rows = [r for r in wide.index if r != "TOTAL"] + ["TOTAL"]
    wide = wide.reindex(index=rows, columns=list(labels)).rename(columns=labels)
    header = f"Quarterly unit forecast, sales forecast model v{version}"
    return "\n".join([header, wide.to_string(), *notes])


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
