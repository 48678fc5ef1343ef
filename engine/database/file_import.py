"""Records kept as JSON files before the database existed (saved scenarios, training runs),
copied into their table once: a key already in the table keeps its row, each file copied is
renamed `*.migrated` so a restart (or a second worker) does not copy it again, and a file that
cannot be read is logged and left where it is."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from engine.core.errors import DataError
from engine.database.models import Base
from engine.database.setup import Database

MIGRATED_SUFFIX = ".migrated"


def import_json_files(
    db: Database,
    folder: Path,
    wanted: Callable[[str], bool],
    values_of: Callable[[dict[str, Any]], dict[str, Any]],
    table: type[Base],
    key: str,
    what: str,
    log: logging.Logger,
) -> int:
    """Copy the record of each file in `folder` whose name is `wanted` (`values_of`: the
    record's column values, raising on a bad one) into `table` unless its `key` is there
    already; returns how many files were copied."""
    if not folder.is_dir():
        return 0
    rows = []
    for path in sorted(p for p in folder.iterdir() if wanted(p.name)):
        try:
            rows.append((path, values_of(json.loads(path.read_text(encoding="utf-8")))))
        except (OSError, ValueError, KeyError, TypeError, DataError):
            log.warning("%s %s is unreadable; left where it is", what, path)
    if not rows:
        return 0
    dialect = postgresql if db.dialect == "postgresql" else sqlite
    with db.write() as session:
        for _, values in rows:
            stmt = dialect.insert(table).values(**values)
            session.execute(stmt.on_conflict_do_nothing(index_elements=[key]))
    for path, _ in rows:
        with contextlib.suppress(OSError):  # another worker may have renamed it first
            path.rename(path.with_name(path.name + MIGRATED_SUFFIX))
    log.info("imported %d %ss from %s", len(rows), what, folder)
    return len(rows)
