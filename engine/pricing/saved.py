"""Saved scenarios: named what-if scenarios kept as JSON files under LODESTAR_HOME/scenarios.

Each scenario is one file written atomically (temp file + rename), so a crash never leaves
half a scenario; names are restricted to a safe alphabet so they are also safe file names.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.core.errors import DataError, NotFoundError
from engine.core.files import write_json
from engine.pricing.scenario import Scenario

SCENARIO_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$"
"""Scenario names: letters, digits, _ . - (up to 80), so they are also safe file names."""
_NAME = re.compile(SCENARIO_NAME)


def check_name(name: str) -> str:
    """Scenario names: letters, digits, _ . - (up to 80), so they map to file names safely."""
    if not _NAME.match(name or "") or name.endswith(".json"):
        raise DataError(
            f"scenario name '{name}' must be 1-80 letters, digits, '_', '.' or '-'", "name"
        )
    return name


class ScenarioStore:
    """A folder of named scenarios: save, get, list, delete."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        return self.root / f"{check_name(name)}.json"

    def save(self, name: str, scenario: Scenario, overwrite: bool = True) -> dict[str, Any]:
        """Store a validated scenario under a name; returns the stored record."""
        path = self._path(name)
        if path.exists() and not overwrite:
            raise DataError(f"scenario '{name}' exists already", "name")
        record = {
            "name": name,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": {**scenario.model_dump(mode="json"), "name": name},
        }
        write_json(record, path)
        return record

    def get(self, name: str) -> dict[str, Any]:
        """The stored record; NotFoundError when there is none by that name."""
        path = self._path(name)
        if not path.is_file():
            raise NotFoundError(f"no saved scenario named '{name}'", "name")
        return json.loads(path.read_text(encoding="utf-8"))

    def list(self) -> list[dict[str, Any]]:
        """Every stored record, by name."""
        if not self.root.is_dir():
            return []
        out = []
        for path in sorted(self.root.glob("*.json")):
            try:
                out.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        return out

    def delete(self, name: str) -> None:
        path = self._path(name)
        if not path.is_file():
            raise NotFoundError(f"no saved scenario named '{name}'", "name")
        path.unlink()
