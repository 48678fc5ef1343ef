"""`lodestar data ...`: generate the demo data set, and check a file against a contract."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from engine.core.contracts import (
    parse_column_spec,
    read_table,
    validate_leads,
)
from engine.core.contracts.dates import describe_format
from engine.demo import write_demo_data
from training.cli.depends import resolve_dependencies
from training.cli.options import SalesFileOptions, echo_findings


class TableKind(StrEnum):
    sales = "sales"
    leads = "leads"


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    data_app = typer.Typer(help="Demo data and data checks.", no_args_is_help=True)
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

    @data_app.command("check")
    @resolve_dependencies
    def check(
        source: SalesFileOptions,
        kind: Annotated[TableKind, typer.Option("--kind", help="Which contract.")] = (
            TableKind.sales
        ),
    ) -> None:
        """Validate a file against the sales or leads contract and summarise what it holds.

        The summary names the date format used and the series keys (and why they are keys);
        a line per finding follows: a partial last period, gaps, very short series.
        """
        if kind is TableKind.sales:
            history = source.read()
            f = history.frame
            n_series = f[history.series_keys].drop_duplicates().shape[0]
            typer.echo(
                f"sales OK: {len(f)} rows, {n_series} series keyed by {history.keys_summary()}, "
                f"frequency {history.freq}, {f['date'].min().date()} to {f['date'].max().date()}"
                f" (dates read as {describe_format(history.date_format)})"
                f"; price {'yes' if history.has_price else 'no'}"
                f", cost {'yes' if history.has_cost else 'no'}"
                f", promotions {', '.join(history.promo_columns) or 'none'}"
                f", competitor prices {', '.join(history.competitor_columns) or 'none'}"
            )
            echo_findings(history.findings)
        else:
            spec = parse_column_spec(source.columns, source.date_format)
            frame = read_table(source.path, spec.mapping)
            table = validate_leads(frame, date_formats=spec.date_formats)
            outcome = (
                f"conversion rate {table.frame['converted'].mean():.1%}"
                if table.has_outcome
                else "no outcome column"
            )
            dates = "".join(
                f", {col} read as {describe_format(fmt)}" for col, fmt in table.date_formats.items()
            )
            typer.echo(
                f"leads OK: {len(table.frame)} leads, {len(table.features)} feature columns, "
                f"{outcome}{dates}"
            )
