"""`lodestar plan ...`, `lodestar actuals load` and `lodestar audit`: plans from the command line.

The CLI works on the application database directly (LODESTAR_DATABASE_URL, else the SQLite
file under LODESTAR_HOME), calling the same engine/database functions as the API. It has no
API key, so the audit records the name given with `--by` (default: LODESTAR_USER or the login).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer

from engine.core.contracts import read_sales
from engine.core.errors import DataError
from engine.core.files import write_table
from engine.core.settings import get_settings
from training.cli.options import (
    ColumnsOption,
    CommentOption,
    DataOption,
    DateFormatOption,
    KeysOption,
    echo_findings,
    open_store,
    split_list,
)

if TYPE_CHECKING:
    from engine.database.setup import Database

PlanArg = Annotated[int, typer.Argument(help="Plan id (see `lodestar plan list`).")]
VersionOption = Annotated[str, typer.Option("--version", help="Version name.")]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Your name for the audit trail (default LODESTAR_USER or login)."),
]
OutOption = Annotated[Path | None, typer.Option("--out", help="Also write the table (.csv/.json).")]
LevelOption = Annotated[str | None, typer.Option("--level", help="total, region, ...")]
QuartersOption = Annotated[str | None, typer.Option("--quarters", help="2027Q1,2027Q2")]


def actor(by: str | None) -> str:
    """Who the audit names: --by, else LODESTAR_USER, else the login name."""
    name = by or os.environ.get("LODESTAR_USER") or f"cli:{getpass.getuser()}"
    return name.strip() or "cli"


def database() -> Database:
    """The application database (opened, and migrated, on first use; imported here so commands
    that never touch it start without SQLAlchemy and Alembic)."""
    from engine.database.setup import open_database

    return open_database(get_settings().database_uri)


def record_move(by: str, move: dict[str, Any]) -> None:
    """Audit a champion move made from the command line (only one that moved)."""
    from engine.database import audit

    audit.record_champion_move(database(), by, move)


def parse_cell(text: str, field: str = "cell") -> dict[str, str]:
    """'region=North' / 'region=North,store=S01' / 'total' -> the cell's keys."""
    if text.strip().lower() == "total":
        return {}
    cell: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise DataError(f"cell '{text}' must look like region=North (or total)", field)
        cell[key.strip()] = value.strip()
    return cell


def quarter_list(text: str | None) -> list[str] | None:
    return [q.strip().upper() for q in text.split(",") if q.strip()] if text else None


def show_table(rows: list[dict[str, Any]], out: Path | None, columns: list[str]) -> None:
    """Print the rows (keys flattened) and write them when asked."""
    flat = [{**r.get("keys", {}), **{k: v for k, v in r.items() if k != "keys"}} for r in rows]
    frame = pd.DataFrame(flat)
    if frame.empty:
        typer.echo("(nothing)")
        return
    shown = [c for c in frame.columns if c in columns or c not in rows[0]]
    typer.echo(frame[shown].round(2).to_string(index=False))
    if out is not None:
        write_table(frame, out)
        typer.echo(f"written to {out}")


def version_line(v: dict[str, Any]) -> str:
    who = v.get("decided_by") or v.get("submitted_by") or v["created_by"]
    return f"  {v['name']:<20} {v['state']:<10} rev {v['revision']:<4} {v['source']} ({who})"


