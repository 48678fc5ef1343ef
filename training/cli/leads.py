"""`lodestar train leads` and `lodestar score leads`: lead-conversion training and batch scoring."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from engine.core.contracts import parse_column_spec, read_table, validate_events
from engine.core.errors import DataError, LodestarError, NoChampionError
from engine.core.files import write_atomic, write_json, write_table
from engine.core.settings import get_settings
from training.cli.depends import resolve_dependencies
from training.cli.options import (
    CommentOption,
    DataOption,
    ForceOption,
    LeadFileOptions,
    echo_notes,
    open_store,
    split_list,
)
from training.cli.planning import actor, database

BOTH_COLUMNS = ["model_tier", "points", "decay", "rubric_version", "rubric_tier", "rules_fired"]
BOTH_COLUMNS += ["tier_source"]
"""What `score leads` writes beside the model's columns: the rubric's view and who set the tier."""
TeamOption = Annotated[str, typer.Option("--team", help="marketing or sales.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: LODESTAR_USER).")]

ExcludeOption = Annotated[
    str | None,
    typer.Option(
        "--exclude", help="Columns recorded after the outcome, never used (e.g. duration)."
    ),
]


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    score_app = typer.Typer(help="Score records with a registered model.")
    app.add_typer(score_app, name="score")
    leads_app = typer.Typer(help="The lead loop: rubric, events, alerts, outcomes, allocation.")
    app.add_typer(leads_app, name="leads")
    rubric_app = typer.Typer(help="The points rubric: propose, sign off, list, show.")
    leads_app.add_typer(rubric_app, name="rubric")
    register_rubric(rubric_app)
    register_loop(leads_app)
    schedule_app = typer.Typer(help="The lead model's retraining schedule (run it from cron).")
    app.add_typer(schedule_app, name="schedule")
    register_schedule(schedule_app)

    @train_app.command("leads")
    @resolve_dependencies
    def train(
        source: LeadFileOptions,
        exclude: ExcludeOption = None,
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
    ) -> None:
        """Fit the lead-conversion model, log it to MLflow, register it, promote it if better."""
        from engine.leads.choice import LearnerChoice
        from training.leads.job import train_leads

        result = train_leads(
            open_store(),
            source.path,
            source.columns,
            split_list(exclude),
            source.events,
            force=force,
            tiers=tiers,
            window_days=window_days,
            date_format=source.date_format,
        )
        m = result.metrics
        typer.echo(
            f"lead conversion v{result.version}: ROC-AUC {m['roc_auc']:.3f} "
            f"(logistic baseline {m['baseline_roc_auc']:.3f}), PR-AUC {m['pr_auc']:.3f}, "
            f"Brier {m['brier']:.4f}, ECE {m['ece']:.4f}, top-decile lift "
            f"{m['lift_top_decile']:.2f}"
        )
        chosen = "logistic" if m.get("chosen_logistic") else "hgb"
        scores = {"hgb": m["boosted_brier"], "logistic": m["baseline_brier"]}
        typer.echo(LearnerChoice(chosen, "brier", scores).text)
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
    @resolve_dependencies
    def score(
        source: LeadFileOptions,
        out: Annotated[Path, typer.Option("--out", help="CSV to write the scores to.")],
        model: Annotated[
            str | None, typer.Option("--model", help="Model version (default: the champion).")
        ] = None,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="With --events: scoring date (default: now)."),
        ] = None,
    ) -> None:
        """Write lead_id, probability, score, tier and reason_1..3 for every lead in the file."""
        from engine.database import lead_rubrics
        from engine.leads.answers import score_both, with_event_counts
        from engine.leads.tiering import ActiveRubric, fired_text
        from models.leads import OUTPUT_COLUMNS

        spec = parse_column_spec(source.columns, source.date_format)
        frame = read_table(source.path, spec.mapping)
        store = open_store()
        if model is None:
            version, scorer = store.load_champion("leads")
        else:
            version, scorer = model, store.load_version("leads", model)
        if source.events is not None:
            moment = pd.Timestamp(as_of) if as_of else pd.Timestamp.now().floor("s")
            log = validate_events(
                read_table(source.events), spec.date_formats.for_column("timestamp")
            )
            frame = with_event_counts(frame, log, moment)
        found = lead_rubrics.active_rubric(database())
        active = ActiveRubric(*found) if found is not None else None
        scored, errors = score_both(
            scorer,
            frame,
            active,
            get_settings().lead_tier_source,
            date_format=spec.date_formats.for_column("created_date"),
        )
        if scored.empty:
            first = errors[0]
            raise DataError(
                f"no lead could be scored; row {first.row}: {first.message}", first.field
            )
        scored["rules_fired"] = scored["rules_fired"].map(fired_text)
        write_table(scored[[*OUTPUT_COLUMNS, *BOTH_COLUMNS]], out)
        typer.echo(
            f"scored {len(scored)} leads with lead conversion v{version} -> {out}; tiers set by "
            f"{scored['tier_source'].iloc[0]}"
        )
        if errors:
            errors_out = out.with_name(f"{out.stem}.errors.csv")
            write_table(pd.DataFrame([e.to_dict() for e in errors]), errors_out)
            typer.echo(
                f"{len(errors)} rows could not be scored (first: row {errors[0].row}: "
                f"{errors[0].message}); see {errors_out}",
                err=True,
            )


def register_rubric(rubric_app: typer.Typer) -> None:
    """`lodestar leads rubric propose|sign|list|show`."""

    @rubric_app.command("propose")
    def propose(
        file: Annotated[Path, typer.Option("--file", help="Rubric TOML file.")],
        team: Annotated[str, typer.Option("--team", help="Proposing team.")] = "",
        based_on: Annotated[
            int | None, typer.Option("--based-on", help="The version this changes.")
        ] = None,
        note: Annotated[str, typer.Option("--note", help="Why.")] = "",
        by: ByOption = None,
    ) -> None:
        """Store a rubric file as a new draft version (active after both teams sign it)."""
        from engine.database import lead_rubrics
        from engine.leads.rubric import rubric_from_toml

        if not file.is_file():
            raise DataError(f"rubric file {file} does not exist", "file")
        rubric = rubric_from_toml(file.read_text(encoding="utf-8"))
        if team:
            team = check_team(team)
        made = lead_rubrics.create_rubric(
            database(), rubric, actor(by), team, "file", based_on, note
        )
        typer.echo(
            f"rubric v{made['version']} stored as a draft ({len(rubric.rules)} rules); "
            "waiting for sign-off by " + " and ".join(made["waiting_for"])
        )

    @rubric_app.command("suggest")
    @resolve_dependencies
    def suggest(
        source: LeadFileOptions,
        out: Annotated[Path, typer.Option("--out", help="TOML file for the suggestion.")],
        exclude: ExcludeOption = None,
        report: Annotated[
            Path | None, typer.Option("--report", help="JSON file for the full comparison.")
        ] = None,
        save: Annotated[
            bool, typer.Option("--save", help="Also store it as a draft to edit and sign off.")
        ] = False,
        team: Annotated[str, typer.Option("--team", help="Proposing team (with --save).")] = "",
        by: ByOption = None,
    ) -> None:
        """Suggest a rubric from leads with outcomes; compare it on the validation split with
        the active rubric and the model (ROC-AUC, precision and leads per tier)."""
        from engine.database import lead_rubrics
        from engine.leads.tiering import ActiveRubric
        from training.leads.job import load_leads
        from training.leads.suggest import suggest_from_table

        table = load_leads(
            source.path,
            source.columns,
            split_list(exclude),
            source.events,
            None,
            source.date_format,
        )
        found = lead_rubrics.active_rubric(database())
        active = ActiveRubric(*found) if found is not None else None
        suggestion = suggest_from_table(table, open_store(), active)
        toml = suggestion.rubric.to_toml()
        write_atomic(out, lambda tmp: tmp.write_text(toml, encoding="utf-8"))
        r = suggestion.report
        typer.echo(
            f"suggested {len(suggestion.rubric.rules)} rules -> {out} ({r['split']}; "
            f"{r['n_validation']} validation leads)"
        )
        for label, key in (("suggested", "suggested"), ("active", "active"), ("model", "model")):
            part = r[key]
            if part is None:
                continue
            tiers = ", ".join(
                f"{t} {v['leads']} ({_share(v['precision'])})" for t, v in part["tiers"].items()
            )
            typer.echo(f"{label:9} ROC-AUC {part['roc_auc']:.3f}; leads (precision): {tiers}")
        if r["changes"] is not None:
            c = r["changes"]
            moves = ", ".join(f"{k}: {v}" for k, v in list(c["by_move"].items())[:6])
            typer.echo(f"adopting it moves {c['changed']} of {c['of']} leads ({moves})")
        echo_notes(r["notes"])
        if report is not None:
            write_json(r, report)
        if save:
            made = lead_rubrics.create_rubric(
                database(),
                suggestion.rubric,
                actor(by),
                check_team(team) if team else "",
                "suggested",
                note=f"suggested from {source.path.name}",
            )
            typer.echo(
                f"stored as draft rubric v{made['version']}; nothing changes until both "
                "teams sign it"
            )

    @rubric_app.command("sign")
    def sign(
        version: Annotated[int, typer.Argument(help="Rubric version.")],
        team: TeamOption,
        comment: CommentOption = "",
        by: ByOption = None,
    ) -> None:
        """Sign a draft for one team; with both teams signed it becomes active."""
        from engine.database import lead_rubrics

        done = lead_rubrics.sign_off(database(), version, check_team(team), actor(by), comment)
        if done["status"] == "active":
            typer.echo(f"rubric v{version} is now active (signed by marketing and sales)")
        else:
            typer.echo(f"rubric v{version} signed by {team}; waiting for {done['waiting_for'][0]}")

    @rubric_app.command("list")
    def list_versions() -> None:
        """Every version, newest first: status and who signed."""
        from engine.database import lead_rubrics

        for r in lead_rubrics.list_rubrics(database()):
            signed = ", ".join(f"{s['team']} ({s['by']})" for s in r["signoffs"]) or "nobody"
            typer.echo(f"v{r['version']} {r['status']:8} {r['name']!r} signed by {signed}")

    @rubric_app.command("show")
    def show(version: Annotated[int, typer.Argument(help="Rubric version.")]) -> None:
        """A version as TOML (edit it and propose it again with --based-on)."""
        from engine.database import lead_rubrics
        from engine.leads.rubric import rubric_from_dict

        found = lead_rubrics.get_rubric(database(), version)
        typer.echo(rubric_from_dict(found["rubric"]).to_toml(), nl=False)


def check_team(team: str) -> str:
    """marketing or sales (exit 2 naming --team otherwise)."""
    from engine.database import lead_rubrics

    if team not in lead_rubrics.TEAMS:
        raise DataError(f"team must be marketing or sales, got '{team}'", "team")
    return team


def register_loop(leads_app: typer.Typer) -> None:
    """`lodestar leads outcomes`, `lodestar leads stats`, `lodestar leads alerts`."""

    @leads_app.command("load")
    def load(data: DataOption) -> None:
        """Create or replace the leads the loop follows (lead_id, owner, created_date,
        attributes, counts) from a file, scored with the active rubric and the champion."""
        from engine.database import lead_events
        from engine.database.lead_events import ScoringContext
        from engine.leads.answers import model_score
        from engine.leads.events import parse_records, table_records

        items = table_records(read_table(data))
        records = parse_records(items)
        settings = get_settings()
        try:
            version, scorer = open_store().load_champion("leads")
            model, model_version = model_score(scorer), version
        except NoChampionError:
            model, model_version = None, None
        context = ScoringContext(settings.lead_tier_source, model, model_version)
        done = lead_events.upsert_leads(database(), records, context)
        typer.echo(
            f"{done['created']} leads created, {done['updated']} replaced from {data}"
            + ("" if model else " (no leads champion: rubric points only)")
        )

    @leads_app.command("outcomes")
    def outcomes(
        data: DataOption,
        by: ByOption = None,
    ) -> None:
        """Record outcomes from a file: lead_id, outcome (won/lost/disqualified), date,
        deal_value (required when won), reason. All rows are stored, or none."""
        from engine.database import lead_outcomes
        from engine.leads.outcomes import outcome_records, parse_outcomes

        frame = read_table(data)
        items = parse_outcomes(outcome_records(frame), dt.date.today(), where="rows")
        who = actor(by)
        done = lead_outcomes.record_outcomes(database(), items, who, f"file {data.name}", "rows")
        typer.echo(
            f"recorded {done['recorded']} outcomes ({done['replaced']} replaced earlier ones) "
            f"from {data} as {who}"
        )

    @leads_app.command("stats")
    def stats(
        group_by: Annotated[
            str | None, typer.Option("--group-by", help="Lead columns to group by, e.g. source.")
        ] = None,
        period: Annotated[
            str, typer.Option("--period", help="month, quarter or year.")
        ] = "quarter",
        out: Annotated[
            Path | None, typer.Option("--out", help="CSV of the per-group figures.")
        ] = None,
    ) -> None:
        """Marketing's figures: conversion, win rate, time to convert, revenue, tiers."""
        from engine.database import lead_outcomes
        from engine.leads.answers import outcome_figures

        columns = split_list(group_by) or []
        figures = outcome_figures(lead_outcomes.stats_frame(database()), columns, period)
        o = figures["overall"]
        typer.echo(
            f"{o['leads']} leads: {o['won']} won, {o['lost']} lost, {o['disqualified']} "
            f"disqualified, {o['open']} open; conversion {_share(o['conversion_rate'])}, "
            f"win rate {_share(o['win_rate'])}, median days to convert "
            f"{_number(o['median_days_to_convert'])}, revenue {o['revenue']:,.2f}"
        )
        for row in figures["rubric_tiers"]:
            if row["decided"]:
                typer.echo(
                    f"rubric tier {row['tier']}: {row['won']}/{row['decided']} won "
                    f"({_share(row['conversion_rate'])})"
                )
        if out is not None and columns:
            write_table(pd.DataFrame(figures["groups"]), out)
            typer.echo(f"per {', '.join(columns)} -> {out}")


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def register_schedule(schedule_app: typer.Typer) -> None:
    """`lodestar schedule run` and `lodestar schedule list`."""

    @schedule_app.command("run")
    def run_schedule(
        force: Annotated[
            bool, typer.Option("--force", help="Retrain now, whatever the schedule says.")
        ] = False,
    ) -> None:
        """Retrain the lead model from stored outcomes if the schedule says so (promoted only
        if better, as always); every check is recorded, started or skipped."""
        from engine.database import lead_retrain
        from engine.database.models import utc_now

        settings = get_settings()
        db = database()
        decision, reason, total, new = lead_retrain.check_due(
            db, settings.lead_retrain_every_days, settings.lead_retrain_min_new_outcomes, force
        )
        if decision == "skipped":
            lead_retrain.record_check(db, "cli", "skipped", reason, total, new)
            typer.echo(f"skipped: {reason}")
            return
        started = utc_now()
        path = lead_retrain.export_training_file(db, settings.home / "retraining")
        from training.leads.job import train_leads

        try:
            result = train_leads(open_store(), path)
        except LodestarError as exc:
            lead_retrain.record_check(
                db,
                "cli",
                "failed",
                f"{reason}; {exc.message}",
                total,
                new,
                data=str(path),
                at=started,
            )
            raise
        lead_retrain.record_check(
            db, "cli", "started", reason, total, new, result.run_id, str(path), at=started
        )
        typer.echo(
            f"retrained lead conversion v{result.version} from {total} outcomes ({reason}): "
            f"{result.outcome}"
        )

    @schedule_app.command("list")
    def list_checks() -> None:
        """Schedule checks, newest first."""
        from engine.database import lead_retrain

        for c in lead_retrain.list_checks(database()):
            run = f" run {c['training_run_id']}" if c["training_run_id"] else ""
            typer.echo(f"{c['at'][:19]} {c['trigger']:6} {c['decision']:8}{run}: {c['reason']}")
