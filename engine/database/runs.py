"""Background training runs' status in the database (every worker reads the same rows), and the
one-time import of the old status files."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.database.file_import import import_json_files
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
    return import_json_files(
        db,
        folder,
        lambda name: bool(_RUN_FILE.match(name)),
        _run_values,
        TrainingRunRow,
        "id",
        "training run file",
        log,
    )


def _run_values(record: dict[str, Any]) -> dict[str, Any]:
    row = row_of(record)
    values = {c: getattr(row, c) for c in ("id", "family", "data", "status", "created_at")}
    return {**values, "record": row.record}
