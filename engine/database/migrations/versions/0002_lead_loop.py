"""Lead loop: rubrics, sign-offs, leads, events, alerts, outcomes, reps, allocations, retraining

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:34:07.094302
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from engine.database.migrations.frozen_schema import (
    actor,
    child_of,
    drop_tables,
    lead_key,
    model_version,
    moment,
    references,
    rep,
    rubric_snapshot,
    serial_id,
    stamp,
)

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "lead_alerts",
        serial_id(),
        lead_key(index=True),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        rep("owner", nullable=True, index=True),
        sa.Column("activity", sa.String(length=80), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer()),
        sa.Column("probability", sa.Float()),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("target", sa.String(length=2000)),
        sa.Column("status", sa.String(length=20), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        moment("next_attempt_at", nullable=True, index=True),
        moment("leased_until", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        moment("created_at", index=True),
        moment("delivered_at", nullable=True),
        moment("read_at", nullable=True),
        actor("read_by", nullable=True),
    )
    op.create_table(
        "lead_allocations",
        serial_id(),
        sa.Column("status", sa.String(length=20), nullable=False, index=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("greedy_objective", sa.Float(), nullable=False),
        sa.Column("solver", sa.String(length=400), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        *stamp("created"),
        *stamp("decided", nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_table(
        "lead_events",
        serial_id(),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        lead_key(),
        sa.Column("activity", sa.String(length=80), nullable=False),
        moment("occurred_at"),
        moment("received_at"),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.UniqueConstraint("event_id"),
        sa.Index("ix_lead_events_lead_occurred", "lead_id", "occurred_at"),
    )
    op.create_table(
        "lead_retrain_runs",
        serial_id(),
        moment("at", index=True),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("new_outcomes", sa.Integer(), nullable=False),
        sa.Column("training_run_id", sa.String(length=40)),
        sa.Column("data", sa.Text()),
    )
    op.create_table(
        "lead_rubrics",
        serial_id(),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False, index=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("based_on", sa.Integer()),
        sa.Column("note", sa.Text(), nullable=False),
        actor("created_by"),
        sa.Column("created_team", sa.String(length=20), nullable=False),
        moment("created_at"),
        moment("activated_at", nullable=True),
        moment("retired_at", nullable=True),
    )
    op.create_table(
        "leads",
        lead_key(primary_key=True),
        sa.Column("created_date", sa.Date(), index=True),
        rep("owner", nullable=True, index=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("base_counts", sa.JSON(), nullable=False),
        sa.Column("event_counts", sa.JSON(), nullable=False),
        moment("last_activity_at", nullable=True),
        sa.Column("points", sa.Integer()),
        *rubric_snapshot(),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("probability", sa.Float()),
        model_version("model_version", nullable=True),
        sa.Column("model_tier", sa.String(length=20)),
        sa.Column("tier", sa.String(length=20), index=True),
        sa.Column("tier_source", sa.String(length=40)),
        moment("recorded_at"),
        moment("updated_at"),
        moment("assigned_at", nullable=True),
    )
    op.create_table(
        "sales_reps",
        rep("name", primary_key=True),
        sa.Column("territories", sa.JSON(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("weekly_capacity", sa.Integer(), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000)),
        sa.Column("active", sa.Boolean(), nullable=False),
        *stamp("updated"),
    )
    op.create_table(
        "lead_alert_attempts",
        serial_id(),
        *child_of("alert_id", "lead_alerts.id"),
        moment("at"),
        sa.Column("status_code", sa.Integer()),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
    )
    op.create_table(
        "lead_allocation_items",
        serial_id(),
        *child_of("allocation_id", "lead_allocations.id"),
        lead_key(),
        rep("rep"),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("deal_value", sa.Float(), nullable=False),
        sa.Column("expected_value", sa.Float(), nullable=False),
        sa.Column("territory", sa.String(length=120)),
        sa.Column("segment", sa.String(length=120)),
    )
    op.create_table(
        "lead_outcomes",
        lead_key(primary_key=True),
        sa.Column("outcome", sa.String(length=20), nullable=False, index=True),
        sa.Column("deal_value", sa.Float()),
        sa.Column("outcome_date", sa.Date(), nullable=False, index=True),
        sa.Column("reason", sa.Text(), nullable=False),
        actor("recorded_by"),
        moment("recorded_at", index=True),
        *rubric_snapshot(),
        sa.Column("points", sa.Integer()),
        sa.Column("probability", sa.Float()),
        sa.Column("tier", sa.String(length=20)),
        references("lead_id", "leads.lead_id"),
    )
    op.create_table(
        "lead_rubric_signoffs",
        serial_id(),
        *child_of("rubric_id", "lead_rubrics.id"),
        sa.Column("team", sa.String(length=20), nullable=False),
        actor("actor"),
        sa.Column("comment", sa.Text(), nullable=False),
        moment("at"),
        sa.UniqueConstraint("rubric_id", "team", name="uq_lead_rubric_signoffs_team"),
    )


def downgrade() -> None:
    drop_tables("lead_rubric_signoffs", "lead_rubrics")
    drop_tables("lead_outcomes", "leads")
    drop_tables("lead_allocation_items", "lead_allocations")
    drop_tables("lead_alert_attempts", "lead_alerts")
    drop_tables("sales_reps")
    drop_tables("lead_retrain_runs")
    drop_tables("lead_events")
