"""Column mapping: users' own column names onto the contract's names, everywhere a table is read.

A mapping is `--columns date=week,units=move` (contract=yours) or a TOML file with a `[columns]`
table; the file may also state the date format beside it (`date_format = "%d/%m/%Y"`, or a
`[date_format]` table per column). A contract-side name that is not a contract name but close
to one (`unit`, `dates`, `product_id`) is refused with a suggestion; other free names (a key
such as `series`, a lead feature such as `source`) are allowed.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from engine.core.contracts.dates import DateFormats, check_date_format, parse_date_formats
from engine.core.contracts.leads import ACTIVITY_COLUMNS, EVENT_COLUMNS, ID_COLUMNS
from engine.core.contracts.sales import (
    COMPETITOR_PREFIX,
    KNOWN_KEYS,
    PROMO_COLUMNS,
    VALUE_COLUMNS,
)
from engine.core.errors import DataError

ColumnMapping = dict[str, str]
"""Contract name -> the user's column name."""

CONTRACT_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *VALUE_COLUMNS,
            *KNOWN_KEYS,
            *PROMO_COLUMNS,
            *ID_COLUMNS,
            *ACTIVITY_COLUMNS,
            *EVENT_COLUMNS,
        )
    )
)
"""Every column name a contract gives a meaning to (plus the promo_* and comp_price_* families)."""

CLOSE_MATCH = 0.8
"""difflib similarity above which a free name is taken for a misspelt contract name."""


@dataclass(frozen=True)
class ColumnSpec:
    """What the user said about their columns: the mapping, and the date formats if stated."""

    mapping: ColumnMapping = field(default_factory=dict)
    date_formats: DateFormats = field(default_factory=DateFormats)


def parse_column_spec(spec: str | None, date_format: str | None = None) -> ColumnSpec:
    """`--columns` (pairs or a TOML file) and `--date-format`; two different formats are refused."""
    mapping: ColumnMapping = {}
    from_file = DateFormats()
    if spec:
        path = Path(spec)
        if spec.endswith(".toml") or path.is_file():
            mapping, from_file = load_column_mapping_file(path)
        else:
            mapping = _parse_pairs(spec)
    check_contract_names(mapping)
    stated = parse_date_formats(date_format)
    if stated and from_file and stated != from_file:
        raise DataError(
            f"--date-format '{date_format}' disagrees with the date_format in '{spec}'; "
            "state it once",
            "date_format",
        )
    return ColumnSpec(mapping, stated or from_file)


def parse_column_mapping(spec: str | None) -> ColumnMapping:
    """Parse `date=week,units=move` (contract=user) or a TOML file into a mapping ({} if empty)."""
    return parse_column_spec(spec).mapping


def _parse_pairs(spec: str) -> ColumnMapping:
    mapping: ColumnMapping = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise DataError(
                f"column mapping '{part}' must look like contract_name=your_column", "columns"
            )
        ours, theirs = (s.strip() for s in part.split("=", 1))
        if not ours or not theirs:
            raise DataError(f"column mapping '{part}' has an empty side", "columns")
        if ours in mapping:
            raise DataError(f"column mapping names '{ours}' twice", "columns")
        mapping[ours] = theirs
    return mapping


def load_column_mapping_file(path: Path) -> tuple[ColumnMapping, DateFormats]:
    """Read a TOML mapping file: a [columns] table (or top-level keys), maybe a date_format."""
    if not path.is_file():
        raise DataError(f"column mapping file '{path}' does not exist", "columns")
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise DataError(
            f"column mapping file '{path}' is not valid TOML: {exc}", "columns"
        ) from exc
    table = doc.get("columns", doc)
    if not isinstance(table, dict):
        raise DataError(f"column mapping file '{path}' must map names to strings", "columns")
    table = dict(table)
    stated = [v for v in (doc.pop("date_format", None), table.pop("date_format", None)) if v]
    if len(stated) > 1 and stated[0] != stated[1]:
        raise DataError(f"column mapping file '{path}' states date_format twice", "date_format")
    formats = _file_date_formats(stated[0] if stated else None, path)
    if not all(isinstance(v, str) for v in table.values()):
        raise DataError(f"column mapping file '{path}' must map names to strings", "columns")
    return table, formats


def _file_date_formats(value: object, path: Path) -> DateFormats:
    """date_format = "%d/%m/%Y" (every date column) or a [date_format] table per column."""
    if value is None:
        return DateFormats()
    if isinstance(value, str):
        return DateFormats(default=check_date_format(value))
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return DateFormats(columns={k: check_date_format(v) for k, v in value.items()})
    raise DataError(
        f"date_format in '{path}' must be a format string or a table of column = format",
        "date_format",
    )


def check_contract_names(mapping: ColumnMapping) -> None:
    """A name close to a contract name but not one is a slip: refuse it, suggesting the name."""
    for ours, theirs in mapping.items():
        if ours in CONTRACT_NAMES or ours.startswith(("promo_", COMPETITOR_PREFIX)):
            continue
        close = difflib.get_close_matches(ours, CONTRACT_NAMES, n=2, cutoff=CLOSE_MATCH)
        if close:
            raise DataError(
                f"'{ours}' is not a contract name: did you mean '{close[0]}'? "
                f"(--columns {close[0]}={theirs})",
                "columns",
            )


def apply_column_mapping(frame: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Rename the user's columns to contract names; a mapped column that is absent is an error."""
    if not mapping:
        return frame
    missing = [theirs for theirs in mapping.values() if theirs not in frame.columns]
    if missing:
        ours = next(k for k, v in mapping.items() if v == missing[0])
        raise DataError(
            f"column '{missing[0]}' (mapped to '{ours}') is not in the data; "
            f"columns are: {', '.join(map(str, frame.columns[:20]))}",
            ours,
        )
    renamed = frame.rename(columns={theirs: ours for ours, theirs in mapping.items()})
    dupes = renamed.columns[renamed.columns.duplicated()].tolist()
    if dupes:
        raise DataError(
            f"column '{dupes[0]}' appears twice after mapping; map or drop the other one", dupes[0]
        )
    return renamed