def register(app: typer.Typer, train_app: typer.Typer) -> None:
    plan_app = typer.Typer(help="Quarterly plans: create, override, approve, track.")
    app.add_typer(plan_app, name="plan")
    actuals_app = typer.Typer(help="Actual sales for plan tracking.", no_args_is_help=True)
    app.add_typer(actuals_app, name="actuals")

    @plan_app.command("create")
    def create(
        quarters: Annotated[str, typer.Option("--quarters", help="2027Q1..2027Q4 or a list.")],
        name: Annotated[str, typer.Option("--name", help="Plan name.")] = "plan",
        by: ByOption = None,
    ) -> None:
        """A plan from the sales champion: version baseline, every level and quarter."""
        from engine.database import plans
        from engine.forecasting.quarterly import QuarterlyCache
        from engine.planning.answers import plan_quarters

        settings = get_settings()
        version, payload = open_store().load_champion("sales")
        wanted = plan_quarters(quarters, settings.fiscal_year_start_month)
        cache = QuarterlyCache.build(payload, settings.fiscal_year_start_month)
        made = plans.create_plan(database(), cache, version, wanted, name, actor(by))
        typer.echo(
            f"plan {made['id']} '{name}': {', '.join(made['quarters'])} from sales champion "
            f"v{version}; levels {', '.join(made['levels'])}"
        )

    @plan_app.command("list")
    def list_plans() -> None:
        """Every plan and its versions."""
        from engine.database import plans

        found = plans.list_plans(database())
        if not found:
            typer.echo("no plans yet: `lodestar plan create --quarters 2027Q1..2027Q4`")
        for p in found:
            typer.echo(
                f"plan {p['id']} '{p['name']}' {','.join(p['quarters'])} "
                f"(sales v{p['champion_version']})"
            )
            for v in p["versions"]:
                typer.echo(version_line(v))

    @plan_app.command("show")
    def show(
        plan_id: PlanArg,
        version: VersionOption = "baseline",
        level: LevelOption = "total",
        quarters: QuartersOption = None,
        out: OutOption = None,
    ) -> None:
        """A version's cells at one level (default the total)."""
        from engine.database import plans

        answer = plans.read_cells(database(), plan_id, version, level, quarter_list(quarters))
        typer.echo(version_line(answer["version"]).strip())
        show_table(
            answer["cells"],
            out,
            ["quarter", "value", "baseline", "lo_80", "hi_80", "pinned", "revision"],
        )

    @plan_app.command("export")
    def export(
        plan_id: PlanArg,
        out: Annotated[Path, typer.Option("--out", help="CSV or JSON file.")],
        version: VersionOption = "baseline",
    ) -> None:
        """Every cell of a version to a file."""
        from engine.database import plans

        answer = plans.read_cells(database(), plan_id, version)
        rows = [
            {**c["keys"], **{k: v for k, v in c.items() if k != "keys"}} for c in answer["cells"]
        ]
        write_table(pd.DataFrame(rows), out)
        typer.echo(f"{len(rows)} cells of plan {plan_id} version {version} written to {out}")

    @plan_app.command("copy")
    def copy(
        plan_id: PlanArg,
        name: Annotated[str, typer.Option("--name", help="New version name.")],
        source: Annotated[str, typer.Option("--from", help="Version to copy.")] = "baseline",
        by: ByOption = None,
    ) -> None:
        """A new draft version copied from another."""
        from engine.database import plans

        made = plans.copy_version(database(), plan_id, source, name, actor(by))
        typer.echo(version_line(made).strip())

    @plan_app.command("override")
    def override(
        plan_id: PlanArg,
        cell: Annotated[str, typer.Option("--cell", help="region=North, or total.")],
        quarter: Annotated[str, typer.Option("--quarter", help="2027Q1")],
        reason: Annotated[str, typer.Option("--reason", help="A configured reason code.")],
        version: VersionOption = "baseline",
        value: Annotated[float | None, typer.Option("--value", help="New units.")] = None,
        percent: Annotated[float | None, typer.Option("--percent", help="Change, +5 = 5%.")] = None,
        comment: CommentOption = "",
        pin: Annotated[
            list[str] | None, typer.Option("--pin", help="Hold this cell (repeatable).")
        ] = None,
        by: ByOption = None,
    ) -> None:
        """Set one cell; its children move by baseline share and its parents re-sum."""
        from engine.database import plans

        request = plans.Override(
            cell=parse_cell(cell),
            quarter=quarter.strip().upper(),
            reason=reason,
            value=value,
            percent=percent,
            comment=comment,
            pins=[parse_cell(p, "pin") for p in pin or []],
        )
        done = plans.override(
            database(), plan_id, version, request, actor(by), get_settings().reason_codes
        )
        typer.echo(
            f"{cell} {quarter}: {done['before']:.2f} -> {done['after']:.2f} "
            f"({done['cells_changed']} cells changed; version revision {done['version_revision']})"
        )

    def decide(action: str, plan_id: int, version: str, comment: str, by: str | None) -> None:
        from engine.database import plans
        from engine.database.approvals import StepRequest

        done = plans.transition(
            database(), plan_id, version, StepRequest(action, actor(by), comment)
        )
        typer.echo(version_line(done).strip())

    def add_step(action: str, summary: str) -> None:
        """`lodestar plan <action>`: a version step with an optional comment."""

        def step(
            plan_id: PlanArg,
            version: VersionOption = "baseline",
            comment: CommentOption = "",
            by: ByOption = None,
        ) -> None:
            decide(action, plan_id, version, comment, by)

        plan_app.command(action, help=summary)(step)

    add_step("submit", "Send a version for approval.")
    add_step("approve", "Approve a submitted version (someone else's).")

    @plan_app.command("reject")
    def reject(
        plan_id: PlanArg,
        comment: CommentOption,
        version: VersionOption = "baseline",
        by: ByOption = None,
    ) -> None:
        """Send a submitted version back, saying why."""
        decide("reject", plan_id, version, comment, by)

    add_step("lock", "Lock an approved version for good.")

    @plan_app.command("track")
    def track(
        plan_id: PlanArg,
        version: Annotated[str | None, typer.Option("--version", help="Default: approved.")] = None,
        level: LevelOption = "total",
        quarters: QuartersOption = None,
        out: OutOption = None,
    ) -> None:
        """Actual vs plan vs forecast, run rate to quarter end, warnings outside the 80% band."""
        from engine.database import reviews

        answer = reviews.tracking(database(), plan_id, version, level, quarter_list(quarters))
        typer.echo(f"version {answer['version']['name']}: {answer['warnings']} warning(s)")
        show_table(
            answer["cells"],
            out,
            [
                "quarter",
                "plan",
                "forecast",
                "actual_to_date",
                "projection",
                "variance_pct",
                "status",
                "warning",
            ],
        )

    @plan_app.command("fva")
    def fva(plan_id: PlanArg, out: OutOption = None) -> None:
        """Forecast value added of the approved plan, per level and per override reason."""
        from engine.database import reviews

        answer = reviews.forecast_value_added(database(), plan_id)
        typer.echo(
            f"approved version {answer['version']['name']}; quarters with actuals: "
            f"{', '.join(answer['quarters_with_actuals']) or 'none yet'}"
        )
        show_table(answer["levels"], out, list(answer["levels"][0]) if answer["levels"] else [])
        if answer["reasons"]:
            typer.echo("by override reason:")
            show_table(answer["reasons"], None, list(answer["reasons"][0]))

    @actuals_app.command("load")
    def load(
        data: DataOption,
        columns: ColumnsOption = None,
        keys: KeysOption = None,
        date_format: DateFormatOption = None,
        by: ByOption = None,
    ) -> None:
        """Load actual sales (checked like training data); a date loaded again is replaced.

        Every period is loaded, a partial last one too (it is actual to date); the data's
        findings are printed first.
        """
        from engine.database.actuals import load_actuals

        history = read_sales(data, columns, split_list(keys), date_format=date_format)
        echo_findings(history.findings)
        done = load_actuals(database(), history, actor(by), str(data))
        typer.echo(
            f"loaded {done['rows']} rows for {done['series']} series, "
            f"{done['first_date']} to {done['last_date']}"
        )

    @app.command("audit")
    def audit_trail(
        plan: Annotated[int | None, typer.Option("--plan", help="One plan's lines.")] = None,
        action: Annotated[str | None, typer.Option("--action", help="e.g. plan.override")] = None,
        who: Annotated[str | None, typer.Option("--actor", help="One person's lines.")] = None,
        family: Annotated[str | None, typer.Option("--family", help="Model moves.")] = None,
        limit: Annotated[int, typer.Option("--limit")] = 200,
        out: OutOption = None,
    ) -> None:
        """Who did what, when and why (append-only)."""
        from engine.database import audit

        wanted = audit.AuditFilter(who, action, plan, family=family, limit=limit)
        with database().read() as session:
            rows = audit.query(session, wanted)
        show_table(rows, out, ["at", "actor", "action", *audit.FIELDS])
