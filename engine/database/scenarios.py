"""Saved pricing scenarios in the database, behind the same interface as the old JSON folder
(save, get, list, delete), and the one-time import of that folder's files."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select

from engine.core.errors import DataError, NotFoundError
from engine.database.file_import import import_json_files
from engine.database.models import SavedScenario
from engine.database.setup import Database
from engine.pricing.saved import check_name
from engine.pricing.scenario import Scenario

log = logging.getLogger("lodestar.database.scenarios")


class ScenarioRepository:
    """Named scenarios: save, get, list, delete (the ScenarioStore interface, in the database)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(self, name: str, scenario: Scenario, overwrite: bool = True) -> dict[str, Any]:
        """Store a validated scenario under a name; returns the stored record."""
        check_name(name)
        record: dict[str, Any] = {
            "name": name,
            "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario": {**scenario.model_dump(mode="json"), "name": name},
        }
        with self.db.write() as session:
            found = session.get(SavedScenario, name, with_for_update=True)
            if found is not None and not overwrite:
                raise DataError(f"scenario '{name}' exists already", "name")
            if found is None:
                session.add(SavedScenario(**record))
            else:
                found.saved_at = str(record["saved_at"])
                found.scenario = dict(record["scenario"])
        return record

    def get(self, name: str) -> dict[str, Any]:
        """The stored record; NotFoundError when there is none by that name."""
        check_name(name)
        with self.db.read() as session:
            found = session.get(SavedScenario, name)
            if found is None:
                raise NotFoundError(f"no saved scenario named '{name}'", "name")
            return as_record(found)

    def list(self) -> list[dict[str, Any]]:
        """Every stored record, by name."""
        with self.db.read() as session:
            rows = session.scalars(select(SavedScenario).order_by(SavedScenario.name)).all()
            return [as_record(r) for r in rows]

    def delete(self, name: str) -> None:
        check_name(name)
        with self.db.write() as session:
            found = session.get(SavedScenario, name, with_for_update=True)
            if found is None:
                raise NotFoundError(f"no saved scenario named '{name}'", "name")
            session.delete(found)


def as_record(row: SavedScenario) -> dict[str, Any]:
    return {"name": row.name, "saved_at": row.saved_at, "scenario": dict(row.scenario)}


def import_scenario_files(db: Database, folder: Path) -> int:
    """Copy scenario JSON files (the old store) into the database once; returns how many.

    A name already in the database keeps its database record. Each file imported is renamed
    `*.json.migrated`, so a restart (or a second worker) does not import it again.
    """
    return import_json_files(
        db,
        folder,
        lambda name: name.endswith(".json"),
        _scenario_values,
        SavedScenario,
        "name",
        "saved scenario file",
        log,
    )


def _scenario_values(record: dict[str, Any]) -> dict[str, Any]:
    check_name(record["name"])
    return {
        "name": record["name"],
        "saved_at": str(record.get("saved_at", "")),
        "scenario": record.get("scenario", {}),
    }
