"""`lodestar models list|show|history|promote|rollback`: champions and challengers.

`show sales` prints which model or combination each series got and why (data scientists).

Promotion and rollback only move the `champion` alias (a running server picks it up within
LODESTAR_REFRESH_SECONDS); both print the champion-vs-challenger metrics first. Every move is
recorded in the champion history (`lodestar models history sales`); rollback undoes the last.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from engine.core.errors import DataError
from engine.core.families import family as registered_family
from engine.core.files import write_table
from training.cli.options import open_store
from training.cli.planning import ByOption, actor, record_move

FamilyArg = Annotated[str, typer.Argument(help="sales, leads or pricing.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Only show the comparison; move nothing.")
]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _comparison_text(rows: list[dict]) -> str:
    if not rows:
        return "  (no metrics logged)"
    width = max(len(r["metric"]) for r in rows)
    lines = [f"  {'metric':<{width}}  {'champion':>10}  {'challenger':>10}  {'diff':>10}"]
    for r in rows:
        lines.append(
            f"  {r['metric']:<{width}}  {_fmt(r['champion']):>10}  "
            f"{_fmt(r['challenger']):>10}  {_fmt(r['difference']):>10}"
        )
    return "\n".join(lines)


def _move_text(move: dict) -> str:
    head = (
        f"{move['family']} {move['action']}: champion v{move['previous_champion'] or '-'} "
        f"vs challenger v{move['target']}"
    )
    return f"{head}\n{_comparison_text(move['comparison'])}\n{move['message']}"


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    models_app = typer.Typer(help="Registered models: list, promote, roll back.")
    app.add_typer(models_app, name="models")

    @models_app.command("list")
    def list_models(
        family: Annotated[str | None, typer.Argument(help="One family (default: all).")] = None,
        limit: Annotated[int, typer.Option("--limit", help="Challengers per family.")] = 10,
    ) -> None:
        """Each family's champion and recent challengers with metrics and data range."""
        from engine.registry.lifecycle import family_overview, overview

        store = open_store()
        if family:
            registered_family(family)
            families = [family_overview(store, family, limit)]
        else:
            families = overview(store, limit)
        for fam in families:
            typer.echo(f"{fam['family']} ({fam['registered_model']}), {fam['n_versions']} versions")
            entries = ([fam["champion"]] if fam["champion"] else []) + fam["challengers"]
            if not entries:
                typer.echo("  no versions yet: train one with `lodestar train ...`")
            for v in entries:
                mark = "champion  " if v["is_champion"] else "challenger"
                metrics = ", ".join(f"{k}={_fmt(val)}" for k, val in v["metrics"].items())
                typer.echo(
                    f"  v{v['version']:<4} {mark} trained {v['trained_at'] or '-'} "
                    f"data {v['data_start'] or '?'}..{v['data_end'] or '?'}  {metrics}"
                )

    @models_app.command("show")
    def show(
        family: FamilyArg,
        version: Annotated[
            str | None, typer.Option("--version", help="Version (default: the champion).")
        ] = None,
        limit: Annotated[int, typer.Option("--limit", help="Series rows to print.")] = 20,
        out: Annotated[
            Path | None, typer.Option("--out", help="Write every series' choice (CSV/JSON).")
        ] = None,
    ) -> None:
        """Which model or combination each series got and why (sales): backtest MASE of each."""
        from engine.forecasting.answers import model_choice

        registered_family(family)
        if family != "sales":
            raise DataError("per-series model choice exists for the sales family only", "family")
        store = open_store()
        if version is None:
            version, payload = store.load_champion(family)
        else:
            payload = store.load_version(family, version)
        summary, table = model_choice(payload)
        typer.echo(f"{family} v{version}: {len(table)} series")
        typer.echo(summary.round(3).to_string(index=False))
        shown = [c for c in table.columns if not c.startswith("mase.")]
        typer.echo("")
        typer.echo(table[shown].head(limit).round(3).to_string(index=False))
        if len(table) > limit:
            typer.echo(f"... {len(table) - limit} more series (--out FILE writes them all)")
        if out is not None:
            write_table(table, out)
            typer.echo(f"written to {out}")

    @models_app.command("promote")
    def promote(
        family: FamilyArg,
        version: Annotated[str, typer.Argument(help="Version to make champion.")],
        dry_run: DryRunOption = False,
        by: ByOption = None,
    ) -> None:
        """Make a version the champion (it is loaded once first, to be sure it serves)."""
        from engine.registry.lifecycle import move_champion

        who = actor(by)
        move = move_champion(open_store(), family, version, "promote", dry_run, who=who)
        record_move(who, move.to_dict())
        typer.echo(_move_text(move.to_dict()))

    @models_app.command("rollback")
    def rollback(
        family: FamilyArg,
        version: Annotated[
            str | None,
            typer.Option("--to", help="Version to go back to (default: the one before)."),
        ] = None,
        dry_run: DryRunOption = False,
        by: ByOption = None,
    ) -> None:
        """Undo the last champion move (or go back to --to VERSION)."""
        from engine.registry import lifecycle

        who = actor(by)
        move = lifecycle.rollback(open_store(), family, version, dry_run, who=who)
        record_move(who, move.to_dict())
        typer.echo(_move_text(move.to_dict()))

    @models_app.command("history")
    def history(
        family: FamilyArg,
        limit: Annotated[int, typer.Option("--limit", help="Most recent moves to show.")] = 20,
    ) -> None:
        """Every move of the champion, newest first: when, who, what, from, to and why."""
        from engine.registry.lifecycle import history_view

        registered_family(family)
        view = history_view(open_store(), family, limit)
        typer.echo(f"{family} champion: v{view['champion'] or '-'}")
        if not view["moves"]:
            typer.echo("  no champion moves recorded yet")
        for move in view["moves"]:
            before = f"v{move['from_version']}" if move["from_version"] else "none"
            undone = "  [undone]" if move["undone"] else ""
            typer.echo(
                f"  #{move['seq']:<4} {move['at'] or 'unknown time':<25} {move['action']:<8} "
                f"{before} -> v{move['to_version']}  by {move['who']}: {move['reason']}{undone}"
            )
