"""Schema pieces the migrations share. FROZEN: released revisions call them, so changing one would
change what an old migration creates; a new shape gets a new function, never an edit here.

Each column builder names a word of the schema once (an actor is 120 characters, a moment is a
timezone-aware timestamp), so every table that uses the word gets the same column. Columns a
builder does not cover are written out in the revision; an optional one omits `nullable=True`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

Column = sa.Column[Any]


def serial_id() -> Column:
    """The integer primary key `id` most tables number their rows with."""
    return sa.Column("id", sa.Integer(), primary_key=True)


def actor(name: str, *, nullable: bool = False, index: bool = False) -> Column:
    """Who did something: a user name of up to 120 characters."""
    return sa.Column(name, sa.String(length=120), nullable=nullable, index=index)


def moment(name: str, *, nullable: bool = False, index: bool = False) -> Column:
    """When something happened: a timezone-aware timestamp."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, index=index)


def stamp(step: str, *, nullable: bool = False) -> list[Column]:
    """Who took a step and when: `<step>_by` then `<step>_at`."""
    return [actor(f"{step}_by", nullable=nullable), moment(f"{step}_at", nullable=nullable)]


def workflow_position() -> list[Column]:
    """Where a row stands in the approval workflow: its state and its revision counter."""
    return [
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    ]


def approval_trail() -> list[Column]:
    """Who created, submitted and decided a row, when, and the decision's comment."""
    return [
        *stamp("created"),
        *stamp("submitted", nullable=True),
        *stamp("decided", nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
    ]


def cell_address() -> list[Column]:
    """Which plan cell: hierarchy level, group key and quarter."""
    return [
        sa.Column("level", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
    ]


def rubric_snapshot() -> list[Column]:
    """The rubric version a lead was scored with and the tier it gave."""
    return [
        sa.Column("rubric_id", sa.Integer(), nullable=True),
        sa.Column("rubric_tier", sa.String(length=20), nullable=True),
    ]


def references(column: str, target: str) -> sa.ForeignKeyConstraint:
    """A foreign key from `column` to `target` ("table.column")."""
    return sa.ForeignKeyConstraint([column], [target])


def child_of(
    column: str, target: str, *, index: bool = True
) -> tuple[Column, sa.ForeignKeyConstraint]:
    """The integer id of the row this one belongs to (`target`, "table.id") and its foreign key."""
    return sa.Column(column, sa.Integer(), nullable=False, index=index), references(column, target)


def drop_tables(*names: str) -> None:
    """Drop tables in the order given (a table before the one it references); their indexes and
    SQLite triggers go with them."""
    for name in names:
        op.drop_table(name)


def lead_key(*, primary_key: bool = False, index: bool = False) -> Column:
    """A lead's id (`lead_id`), as the lead source names it: up to 120 characters."""
    return sa.Column(
        "lead_id", sa.String(length=120), nullable=False, index=index, primary_key=primary_key
    )


def rep(
    name: str, *, nullable: bool = False, index: bool = False, primary_key: bool = False
) -> Column:
    """A sales rep's name: up to 80 characters."""
    return sa.Column(
        name, sa.String(length=80), nullable=nullable, index=index, primary_key=primary_key
    )


def model_version(name: str, *, nullable: bool = False) -> Column:
    """A registered model's version (as the model registry numbers it): up to 40 characters."""
    return sa.Column(name, sa.String(length=40), nullable=nullable)
