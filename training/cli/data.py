"""`lodestar data ...`: generate the demo data set, and check a file against a contract."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from engine.core.contracts import parse_column_mapping, read_table, validate_leads, validate_sales
from engine.demo import write_demo_data
from training.cli.options import ColumnsOption, DataOption, KeysOption, split_list


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
    def check(
        data: DataOption,
        kind: Annotated[TableKind, typer.Option("--kind", help="Which contract.")] = (
            TableKind.sales
        ),
        columns: ColumnsOption = None,
        keys: KeysOption = None,
    ) -> None:
        """Validate a file against the sales or leads contract and summarise what it holds."""
        frame = read_table(data, parse_column_mapping(columns))
        if kind is TableKind.sales:
            history = validate_sales(frame, keys=split_list(keys))
            f = history.frame
            n_series = f[history.series_keys].drop_duplicates().shape[0]
            typer.echo(
                f"sales OK: {len(f)} rows, {n_series} series keyed by {', '.join(history.keys)}, "
                f"frequency {history.freq}, {f['date'].min().date()} to {f['date'].max().date()}"
                f"; price {'yes' if history.has_price else 'no'}"
                f", cost {'yes' if history.has_cost else 'no'}"
                f", promotions {', '.join(history.promo_columns) or 'none'}"
                f", competitor prices {', '.join(history.competitor_columns) or 'none'}"
            )
        else:
            table = validate_leads(frame)
            outcome = (
                f"conversion rate {table.frame['converted'].mean():.1%}"
                if table.has_outcome
                else "no outcome column"
            )
            typer.echo(
                f"leads OK: {len(table.frame)} leads, {len(table.features)} feature columns, "
                f"{outcome}"
            )
