"""Helpers shared by the demo generators: names, sizes and truth values as plain floats."""

from __future__ import annotations

import numpy as np

from engine.core.errors import LodestarError

REGION_NAMES = ("North", "South", "West", "East", "Central", "Coastal", "Mountain", "Lakes")
YEAR_DAYS = 365.25


def _names(prefix: str, n: int) -> list[str]:
    """Zero-padded identifiers like S01..S24 (wider when n needs it)."""
    width = max(2, len(str(n)))
    return [f"{prefix}{k + 1:0{width}d}" for k in range(n)]


def _pick_names(pool: tuple[str, ...], n: int, fallback: str) -> list[str]:
    """First n names from a pool, then generic fallbacks so any size works."""
    return [pool[k] if k < len(pool) else f"{fallback}{k + 1}" for k in range(n)]


def _keyed(keys: list[str], values: np.ndarray, digits: int | None = None) -> dict[str, float]:
    """Name -> plain float (optionally rounded), so truth stays JSON-serialisable."""
    return {
        k: float(v if digits is None else round(v, digits))
        for k, v in zip(keys, values, strict=True)
    }


def _check_positive(**sizes: int) -> None:
    """Reject non-positive sizes early, with the offending field named."""
    for name, value in sizes.items():
        if int(value) < 1:
            raise LodestarError(f"{name} must be >= 1, got {value}", field=name)
