"""`lodestar train leads` and `lodestar score leads`: lead-conversion training and batch scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from engine.core.contracts import parse_column_spec, read_table, validate_events
from engine.core.errors import DataError
from engine.core.files import write_table
from engine.leads.answers import score_table, with_event_counts
from models.leads import OUTPUT_COLUMNS
from training.cli.options import (
    ColumnsOption,
    DataOption,
    DateFormatOption,
    ForceOption,
    open_store,
    split_list,
)
from training.leads.job import train_leads

ExcludeOption = Annotated[
    str | None,
    typer.Option(
        "--exclude", help="Columns recorded after the outcome, never used (e.g. duration)."
    ),
]
EventsOption = Annotated[
    Path | None,
    typer.Option("--events", help="Activity log (lead_id, timestamp, activity) to count from."),
]


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    score_app = typer.Typer(help="Score records with a registered model.")
    app.add_typer(score_app, name="score")

    @train_app.command("leads")
    def train(
        data: DataOption,
        columns: ColumnsOption = None,
        exclude: ExcludeOption = None,
        events: EventsOption = None,
        tiers: Annotated[
            str | None,
            typer.Option(
                "--tiers",
                help="Tier thresholds on the probability, e.g. warm=0.2,hot=0.4,"
                "sales-qualified=0.6, applied to the 0-100 score (warm=0.2: score 20 and up; "
                "default: from precision targets on validation).",
            ),
        ] = None,
        window_days: Annotated[
            float | None,
            typer.Option("--window-days", help="With --events: count only this many days."),
        ] = None,
        force: ForceOption = False,
        date_format: DateFormatOption = None,
    ) -> None:
        """Fit the lead-conversion model, log it to MLflow, register it, promote it if better."""
        result = train_leads(
            open_store(),
            data,
            columns,
            split_list(exclude),
            events,
            force=force,
            tiers=tiers,
            window_days=window_days,
            date_format=date_format,
        )
        m = result.metrics
        typer.echo(
            f"lead conversion v{result.version}: ROC-AUC {m['roc_auc']:.3f} "
            f"(logistic baseline {m['baseline_roc_auc']:.3f}), PR-AUC {m['pr_auc']:.3f}, "
            f"Brier {m['brier']:.4f}, ECE {m['ece']:.4f}, top-decile lift "
            f"{m['lift_top_decile']:.2f}"
        )
        typer.echo(
            "tiers (score at least): "
            + ", ".join(
                f"{t} {m[f'tier_{t}_threshold']:.0f} (validation precision "
                f"{m.get(f'tier_{t}_precision', float('nan')):.0%})"
                for t in ("warm", "hot", "sales-qualified")
            )
        )
        typer.echo(result.outcome)

    @score_app.command("leads")
    def score(
        data: DataOption,
        out: Annotated[Path, typer.Option("--out", help="CSV to write the scores to.")],
        model: Annotated[
            str | None, typer.Option("--model", help="Model version (default: the champion).")
        ] = None,
        columns: ColumnsOption = None,
        events: EventsOption = None,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="With --events: scoring date (default: now)."),
        ] = None,
        date_format: DateFormatOption = None,
    ) -> None:
        """Write lead_id, probability, score, tier and reason_1..3 for every lead in the file."""
        spec = parse_column_spec(columns, date_format)
        frame = read_table(data, spec.mapping)
        store = open_store()
        if model is None:
            version, scorer = store.load_champion("leads")
        else:
            version, scorer = model, store.load_version("leads", model)
        if events is not None:
            moment = pd.Timestamp(as_of) if as_of else pd.Timestamp.now().floor("s")
            log = validate_events(read_table(events), spec.date_formats.for_column("timestamp"))
            frame = with_event_counts(frame, log, moment)
        scored, errors = score_table(
            scorer, frame, date_format=spec.date_formats.for_column("created_date")
        )
        if scored.empty:
            first = errors[0]
            raise DataError(
                f"no lead could be scored; row {first.row}: {first.message}", first.field
            )
        write_table(scored[OUTPUT_COLUMNS], out)
        typer.echo(f"scored {len(scored)} leads with lead conversion v{version} -> {out}")
        if errors:
            errors_out = out.with_name(f"{out.stem}.errors.csv")
            write_table(pd.DataFrame([e.to_dict() for e in errors]), errors_out)
            typer.echo(
                f"{len(errors)} rows could not be scored (first: row {errors[0].row}: "
                f"{errors[0].message}); see {errors_out}",
                err=True,
            )
