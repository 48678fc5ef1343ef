"""The application database's tables as typed SQLAlchemy models (decisions; MLflow keeps models).

Every table is created by the Alembic migrations in `migrations/`, never by `create_all`, so a
team's PostgreSQL database and the embedded SQLite file always have the same shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored as UTC and read back timezone-aware on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utc_now() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every Lodestar table."""


class ApprovalTrail:
    """Where a row stands in the two-person approval workflow and who moved it there (plan
    versions and price lists; each adds its own final step's stamps)."""

    state: Mapped[str] = mapped_column(String(20), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    submitted_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class Plan(Base):
    """A quarterly plan made from one sales champion: its hierarchy, quarters and versions."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    keys: Mapped[list[str]] = mapped_column(JSON)
    columns: Mapped[list[str]] = mapped_column(JSON)
    series: Mapped[list[list[str]]] = mapped_column(JSON, deferred=True)
    quarters: Mapped[list[str]] = mapped_column(JSON)
    fiscal_start_month: Mapped[int] = mapped_column(Integer)
    freq: Mapped[str] = mapped_column(String(8))
    champion_version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.id"
    )


class PlanVersion(ApprovalTrail, Base):
    """One named version of a plan and where it stands (draft → submitted → approved → locked)."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "name", name="uq_plan_versions_plan_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(200))
    copied_from: Mapped[str | None] = mapped_column(String(80), nullable=True)
    scenario_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    locked_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)

    plan: Mapped[Plan] = relationship(back_populates="versions")


class PlanCell(Base):
    """One number of a version: a hierarchy group (level + key) in one quarter."""

    __tablename__ = "plan_cells"
    __table_args__ = (
        UniqueConstraint("version_id", "level", "key", "quarter", name="uq_plan_cells_address"),
        Index("ix_plan_cells_version_quarter", "version_id", "quarter"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    position: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(400))
    quarter: Mapped[str] = mapped_column(String(8))
    baseline: Mapped[float] = mapped_column(Float)
    lo_80: Mapped[float] = mapped_column(Float)
    hi_80: Mapped[float] = mapped_column(Float)
    lo_95: Mapped[float] = mapped_column(Float)
    hi_95: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revenue: Mapped[float | None] = mapped_column(Float, nullable=True)
    margin: Mapped[float | None] = mapped_column(Float, nullable=True)


class PlanOverride(Base):
    """One planner override of one cell (kept for forecast value added per reason)."""

    __tablename__ = "plan_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    level: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(400))
    quarter: Mapped[str] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Float)
    before: Mapped[float] = mapped_column(Float)
    after: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(80))
    comment: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class AuditEvent(Base):
    """One append-only audit line: who, when, what (before → after) and why."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    version: Mapped[str | None] = mapped_column(String(80), nullable=True)
    cell: Mapped[str | None] = mapped_column(String(500), nullable=True)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(80), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    price_list_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    scenario_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    family: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Actual(Base):
    """Units actually sold by one series in one period (loaded after the fact)."""

    __tablename__ = "actuals"
    __table_args__ = (UniqueConstraint("series", "date", name="uq_actuals_series_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(400))
    keys: Mapped[dict[str, str]] = mapped_column(JSON)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    units: Mapped[float] = mapped_column(Float)
    loaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class PriceList(ApprovalTrail, Base):
    """A set of prices on its way from draft to published."""

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(40))
    pricing_model_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sales_model_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    objective: Mapped[str | None] = mapped_column(String(20), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)

    items: Mapped[list[PriceListItem]] = relationship(
        back_populates="price_list", order_by="PriceListItem.id"
    )


class PriceListItem(Base):
    """One product's price in a list, with its expected effect and the rule that binds it."""

    __tablename__ = "price_list_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id"), index=True)
    product: Mapped[str] = mapped_column(String(120))
    current_price: Mapped[float] = mapped_column(Float)
    new_price: Mapped[float] = mapped_column(Float)
    unit_change: Mapped[float | None] = mapped_column(Float, nullable=True)
    revenue_change: Mapped[float | None] = mapped_column(Float, nullable=True)
    margin_change: Mapped[float | None] = mapped_column(Float, nullable=True)
    binding: Mapped[str] = mapped_column(String(400), default="")

    price_list: Mapped[PriceList] = relationship(back_populates="items")


class SavedScenario(Base):
    """A named what-if scenario kept for later runs and comparisons."""

    __tablename__ = "saved_scenarios"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    saved_at: Mapped[str] = mapped_column(String(40))
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON)


