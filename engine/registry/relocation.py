"""A moved embedded store: artifact locations rewritten to the home's own artifact folder.

MLflow records absolute artifact URIs (experiment location, each run's artifact URI, each
version's source). A LODESTAR_HOME copied, moved or mounted elsewhere (the Dockerfile's
/var/lib/lodestar) would keep pointing at the old folder: nothing loads, or a copy quietly
reads and writes the original. On opening an embedded store, every Lodestar experiment whose
folder is present under the current artifact root but recorded elsewhere has its URIs
rewritten, in one transaction, to the current root. An experiment whose folder is not under
the current home (a store that shares another home's artifacts) is left as recorded.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("lodestar.store")

EXPERIMENT_PREFIX = "lodestar-"
"""Lodestar's experiments are named lodestar-<family>; others in the store are not ours."""


@dataclass(frozen=True)
class Move:
    """One experiment's artifact location, as recorded and where it now lies."""

    experiment_id: int
    name: str
    recorded: str
    current: str


def pending_moves(connection: sqlite3.Connection, artifact_root: Path) -> list[Move]:
    """Lodestar experiments recorded outside artifact_root whose folder is inside it."""
    if not _has_table(connection, "experiments"):
        return []
    rows = connection.execute(
        "SELECT experiment_id, name, artifact_location FROM experiments WHERE name LIKE ?",
        (f"{EXPERIMENT_PREFIX}%",),
    ).fetchall()
    moves = []
    for experiment_id, name, recorded in rows:
        folder = artifact_root / name
        current = folder.as_uri()
        if recorded and recorded != current and folder.is_dir():
            moves.append(Move(int(experiment_id), str(name), str(recorded), current))
    return moves


def relocate(database: Path, artifact_root: Path) -> list[Move]:
    """Rewrite the artifact URIs of moved experiments in the MLflow SQLite file; returns them.

    Nothing is written when nothing moved. Safe to run from several processes at once: the
    rewrite takes the database's write lock and looks again before changing anything.
    """
    if not database.is_file():
        return []
    connection = sqlite3.connect(database, timeout=60, isolation_level=None)
    try:
        if not pending_moves(connection, artifact_root):
            return []
        connection.execute("BEGIN IMMEDIATE")
        try:
            moves = pending_moves(connection, artifact_root)
            for move in moves:
                _rewrite(connection, move)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    finally:
        connection.close()
    for move in moves:
        log.warning(
            "store moved: %s artifacts now read from %s (recorded at %s)",
            move.name,
            move.current,
            move.recorded,
        )
    return moves


def _rewrite(connection: sqlite3.Connection, move: Move) -> None:
    """Replace the recorded prefix with the current one wherever MLflow stored it."""
    connection.execute(
        "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
        (move.current, move.experiment_id),
    )
    prefix = move.recorded + "/"
    columns = [
        ("runs", "artifact_uri"),
        ("model_versions", "source"),
        ("model_versions", "storage_location"),
        ("logged_models", "artifact_location"),
    ]
    for table, column in columns:
        if not _has_column(connection, table, column):
            continue
        connection.execute(
            f"UPDATE {table} SET {column} = ? || substr({column}, ?) "  # table, column: fixed names
            f"WHERE substr({column}, 1, ?) = ?",
            (move.current + "/", len(prefix) + 1, len(prefix), prefix),
        )


def _has_table(connection: sqlite3.Connection, table: str) -> bool:
    found = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return found is not None


def _has_column(connection: sqlite3.Connection, table: str, column: str) -> bool:
    if not _has_table(connection, table):
        return False
    return any(row[1] == column for row in connection.execute(f"PRAGMA table_info({table})"))
