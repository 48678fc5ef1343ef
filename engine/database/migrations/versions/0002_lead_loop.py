"""Lead loop: rubrics, sign-offs, leads, events, alerts, outcomes, reps, allocations, retraining

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:34:07.094302
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lead_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("activity", sa.String(length=80), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("target", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_alerts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_alerts_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lead_alerts_next_attempt_at"), ["next_attempt_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lead_alerts_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_lead_alerts_status"), ["status"], unique=False)

    op.create_table(
        "lead_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=False),
        sa.Column("greedy_objective", sa.Float(), nullable=False),
        sa.Column("solver", sa.String(length=400), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_allocations_status"), ["status"], unique=False)

    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("lead_id", sa.String(length=120), nullable=False),
        sa.Column("activity", sa.String(length=80), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
    )
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_events_lead_occurred", ["lead_id", "occurred_at"], unique=False
        )

    op.create_table(
        "lead_retrain_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outcomes", sa.Integer(), nullable=False),
        sa.Column("new_outcomes", sa.Integer(), nullable=False),
        sa.Column("training_run_id", sa.String(length=40), nullable=True),
        sa.Column("data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_retrain_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_retrain_runs_at"), ["at"], unique=False)

    op.create_table(
        "lead_rubrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_team", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_rubrics", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_rubrics_status"), ["status"], unique=False)

    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(length=120), nullable=False),
        sa.Column("created_date", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=80), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("base_counts", sa.JSON(), nullable=False),
        sa.Column("event_counts", sa.JSON(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("rubric_id", sa.Integer(), nullable=True),
        sa.Column("rubric_tier", sa.String(length=20), nullable=True),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("model_tier", sa.String(length=20), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.Column("tier_source", sa.String(length=40), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_created_date"), ["created_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_tier"), ["tier"], unique=False)

    op.create_table(
        "sales_reps",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("territories", sa.JSON(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("weekly_capacity", sa.Integer(), nullable=False),
        sa.Column("webhook_url", sa.String(length=2000), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "lead_alert_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["lead_alerts.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_alert_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lead_alert_attempts_alert_id"), ["alert_id"], unique=False
        )

    op.create_table(
        "lead_allocation_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=120), nullable=False),
        sa.Column("rep", sa.String(length=80), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("deal_value", sa.Float(), nullable=False),
        sa.Column("expected_value", sa.Float(), nullable=False),
        sa.Column("territory", sa.String(length=120), nullable=True),
        sa.Column("segment", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["lead_allocations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lead_allocation_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lead_allocation_items_allocation_id"), ["allocation_id"], unique=False
        )

    op.create_table(
        "lead_outcomes",
        sa.Column("lead_id", sa.String(length=120), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("deal_value", sa.Float(), nullable=True),
        sa.Column("outcome_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=True),
        sa.Column("rubric_tier", sa.String(length=20), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("tier", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.lead_id"],
        ),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    with op.batch_alter_table("lead_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lead_outcomes_outcome"), ["outcome"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lead_outcomes_outcome_date"), ["outcome_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lead_outcomes_recorded_at"), ["recorded_at"], unique=False
        )

    op.create_table(
        "lead_rubric_signoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_id"],
            ["lead_rubrics.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rubric_id", "team", name="uq_lead_rubric_signoffs_team"),
    )
    with op.batch_alter_table("lead_rubric_signoffs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lead_rubric_signoffs_rubric_id"), ["rubric_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("lead_rubric_signoffs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_rubric_signoffs_rubric_id"))

    op.drop_table("lead_rubric_signoffs")
    with op.batch_alter_table("lead_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_outcomes_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_lead_outcomes_outcome_date"))
        batch_op.drop_index(batch_op.f("ix_lead_outcomes_outcome"))

    op.drop_table("lead_outcomes")
    with op.batch_alter_table("lead_allocation_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_allocation_items_allocation_id"))

    op.drop_table("lead_allocation_items")
    with op.batch_alter_table("lead_alert_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_alert_attempts_alert_id"))

    op.drop_table("lead_alert_attempts")
    op.drop_table("sales_reps")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_tier"))
        batch_op.drop_index(batch_op.f("ix_leads_owner"))
        batch_op.drop_index(batch_op.f("ix_leads_created_date"))

    op.drop_table("leads")
    with op.batch_alter_table("lead_rubrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_rubrics_status"))

    op.drop_table("lead_rubrics")
    with op.batch_alter_table("lead_retrain_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_retrain_runs_at"))

    op.drop_table("lead_retrain_runs")
    with op.batch_alter_table("lead_events", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_events_lead_occurred")

    op.drop_table("lead_events")
    with op.batch_alter_table("lead_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_allocations_status"))

    op.drop_table("lead_allocations")
    with op.batch_alter_table("lead_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_lead_alerts_owner"))
        batch_op.drop_index(batch_op.f("ix_lead_alerts_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_lead_alerts_lead_id"))
        batch_op.drop_index(batch_op.f("ix_lead_alerts_created_at"))

    op.drop_table("lead_alerts")
