"""The sales-history contract: date, series keys, units; optional price, cost, promos, rivals."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from engine.core.calendar import infer_frequency
from engine.core.contracts.checks import (
    check_non_negative,
    check_not_empty,
    check_positive,
    check_required,
    coerce_dates,
    coerce_flags,
    coerce_numeric,
)
from engine.core.errors import DataError

KNOWN_KEYS = ("region", "store", "category", "product", "channel")
"""Series key columns recognised without being declared, in hierarchy order."""

PROMO_COLUMNS = ("promo", "feature", "display", "deal")
COMPETITOR_PREFIX = "comp_price_"


@dataclass(frozen=True)
class SalesHistory:
    """A validated sales table and what it holds: series keys, optional columns, frequency."""

    frame: pd.DataFrame
    keys: list[str]
    freq: str
    promo_columns: list[str] = field(default_factory=list)
    competitor_columns: list[str] = field(default_factory=list)

    @property
    def has_price(self) -> bool:
        return "price" in self.frame.columns

    @property
    def has_cost(self) -> bool:
        return "cost" in self.frame.columns

    @property
    def series_keys(self) -> list[str]:
        """Keys that identify one series (category is a grouping above product, not an id)."""
        if "product" in self.keys and "category" in self.keys:
            return [k for k in self.keys if k != "category"]
        return list(self.keys)


def validate_sales(
    frame: pd.DataFrame,
    keys: list[str] | None = None,
    require_price: bool = False,
) -> SalesHistory:
    """Check a sales table against the contract; raise DataError naming the field and problem."""
    check_not_empty(frame, "sales")
    check_required(frame, ["date", "units"])
    keys = _resolve_keys(frame, keys)
    if require_price:
        check_required(frame, ["price"])
    out = frame.copy()
    out["date"] = coerce_dates(out["date"], "date")
    for key in keys:
        if out[key].isna().any():
            row = int(out.index[out[key].isna()][0])
            raise DataError(f"column '{key}' is empty at row {row}", key)
        out[key] = out[key].astype(str)
    out["units"] = coerce_numeric(out["units"], "units", allow_missing=False)
    check_non_negative(out["units"], "units")
    if "price" in out.columns:
        out["price"] = coerce_numeric(out["price"], "price", allow_missing=False)
        check_positive(out["price"], "price")
    if "cost" in out.columns:
        out["cost"] = coerce_numeric(out["cost"], "cost", allow_missing=False)
        check_non_negative(out["cost"], "cost")
    promos = [c for c in out.columns if c in PROMO_COLUMNS or c.startswith("promo_")]
    for col in promos:
        out[col] = coerce_flags(out[col], col)
    rivals = [c for c in out.columns if c.startswith(COMPETITOR_PREFIX)]
    for col in rivals:
        out[col] = coerce_numeric(out[col], col, allow_missing=True)
        check_positive(out[col].dropna(), col)
    _check_duplicates(out, keys)
    out = out.sort_values([*keys, "date"], kind="stable").reset_index(drop=True)
    freq = infer_frequency(out, keys)
    return SalesHistory(out, keys, freq, promos, rivals)


def _resolve_keys(frame: pd.DataFrame, keys: list[str] | None) -> list[str]:
    """Declared keys must exist; otherwise use the known key columns that are present."""
    if keys:
        check_required(frame, keys)
        return list(keys)
    found = [k for k in KNOWN_KEYS if k in frame.columns]
    if not found:
        raise DataError(
            "no series key column: add one of region, store, category, product, channel "
            "or declare keys (e.g. --keys store,brand)",
            "keys",
        )
    return found


def _check_duplicates(frame: pd.DataFrame, keys: list[str]) -> None:
    """One row per series and date; name the first duplicate so the user can find it."""
    dup = frame.duplicated([*keys, "date"], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        where = ", ".join(f"{k}={first[k]}" for k in keys)
        raise DataError(
            f"duplicate rows for ({where}, date={first['date'].date()}): "
            f"{int(dup.sum())} rows share a series and date",
            "date",
        )
