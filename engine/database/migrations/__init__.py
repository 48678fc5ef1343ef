"""Alembic migrations of the application database, applied on start (see engine.database.setup)."""
