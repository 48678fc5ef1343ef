"""Saved scenario names: the safe alphabet every saved scenario's name must use.

Scenarios themselves live in the application database (engine/database/scenarios.py).
"""

from __future__ import annotations

import re

from engine.core.errors import DataError

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
