"""The sales-history contract: date, series keys, units; optional price, cost, promos, rivals."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engine.core.calendar import (
    check_grid,
    frequency_family,
    frequency_name,
    infer_frequency,
    period_positions,
)
from engine.core.contracts.checks import (
    check_non_negative,
    check_not_empty,
    check_positive,
    check_required,
    coerce_flags,
    coerce_numeric,
)
from engine.core.contracts.completeness import (
    LastPeriod,
    LastPeriodSetting,
    check_last_period_setting,
    completeness_findings,
    judge_last_period,
)
from engine.core.contracts.dates import dates_with_format
from engine.core.contracts.findings import Finding, Findings
from engine.core.errors import DataError

KNOWN_KEYS = ("region", "store", "category", "product", "channel")
"""Series key columns recognised by name, in hierarchy order (numeric ones too)."""

PROMO_COLUMNS = ("promo", "feature", "display", "deal")
COMPETITOR_PREFIX = "comp_price_"
VALUE_COLUMNS = ("date", "units", "price", "cost")
"""Contract columns that hold values, never series keys."""

KEY_DECLARED = "declared"
KEY_KNOWN = "known key name"
KEY_TEXT = "text column"


@dataclass(frozen=True)
class SalesHistory:
    """A validated sales table and what it holds: series keys, optional columns, frequency.

    `key_reasons` says why each key is one (declared, a known key name, or a text column that
    has no other role); `date_format` is the one format the dates were read with; `findings`
    name what is odd about the data; `last_period` is the verdict on the last period.
    """

    frame: pd.DataFrame
    keys: list[str]
    freq: str
    promo_columns: list[str] = field(default_factory=list)
    competitor_columns: list[str] = field(default_factory=list)
    date_format: str = "ISO8601"
    key_reasons: dict[str, str] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    last_period: LastPeriod | None = None

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

    @property
    def periods_dropped(self) -> int:
        """Periods `complete()` leaves out: 1 when the last period is partial, else 0."""
        return int(self.last_period is not None and self.last_period.partial)

    def complete(self) -> SalesHistory:
        """The history without a partial last period (its rows dropped); itself otherwise.

        Training jobs and batch forecasts fit on this and forecast `periods_dropped` more
        periods, so the partial period is forecast whole and the same future dates are covered.
        """
        if not self.periods_dropped:
            return self
        dates = self.frame["date"]
        positions = period_positions(dates, dates.min(), self.freq)
        kept = self.frame[positions < positions.max()].reset_index(drop=True)
        if kept.empty:
            raise DataError(
                "the only period in the history is partial: nothing complete is left to fit",
                "last_period",
            )
        return dataclasses.replace(self, frame=kept, last_period=None)

    def keys_note(self) -> Finding | None:
        """A 'keys' finding when text columns were taken as keys by default (jobs announce it)."""
        if KEY_TEXT not in self.key_reasons.values():
            return None
        return Finding(
            "keys",
            f"series keyed by {self.keys_summary()}; declare the keys with --keys if that is "
            "not how your series are told apart",
        )

    def keys_summary(self) -> str:
        """'store, product (known key names); series (text column)': which keys and why."""
        groups: dict[str, list[str]] = {}
        for key in self.keys:
            groups.setdefault(self.key_reasons.get(key, KEY_DECLARED), []).append(key)
        plural = {KEY_KNOWN: "known key names", KEY_TEXT: "text columns, keys by default"}
        parts = []
        for reason, names in groups.items():
            label = plural.get(reason, reason) if len(names) > 1 else reason
            if reason == KEY_TEXT and len(names) == 1:
                label = "text column, a key by default"
            parts.append(f"{', '.join(names)} ({label})")
        return "; ".join(parts)


def validate_sales(
    frame: pd.DataFrame,
    keys: list[str] | None = None,
    require_price: bool = False,
    date_format: str | None = None,
    freq: str | None = None,
    last_period: LastPeriodSetting | str = "auto",
) -> SalesHistory:
    """Check a sales table against the contract; raise DataError naming the field and problem.

    Dates are read with one format (`date_format`, or inferred from the whole column); the
    frequency is `freq` when stated, else inferred; the history's findings report a partial
    last period (`last_period`: auto, complete or partial), gaps and very short series.
    """
    check_not_empty(frame, "sales")
    check_required(frame, ["date", "units"])
    setting = check_last_period_setting(last_period)
    keys, reasons = _resolve_keys(frame, keys)
    if require_price:
        check_required(frame, ["price"])
    out = frame.copy()
    out["date"], used_format = dates_with_format(out["date"], "date", date_format)
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
    promos = _promo_columns(out)
    for col in promos:
        out[col] = coerce_flags(out[col], col)
    rivals = [c for c in out.columns if c.startswith(COMPETITOR_PREFIX)]
    for col in rivals:
        out[col] = coerce_numeric(out[col], col, allow_missing=True)
        check_positive(out[col].dropna(), col)
    _check_duplicates(out, keys)
    out = out.sort_values([*keys, "date"], kind="stable").reset_index(drop=True)
    if freq:
        family = frequency_family(freq)
        check_grid(out["date"], family)
    else:
        family = infer_frequency(out, keys)
    start = out["date"].min()
    positions = period_positions(out["date"], start, family)
    _check_one_row_per_period(out, keys, positions, family, stated=bool(freq))
    history = SalesHistory(out, keys, family, promos, rivals, used_format, reasons)
    verdict = judge_last_period(out, history.series_keys, positions, start, family, setting)
    findings = completeness_findings(out, history.series_keys, positions, start, family, verdict)
    return dataclasses.replace(history, findings=findings, last_period=verdict)


def _promo_columns(frame: pd.DataFrame) -> list[str]:
    """Promotion flag columns: the known names and any promo_* column."""
    return [c for c in frame.columns if c in PROMO_COLUMNS or c.startswith("promo_")]


def _resolve_keys(frame: pd.DataFrame, keys: list[str] | None) -> tuple[list[str], dict[str, str]]:
    """(keys, why each is a key): declared ones, else known key names plus unclaimed text columns.

    A text column with no other role (not date, units, price, cost, a promotion flag or a
    competitor price) is a series key by default; numeric columns are keys only when declared
    (or named like a known key, e.g. a numeric store number).
    """
    if keys:
        check_required(frame, keys)
        return list(keys), dict.fromkeys(keys, KEY_DECLARED)
    claimed = {*VALUE_COLUMNS, *_promo_columns(frame)}
    known = [k for k in KNOWN_KEYS if k in frame.columns]
    text = [
        c
        for c in frame.columns
        if c not in claimed
        and c not in known
        and not c.startswith(COMPETITOR_PREFIX)
        and _is_text(frame[c])
    ]
    if not known and not text:
        raise DataError(
            "no series key column: add a text column naming each series (or one of region, "
            "store, category, product, channel), or declare numeric keys (e.g. --keys store,brand)",
            "keys",
        )
    reasons = {**dict.fromkeys(known, KEY_KNOWN), **dict.fromkeys(text, KEY_TEXT)}
    return known + text, reasons


def _is_text(column: pd.Series) -> bool:
    """Text (or categorical) values, as opposed to numbers, booleans and datetimes."""
    return bool(
        isinstance(column.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(column)
        or pd.api.types.is_string_dtype(column)
    )


def _check_duplicates(frame: pd.DataFrame, keys: list[str]) -> None:
    """One row per series and date; name the first duplicate so the user can find it."""
    dup = frame.duplicated([*keys, "date"], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        where = ", ".join(f"{k}={first[k]}" for k in keys)
        raise DataError(
            f"duplicate rows for ({where}, date={first['date'].date()}): "
            f"{int(dup.sum())} rows share a series and date (keys: {', '.join(keys)}; if "
            "another column tells them apart, declare all keys with --keys)",
            "date",
        )


def _check_one_row_per_period(
    frame: pd.DataFrame, keys: list[str], positions: np.ndarray, freq: str, stated: bool
) -> None:
    """Two rows of one series in the same period would overwrite each other: refuse them."""
    slots = frame[keys].assign(_period=positions)
    dup = slots.duplicated(keep=False).to_numpy()
    if not dup.any():
        return
    rows = frame.loc[dup]
    first = rows.iloc[0]
    same = rows[(rows[keys] == first[keys]).all(axis=1)]["date"]
    where = ", ".join(f"{k}={first[k]}" for k in keys)
    dates = " and ".join(str(d.date()) for d in same.iloc[:2])
    raise DataError(
        f"rows of ({where}) dated {dates} fall in the same {frequency_name(freq)} period: "
        f"the data is more frequent than {freq}"
        + ("" if stated else " in places; make the dates regular or state --freq"),
        "freq" if stated else "date",
    )
