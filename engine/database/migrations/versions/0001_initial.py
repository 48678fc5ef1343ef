"""Initial schema: plans, audit, actuals, price lists, scenarios, runs

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 04:02:54.465238
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.database.migrations.frozen_schema import (
    actor,
    approval_trail,
    cell_address,
    child_of,
    drop_tables,
    model_version,
    moment,
    serial_id,
    stamp,
    workflow_position,
)

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "actuals",
        serial_id(),
        sa.Column("series", sa.String(length=400), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False, index=True),
        sa.Column("units", sa.Float(), nullable=False),
        moment("loaded_at"),
        sa.UniqueConstraint("series", "date", name="uq_actuals_series_date"),
    )
    op.create_table(
        "audit_events",
        serial_id(),
        moment("at", index=True),
        actor("actor", index=True),
        sa.Column("action", sa.String(length=60), nullable=False, index=True),
        sa.Column("plan_id", sa.Integer(), index=True),
        sa.Column("version", sa.String(length=80)),
        sa.Column("cell", sa.String(length=500)),
        sa.Column("before", sa.Text()),
        sa.Column("after", sa.Text()),
        sa.Column("reason", sa.String(length=80)),
        sa.Column("comment", sa.Text()),
        sa.Column("price_list_id", sa.Integer(), index=True),
        sa.Column("scenario_id", sa.String(length=80)),
        sa.Column("family", sa.String(length=20)),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_table(
        "plans",
        serial_id(),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("series", sa.JSON(), nullable=False),
        sa.Column("quarters", sa.JSON(), nullable=False),
        sa.Column("fiscal_start_month", sa.Integer(), nullable=False),
        sa.Column("freq", sa.String(length=8), nullable=False),
        model_version("champion_version"),
        *stamp("created"),
    )
    op.create_table(
        "price_lists",
        serial_id(),
        sa.Column("name", sa.String(length=120), nullable=False),
        *workflow_position(),
        sa.Column("source", sa.String(length=40), nullable=False),
        model_version("pricing_model_version", nullable=True),
        model_version("sales_model_version", nullable=True),
        sa.Column("objective", sa.String(length=20)),
        *approval_trail(),
        *stamp("published", nullable=True),
    )
    op.create_table(
        "saved_scenarios",
        sa.Column("name", sa.String(length=80), primary_key=True),
        sa.Column("saved_at", sa.String(length=40), nullable=False),
        sa.Column("scenario", sa.JSON(), nullable=False),
    )
    op.create_table(
        "training_runs",
        sa.Column("id", sa.String(length=40), primary_key=True),
        sa.Column("family", sa.String(length=20), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False, index=True),
        sa.Column("record", sa.JSON(), nullable=False),
    )
    op.create_table(
        "plan_versions",
        serial_id(),
        *child_of("plan_id", "plans.id"),
        sa.Column("name", sa.String(length=80), nullable=False),
        *workflow_position(),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("copied_from", sa.String(length=80)),
        sa.Column("scenario_id", sa.String(length=80)),
        *approval_trail(),
        *stamp("locked", nullable=True),
        sa.UniqueConstraint("plan_id", "name", name="uq_plan_versions_plan_name"),
    )
    op.create_table(
        "price_list_items",
        serial_id(),
        *child_of("price_list_id", "price_lists.id"),
        sa.Column("product", sa.String(length=120), nullable=False),
        sa.Column("current_price", sa.Float(), nullable=False),
        sa.Column("new_price", sa.Float(), nullable=False),
        sa.Column("unit_change", sa.Float()),
        sa.Column("revenue_change", sa.Float()),
        sa.Column("margin_change", sa.Float()),
        sa.Column("binding", sa.String(length=400), nullable=False),
    )
    op.create_table(
        "plan_cells",
        serial_id(),
        *child_of("version_id", "plan_versions.id", index=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *cell_address(),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("lo_80", sa.Float(), nullable=False),
        sa.Column("hi_80", sa.Float(), nullable=False),
        sa.Column("lo_95", sa.Float(), nullable=False),
        sa.Column("hi_95", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Float()),
        sa.Column("margin", sa.Float()),
        sa.UniqueConstraint("version_id", "level", "key", "quarter", name="uq_plan_cells_address"),
        sa.Index("ix_plan_cells_version_quarter", "version_id", "quarter"),
    )
    op.create_table(
        "plan_overrides",
        serial_id(),
        *child_of("version_id", "plan_versions.id"),
        *cell_address(),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("before", sa.Float(), nullable=False),
        sa.Column("after", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        actor("actor"),
        moment("at"),
    )
    append_only_audit()
    if op.get_bind().dialect.name == "postgresql":
        # room on each page, so an override's cell updates stay heap-only (no index writes)
        op.execute("ALTER TABLE plan_cells SET (fillfactor = 70)")


APPEND_ONLY = "the audit trail is append-only"


def append_only_audit() -> None:
    """Refuse UPDATE and DELETE on audit_events in the database itself, not only in our code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_events_no_{event.lower()} BEFORE {event} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    drop_tables("plan_overrides", "plan_cells", "plan_versions", "plans")
    drop_tables("price_list_items", "price_lists")
    drop_tables("training_runs")
    drop_tables("saved_scenarios")
    drop_tables("audit_events")
    drop_tables("actuals")
