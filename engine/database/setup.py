"""One engine per database URL, sessions as transactions, and Alembic migrations applied on open.

SQLite (the embedded default) runs in WAL mode with a busy timeout, and a writing transaction
starts with `BEGIN IMMEDIATE`, so two writers queue instead of failing half way. On PostgreSQL a
writing transaction locks the rows it changes (`SELECT ... FOR UPDATE` in the repositories).
Migrations run under a lock (an advisory lock on PostgreSQL, the write lock on SQLite), so
several server workers starting at once migrate the database exactly once.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from engine.core.errors import DataError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK_KEY = 7_462_001
_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar("immediate", default=False)


def _sqlite_engine(url: str) -> Engine:
    """A SQLite engine (file created on first use) that begins writes with BEGIN IMMEDIATE."""
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash of the process loses nothing
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")

    return engine


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL; anything else is refused naming the setting."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise DataError(
            f"LODESTAR_DATABASE_URL '{url}' is not a database URL "
            "(sqlite:///path or postgresql+psycopg://user@host/db)",
            "database_url",
        ) from None
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    raise DataError(
        f"database '{backend}' is not supported: use sqlite:///... or postgresql+psycopg://...",
        "database_url",
    )


class Database:
    """The application database: an engine, its sessions, and the migrations applied."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest revision, once even with several processes starting."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        token = _immediate.set(True)
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    connection.exec_driver_sql(
                        f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})"
                    )
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        finally:
            _immediate.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (committed at the end, so nothing is left open)."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose changes commit together at the end, or not at all on an error."""
        token = _immediate.set(True)
        try:
            with self._sessions() as session, session.begin():
                yield session
        finally:
            _immediate.reset(token)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


_open: dict[str, Database] = {}
_open_lock = threading.Lock()


def open_database(url: str) -> Database:
    """The process's Database for a URL, migrated the first time it is opened."""
    with _open_lock:
        found = _open.get(url)
        if found is None:
            found = Database(url)
            found.migrate()
            _open[url] = found
        return found


def close_database(url: str) -> None:
    """Forget and dispose the process's Database for a URL (tests, shutdown)."""
    with _open_lock:
        found = _open.pop(url, None)
    if found is not None:
        found.dispose()
