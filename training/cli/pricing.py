"""`lodestar train pricing` and `lodestar pricing ...`: elasticities, what-ifs, recommendations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from engine.core.errors import NoChampionError
from engine.core.files import read_document, write_table
from engine.core.settings import get_settings
from engine.pricing import answers
from engine.pricing.scenario import parse_recommendation, parse_scenario
from training.cli.depends import resolve_dependencies
from training.cli.options import (
    FindingsPrinter,
    ForceOption,
    SalesFileOptions,
    echo_notes,
    open_store,
    split_list,
)

if TYPE_CHECKING:
    from models.forecasting.forecast_set import ForecastSet
    from models.pricing.payload import PricingSet

OutOption = Annotated[Path, typer.Option("--out", help="Output file (.csv, or .json).")]
ScenarioOption = Annotated[
    Path, typer.Option("--scenario", help="Scenario / request file (JSON or TOML).")
]


def _write_and_show(table: pd.DataFrame, out: Path, shown: pd.DataFrame) -> None:
    """Write the whole table, print the part people read first, and say where it went."""
    write_table(table, out)
    typer.echo(shown.to_string(index=False))
    typer.echo(f"written to {out}")


def _champions(sales_required: bool) -> tuple[ForecastSet | None, PricingSet]:
    """The sales and pricing champions; without a sales champion, None unless it is required
    (recommendations then give relative volumes)."""
    store = open_store()
    try:
        _, forecast_set = store.load_champion("sales")
    except NoChampionError:
        if sales_required:
            raise
        forecast_set = None
    _, pricing_set = store.load_champion("pricing")
    return forecast_set, pricing_set


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    pricing_app = typer.Typer(
        help="Price sensitivity, what-if scenarios and recommendations.", no_args_is_help=True
    )
    app.add_typer(pricing_app, name="pricing")

    @train_app.command("pricing")
    @resolve_dependencies
    def train(
        source: SalesFileOptions,
        controls: Annotated[
            str | None,
            typer.Option("--controls", help="Numeric control columns, comma separated."),
        ] = None,
        force: ForceOption = False,
    ) -> None:
        """Fit price elasticities, log them to MLflow, register, promote if better."""
        from training.pricing.job import train_pricing

        notes = FindingsPrinter()
        result = train_pricing(
            open_store(), source, split_list(controls), force=force, report=notes
        )
        line = (
            f"price sensitivity v{result.version}: holdout RMSE of log units "
            f"{result.metrics.get('holdout_rmse_log_units', float('nan')):.4f} "
            f"(no price effect: {result.metrics.get('holdout_rmse_no_price', float('nan')):.4f})"
            f"; {result.outcome}"
        )
        notes.result(line)

    @pricing_app.command("elasticities")
    def elasticities(
        out: OutOption,
        products: Annotated[
            str | None, typer.Option("--products", help="Only these products (comma list).")
        ] = None,
    ) -> None:
        """Write the champion's own and cross elasticities with 95% CIs and plausibility."""
        version, pricing_set = open_store().load_champion("pricing")
        table = answers.elasticity_table(pricing_set, split_list(products)).assign(
            model_version=version
        )
        write_table(table, out)
        n_bad = int((~table["plausible"]).sum())
        typer.echo(f"{len(table)} elasticities written to {out} ({n_bad} flagged implausible)")

    @pricing_app.command("what-if")
    def what_if(scenario: ScenarioOption, out: OutOption) -> None:
        """Units, revenue and margin of a scenario vs the baseline, per week and quarter."""
        request = parse_scenario(read_document(scenario))
        forecast_set, pricing_set = _champions(sales_required=True)
        result = answers.what_if(
            forecast_set, pricing_set, request, get_settings().fiscal_year_start_month
        )
        table = answers.what_if_long_table(result)
        total = table[(table["span"] == "total")]
        cols = ["product", "days", "baseline_units", "units", "price", "change_revenue"]
        cols += ["change_margin", "margin_pct"]
        shown = [c for c in cols if total[c].notna().any()]  # margin is absent without cost
        _write_and_show(table, out, total[shown].round(1))
        echo_notes(result.notes)

    @pricing_app.command("recommend")
    def recommend(scenario: ScenarioOption, out: OutOption) -> None:
        """Recommended prices under the request's objective and constraints."""
        request = parse_recommendation(read_document(scenario))
        forecast_set, pricing_set = _champions(sales_required=False)
        table, joint = answers.recommendation_table(pricing_set, request, forecast_set)
        table = table.assign(joint=joint)
        cols = ["product", "current_price", "recommended_price", "change_pct", "binding"]
        _write_and_show(table, out, table[cols].round(2))