class TrainingRunRow(Base):
    """A background training run's status, readable by every server worker."""

    __tablename__ = "training_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    family: Mapped[str] = mapped_column(String(20))
    data: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[str] = mapped_column(String(40), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)


class LeadRubric(Base):
    """One version of the points rubric (never edited: a change is a new version)."""

    __tablename__ = "lead_rubrics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20), default="hand")
    based_on: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_team: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    activated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)

    signoffs: Mapped[list[LeadRubricSignoff]] = relationship(
        back_populates="rubric", order_by="LeadRubricSignoff.id"
    )


class LeadRubricSignoff(Base):
    """One team's sign-off of a rubric version (one per team and version)."""

    __tablename__ = "lead_rubric_signoffs"
    __table_args__ = (UniqueConstraint("rubric_id", "team", name="uq_lead_rubric_signoffs_team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("lead_rubrics.id"), index=True)
    team: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)

    rubric: Mapped[LeadRubric] = relationship(back_populates="signoffs")


class Lead(Base):
    """A lead the loop follows: attributes, activity counts, its points, score and owner."""

    __tablename__ = "leads"

    lead_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True, index=True)
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    base_counts: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    event_counts: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    last_activity_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rubric_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rubric_tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    fired: Mapped[list[Any]] = mapped_column(JSON, default=list)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    model_tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    tier_source: Mapped[str | None] = mapped_column(String(40), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


class LeadEvent(Base):
    """One activity of a lead, kept once per event id (a resent event changes nothing)."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_lead_occurred", "lead_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    lead_id: Mapped[str] = mapped_column(String(120))
    activity: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LeadAlert(Base):
    """An alert to a lead's owner: the inbox line and the webhook outbox row in one."""

    __tablename__ = "lead_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(120), index=True)
    event_id: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    activity: Mapped[str] = mapped_column(String(80))
    tier: Mapped[str] = mapped_column(String(20))
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    target: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(
        UtcDateTime, nullable=True, index=True
    )
    leased_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    read_by: Mapped[str | None] = mapped_column(String(120), nullable=True)


class LeadAlertAttempt(Base):
    """One webhook delivery attempt of an alert and what came of it."""

    __tablename__ = "lead_alert_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("lead_alerts.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class LeadOutcome(Base):
    """What became of a lead (won, lost, disqualified), with its tier and points just before."""

    __tablename__ = "lead_outcomes"

    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.lead_id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20), index=True)
    deal_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    outcome_date: Mapped[dt.date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    rubric_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rubric_tier: Mapped[str | None] = mapped_column(String(20), nullable=True)
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    tier: Mapped[str | None] = mapped_column(String(20), nullable=True)


class SalesRep(Base):
    """A rep who may take leads: territories and segments allowed, weekly capacity, webhook."""

    __tablename__ = "sales_reps"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    territories: Mapped[list[str]] = mapped_column(JSON, default=list)
    segments: Mapped[list[str]] = mapped_column(JSON, default=list)
    weekly_capacity: Mapped[int] = mapped_column(Integer)
    webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class LeadAllocation(Base):
    """A proposed assignment of open leads to reps, until a sales manager accepts it."""

    __tablename__ = "lead_allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    objective: Mapped[float] = mapped_column(Float)
    greedy_objective: Mapped[float] = mapped_column(Float)
    solver: Mapped[str] = mapped_column(String(400))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")

    items: Mapped[list[LeadAllocationItem]] = relationship(
        back_populates="allocation", order_by="LeadAllocationItem.id"
    )


class LeadAllocationItem(Base):
    """One lead of a proposal and the rep it goes to."""

    __tablename__ = "lead_allocation_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("lead_allocations.id"), index=True)
    lead_id: Mapped[str] = mapped_column(String(120))
    rep: Mapped[str] = mapped_column(String(80))
    probability: Mapped[float] = mapped_column(Float)
    deal_value: Mapped[float] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    territory: Mapped[str | None] = mapped_column(String(120), nullable=True)
    segment: Mapped[str | None] = mapped_column(String(120), nullable=True)

    allocation: Mapped[LeadAllocation] = relationship(back_populates="items")


class LeadRetrainRun(Base):
    """One check of the retraining schedule: started (with its training run) or skipped, why."""

    __tablename__ = "lead_retrain_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    trigger: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    outcomes: Mapped[int] = mapped_column(Integer)
    new_outcomes: Mapped[int] = mapped_column(Integer)
    training_run_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    data: Mapped[str | None] = mapped_column(Text, nullable=True)
