"""The migrations build exactly the schema the ORM models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.database.models import Base
from engine.database.setup import open_database


def test_migrated_schema_equals_the_models(database_url: str) -> None:
    db = open_database(database_url)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
