"""The application database opens, migrates once (even from racing processes) and keeps the
audit trail append-only, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from engine.core.errors import DataError
from engine.core.settings import Settings
from engine.database.models import AuditEvent, Base
from engine.database.setup import MIGRATIONS, Database, make_engine, open_database


def head_revision() -> str:
    """The newest migration's revision id, read from the migration scripts themselves."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_migrations_create_every_table(database_url: str) -> None:
    db = open_database(database_url)
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    with db.read() as session:
        version = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == head_revision()


def test_processes_starting_together_migrate_once(database_url: str) -> None:
    code = "import sys; from engine.database.setup import Database; Database(sys.argv[1]).migrate()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, database_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    db = Database(database_url)
    with db.read() as session:
        versions = session.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v[0] for v in versions] == [head_revision()]
    db.dispose()


def test_the_audit_trail_refuses_update_and_delete(database_url: str) -> None:
    db = open_database(database_url)
    with db.write() as session:
        session.add(AuditEvent(actor="alice", action="plan.create", detail={}))
    for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
            session.execute(text(statement))
    with db.read() as session:
        assert session.execute(text("SELECT actor FROM audit_events")).scalars().all() == ["alice"]


def test_a_failed_write_leaves_nothing(database_url: str) -> None:
    db = open_database(database_url)
    with pytest.raises(RuntimeError), db.write() as session:
        session.add(AuditEvent(actor="bob", action="plan.create", detail={}))
        session.flush()
        raise RuntimeError("crash half way")
    with db.read() as session:
        assert session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0


def test_default_database_is_sqlite_under_home(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(home=tmp_path / "home")
    assert settings.database_uri == f"sqlite:///{(tmp_path / 'home' / 'lodestar.db').resolve()}"
    assert Settings(database_url="postgresql+psycopg://x@/y").database_uri.startswith("postgres")


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db"])
def test_unsupported_urls_are_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(DataError) as err:
        make_engine(url)
    assert err.value.field == "database_url"
