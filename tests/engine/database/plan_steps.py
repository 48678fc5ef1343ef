"""Plan steps the database tests take again and again: a FY27 plan made by alice from the
session's sales champion, and an override with the tests' reason codes."""

from __future__ import annotations

from typing import Any

from engine.database import plans
from engine.database.setup import Database, open_database
from engine.planning.answers import plan_quarters
from tests.engine.database.conftest import Champion

REASONS = ["promotion", "market_intelligence", "other"]
"""The reason codes the tests' deployment allows."""


def make_plan(
    database_url: str, champion: Champion, quarters: str = "2027Q1..2027Q4"
) -> tuple[Database, dict[str, Any]]:
    """A fresh plan 'FY27' over `quarters`, made by alice: the database and the plan."""
    db = open_database(database_url)
    made = plans.create_plan(
        db, champion.cache, champion.version, plan_quarters(quarters), "FY27", "alice"
    )
    return db, made


def override_as(
    db: Database, plan_id: int, version: str, change: plans.Override, who: str = "alice"
) -> dict[str, Any]:
    """`who` overrides one cell of a plan version (allowed reasons: REASONS)."""
    return plans.override(db, plan_id, version, change, who, REASONS)
