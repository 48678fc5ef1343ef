"""Overrides: a new number for one group, spread to its bottom series and summed back up.

The change (new minus current) is shared among the group's bottom series in proportion to
their statistical baseline; series held by a pinned group are left alone. Parents are then
re-summed, so every level stays coherent. A pin the change cannot respect (a pinned parent of
the overridden cell, or pins covering every child) is refused naming the cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.core.errors import ConstraintError, DataError
from engine.planning.hierarchy import Hierarchy

ZERO = 1e-9


@dataclass(frozen=True)
class OverrideRequest:
    """A new value for one cell: `value` (absolute) or `percent` (change from the current)."""

    target: int
    value: float | None = None
    percent: float | None = None

    def new_value(self, current: float) -> float:
        """The number the target cell should hold."""
        if (self.value is None) == (self.percent is None):
            raise DataError("give exactly one of 'value' or 'percent'", "value")
        if self.percent is not None:
            if not np.isfinite(self.percent) or self.percent <= -100:
                raise DataError("percent must be a number above -100", "percent")
            return current * (1.0 + self.percent / 100.0)
        assert self.value is not None
        if not np.isfinite(self.value) or self.value < 0:
            raise DataError("value must be a non-negative number of units", "value")
        return float(self.value)


def _labels(hierarchy: Hierarchy, rows: list[int] | np.ndarray) -> str:
    shown = [hierarchy.groups[int(i)].label() for i in list(rows)[:5]]
    more = len(rows) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def frozen_series(
    hierarchy: Hierarchy, target: int, pinned: np.ndarray, changes: bool, quarter: str
) -> np.ndarray:
    """Bottom series the override must not move; a pinned parent of the target is a conflict."""
    inside = hierarchy.members[target]
    frozen = np.zeros(len(inside), dtype=bool)
    parents: list[int] = []
    for p in np.flatnonzero(pinned):
        if p == target:
            continue
        overlap = hierarchy.members[p] & inside
        if not overlap.any():
            continue
        if not (inside & ~hierarchy.members[p]).any():
            parents.append(int(p))
        else:
            frozen |= overlap
    if parents and changes:
        raise ConstraintError(
            f"pinned {_labels(hierarchy, parents)} in {quarter} would change: unpin it or "
            "change a cell that it does not contain",
            "cell",
        )
    return frozen


def disaggregate(
    hierarchy: Hierarchy,
    current: np.ndarray,
    baseline: np.ndarray,
    pinned: np.ndarray,
    target: int,
    new_value: float,
    quarter: str = "",
) -> np.ndarray:
    """Every group's number after setting `target` to `new_value` (one quarter; groups axis)."""
    delta = float(new_value - current[target])
    changes = abs(delta) > ZERO
    frozen = frozen_series(hierarchy, target, pinned, changes, quarter)
    bottom_now = current[hierarchy.bottom].astype(float)
    if not changes:
        return hierarchy.aggregate(bottom_now)
    free = hierarchy.members[target] & ~frozen
    if not free.any():
        holders = [
            int(p)
            for p in np.flatnonzero(pinned)
            if p != target and (hierarchy.members[p] & hierarchy.members[target]).any()
        ]
        raise ConstraintError(
            f"every series under {hierarchy.groups[target].label()} in {quarter} is held by "
            f"pinned {_labels(hierarchy, holders)}: unpin one to let the change through",
            "cell",
        )
    weights = baseline[hierarchy.bottom][free].astype(float)
    if weights.sum() <= ZERO:
        weights = bottom_now[free]
    if weights.sum() <= ZERO:
        weights = np.ones(int(free.sum()))
    bottom_new = bottom_now.copy()
    bottom_new[free] += delta * weights / weights.sum()
    negative = np.flatnonzero(bottom_new < -ZERO)
    if negative.size:
        cells = hierarchy.bottom[negative]
        raise ConstraintError(
            f"setting {hierarchy.groups[target].label()} in {quarter} to {new_value:.6g} would "
            f"make {_labels(hierarchy, cells)} negative",
            "value",
        )
    bottom_new[free] = np.maximum(bottom_new[free], 0.0)
    return hierarchy.aggregate(bottom_new)
