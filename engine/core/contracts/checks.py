"""Column checks shared by every contract; each error names the column, the problem and a row."""

from __future__ import annotations

import pandas as pd

from engine.core.errors import DataError

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def check_not_empty(frame: pd.DataFrame, table: str) -> None:
    if frame.empty:
        raise DataError(f"the {table} table is empty", table)


def check_required(frame: pd.DataFrame, columns: list[str]) -> None:
    for col in columns:
        if col not in frame.columns:
            raise DataError(
                f"missing column '{col}' (columns present: "
                f"{', '.join(map(str, frame.columns[:20]))}); map yours with --columns {col}=...",
                col,
            )


def _first_bad(series: pd.Series, bad: pd.Series) -> str:
    idx = series.index[bad][0]
    value = series.loc[idx]
    value = value.item() if hasattr(value, "item") else value
    return f"row {idx} has {value!r}"


def coerce_numeric(series: pd.Series, column: str, allow_missing: bool) -> pd.Series:
    """Parse numbers; text that is not a number is a wrong-type error naming its row."""
    parsed = pd.to_numeric(series, errors="coerce")
    bad = parsed.isna() & series.notna()
    if bad.any():
        raise DataError(f"column '{column}' must be numeric: {_first_bad(series, bad)}", column)
    if not allow_missing and parsed.isna().any():
        raise DataError(
            f"column '{column}' has missing values: {_first_bad(series, parsed.isna())}", column
        )
    return parsed.astype(float)


def coerce_flags(series: pd.Series, column: str) -> pd.Series:
    """Promotion-style flags: 0/1, true/false, yes/no, or a share in [0, 1]."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype(float).fillna(0.0)
    else:
        text = series.astype(str).str.strip().str.lower()
        known = text.isin(_TRUE | _FALSE) | series.isna()
        numeric = pd.to_numeric(series, errors="coerce")
        bad = ~known & numeric.isna()
        if bad.any():
            raise DataError(
                f"column '{column}' must be a 0/1 flag: {_first_bad(series, bad)}", column
            )
        values = numeric.where(numeric.notna(), text.isin(_TRUE).astype(float)).fillna(0.0)
    out_of_range = (values < 0) | (values > 1)
    if out_of_range.any():
        raise DataError(
            f"column '{column}' must be between 0 and 1: {_first_bad(series, out_of_range)}", column
        )
    return values


def check_non_negative(series: pd.Series, column: str) -> None:
    bad = series < 0
    if bad.any():
        raise DataError(
            f"column '{column}' has a negative value: {_first_bad(series, bad)}", column
        )


def check_positive(series: pd.Series, column: str) -> None:
    bad = series <= 0
    if bad.any():
        raise DataError(
            f"column '{column}' has a negative or zero value: {_first_bad(series, bad)}", column
        )
