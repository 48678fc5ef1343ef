"""Series filters: key filters such as {"region": ["North"]} -> the matching series rows.

Every answer that takes a filter such as `{"region": ["North"]}` (forecasts, what-ifs,
recommendations, plans) selects series here, so unknown keys and values fail the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.errors import DataError, NotFoundError

Filters = dict[str, list[str]]
"""Key column -> accepted values (a series matches when every key holds one of its values)."""


def normalise_filter(raw: dict[str, str | list[str]]) -> Filters:
    """{'product': 'P01'} or {'product': ['P01', 'P02']} -> every value a list of strings."""
    return {str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in raw.items()}


class SeriesLookup:
    """Key filters -> series rows, from one boolean mask per (key, value) built once."""

    def __init__(self, index: pd.DataFrame) -> None:
        self.columns = [str(c) for c in index.columns]
        self.n = len(index)
        self.masks: dict[str, dict[str, np.ndarray]] = {}
        for col in index.columns:
            codes, uniques = pd.factorize(index[col].astype(str))
            self.masks[str(col)] = {str(v): codes == k for k, v in enumerate(uniques)}

    def mask(self, filters: Filters) -> np.ndarray:
        """Rows matching every filter; unknown keys are 422, unknown values and no match 404."""
        mask = np.ones(self.n, dtype=bool)
        for key, values in filters.items():
            by_value = self.masks.get(key)
            if by_value is None:
                raise DataError(
                    f"unknown filter '{key}': this model's keys are {', '.join(self.columns)}",
                    key,
                )
            unknown = [v for v in values if v not in by_value]
            if unknown:
                raise NotFoundError(f"unknown {key} '{unknown[0]}'", key)
            hit = np.zeros(self.n, dtype=bool)
            for v in values:
                hit |= by_value[v]
            mask &= hit
        if not mask.any():
            raise NotFoundError(
                "no series matches " + ", ".join(f"{k}={'|'.join(v)}" for k, v in filters.items()),
                next(iter(filters), "filters"),
            )
        return mask

    def rows(self, filters: Filters) -> np.ndarray:
        """Row numbers of the matching series, in index order."""
        return np.flatnonzero(self.mask(filters))


def select_series(index: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Row numbers of the series matching every filter (a one-off SeriesLookup)."""
    return SeriesLookup(index).rows(filters)
