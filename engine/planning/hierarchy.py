"""A plan's hierarchy: the bottom series and every group above them, as one membership matrix.

Levels are the grand total, each index column of the forecast (region, store, product,
category, ...) and the bottom series (all key columns). A group's number is always the sum of
its bottom series, so every level stays coherent however the bottom numbers move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.core.errors import DataError, NotFoundError

TOTAL = "total"
KEY_SEPARATOR = "|"


def level_name(columns: tuple[str, ...] | list[str]) -> str:
    """() -> 'total'; ('region',) -> 'region'; ('region', 'store') -> 'region,store'."""
    return ",".join(columns) if columns else TOTAL


@dataclass(frozen=True)
class Group:
    """One row of the hierarchy: its level, the level's columns and their values."""

    level: str
    columns: tuple[str, ...]
    values: tuple[str, ...]

    @property
    def key(self) -> str:
        """The values joined, as stored ('' for the total)."""
        return KEY_SEPARATOR.join(self.values)

    def keys(self) -> dict[str, str]:
        """Column -> value, as users read and send them."""
        return dict(zip(self.columns, self.values, strict=True))

    def label(self) -> str:
        """'region=North' / 'total', for messages and the audit trail."""
        if not self.columns:
            return TOTAL
        return ",".join(f"{c}={v}" for c, v in zip(self.columns, self.values, strict=True))


@dataclass
class Hierarchy:
    """Bottom series (rows of `series`) and the groups above them (`members`: groups x series)."""

    columns: list[str]
    keys: list[str]
    series: pd.DataFrame
    levels: list[tuple[str, ...]]
    groups: list[Group]
    members: np.ndarray
    bottom: np.ndarray
    _where: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, series: pd.DataFrame, keys: list[str]) -> Hierarchy:
        """From the bottom series' index columns and the key columns that identify a series."""
        series = series.astype(str).reset_index(drop=True)
        columns = [str(c) for c in series.columns]
        missing = [k for k in keys if k not in columns]
        if missing or not keys:
            raise DataError(f"the series index lacks key columns {missing}", "keys")
        levels: list[tuple[str, ...]] = [()]
        for col in columns:
            if (col,) not in levels:
                levels.append((col,))
        if tuple(keys) not in levels:
            levels.append(tuple(keys))
        groups: list[Group] = []
        rows: list[np.ndarray] = []
        for level in levels:
            name = level_name(level)
            if not level:
                groups.append(Group(name, (), ()))
                rows.append(np.ones(len(series), dtype=bool))
                continue
            labels = series[list(level)].agg(KEY_SEPARATOR.join, axis=1)
            codes, uniques = pd.factorize(labels, sort=True)
            for k, label in enumerate(uniques):
                groups.append(Group(name, level, tuple(str(label).split(KEY_SEPARATOR))))
                rows.append(codes == k)
        members = np.vstack(rows)
        where = {(g.level, g.key): i for i, g in enumerate(groups)}
        bottom_name = level_name(tuple(keys))
        bottom_labels = series[keys].agg(KEY_SEPARATOR.join, axis=1)
        bottom = np.array([where[(bottom_name, label)] for label in bottom_labels])
        if len(set(bottom.tolist())) != len(series):
            raise DataError("two series share the same keys", "keys")
        return cls(columns, list(keys), series, levels, groups, members, bottom, where)

    @property
    def bottom_level(self) -> str:
        return level_name(tuple(self.keys))

    @property
    def level_names(self) -> list[str]:
        return [level_name(level) for level in self.levels]

    def position(self, level: str, key: str) -> int:
        """Row of a stored (level, key) address."""
        return self._where[(level, key)]

    def locate(self, cell: dict[str, str], field_name: str = "cell") -> int:
        """{'region': 'North'} -> its group; the level is the set of columns named."""
        named = {str(k): str(v) for k, v in cell.items()}
        level = next(
            (lv for lv in self.levels if set(lv) == set(named) and len(lv) == len(named)), None
        )
        if level is None:
            choices = ", ".join(self.level_names)
            raise DataError(
                f"no level {'+'.join(sorted(named)) or TOTAL} in this plan (levels: {choices})",
                field_name,
            )
        key = KEY_SEPARATOR.join(named[c] for c in level)
        found = self._where.get((level_name(level), key))
        if found is None:
            label = ",".join(f"{c}={named[c]}" for c in level)
            raise NotFoundError(f"no cell {label} in this plan", field_name)
        return found

    def positions_of(self, level: str | None) -> np.ndarray:
        """Rows of one level (all rows for None); an unknown level is refused naming it."""
        if level is None:
            return np.arange(len(self.groups))
        wanted = TOTAL if level.strip().lower() == TOTAL else level.strip()
        if wanted not in self.level_names:
            choices = ", ".join(self.level_names)
            raise DataError(f"unknown level '{level}' (levels: {choices})", "level")
        return np.array([i for i, g in enumerate(self.groups) if g.level == wanted])

    def aggregate(self, bottom_values: np.ndarray) -> np.ndarray:
        """Every group's number from the bottom series' numbers (last axis: series)."""
        return bottom_values @ self.members.T.astype(float)

    def incoherent(self, values: np.ndarray, tolerance: float = 1e-6) -> list[int]:
        """Groups whose number differs from the sum of their bottom series (beyond tolerance)."""
        implied = self.aggregate(values[self.bottom])
        return [int(i) for i in np.flatnonzero(np.abs(implied - values) > tolerance)]
