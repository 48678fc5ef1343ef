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
