"""Background training runs' status in the database (every worker reads the same rows), and the
one-time import of the old status files."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from engine.database.models import TrainingRunRow
from engine.database.setup import Database

log = logging.getLogger("lodestar.database.runs")
_RUN_FILE = re.compile(r"^[0-9a-f]{12}\.json$")


class RunRecords:
    """Status records of training runs by id: save (insert or replace), load, newest first."""

    def __init__(self, database: Callable[[], Database]) -> None:
        self._database = database

    def save(self, record: dict[str, Any]) -> None:
        """Insert or replace one run's record."""
        db = self._database()
        with db.write() as session:
            found = session.get(TrainingRunRow, record["id"], with_for_update=True)
            if found is None:
                session.add(row_of(record))
            else:
                found.status, found.record = record["status"], dict(record)

    def load(self, run_id: str) -> dict[str, Any] | None:
        with self._database().read() as session:
            found = session.get(TrainingRunRow, run_id)
            return dict(found.record) if found is not None else None

    def all(self, limit: int = 200) -> list[dict[str, Any]]:
        """The newest `limit` records."""
        with self._database().read() as session:
            stmt = select(TrainingRunRow).order_by(TrainingRunRow.created_at.desc()).limit(limit)
            return [dict(r.record) for r in session.scalars(stmt)]


def row_of(record: dict[str, Any]) -> TrainingRunRow:
    return TrainingRunRow(
        id=record["id"],
        family=record["family"],
        data=record["data"],
        status=record["status"],
        created_at=record["created_at"],
        record=dict(record),
    )


def import_run_files(db: Database, folder: Path) -> int:
    """Copy run status files into the database once (renamed `*.json.migrated` afterwards)."""
    if not folder.is_dir():
        return 0
    records = []
    for path in sorted(folder.iterdir()):
        if not _RUN_FILE.match(path.name):
            continue
        try:
            record = json.loads(path.read_text())
            records.append((path, row_of(record)))
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("training run file %s is unreadable; left where it is", path)
    if not records:
        return 0
    dialect = postgresql if db.dialect == "postgresql" else sqlite
    with db.write() as session:
        for _, row in records:
            values = {c: getattr(row, c) for c in ("id", "family", "data", "status", "created_at")}
            stmt = dialect.insert(TrainingRunRow).values(**values, record=row.record)
            session.execute(stmt.on_conflict_do_nothing(index_elements=["id"]))
    for path, _ in records:
        with contextlib.suppress(OSError):
            path.rename(path.with_name(path.name + ".migrated"))
    log.info("imported %d training run files from %s", len(records), folder)
    return len(records)
