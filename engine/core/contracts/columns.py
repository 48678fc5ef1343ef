"""Column mapping: users' own column names onto the contract's names, everywhere a table is read."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd

from engine.core.errors import DataError

ColumnMapping = dict[str, str]
"""Contract name -> the user's column name."""


def parse_column_mapping(spec: str | None) -> ColumnMapping:
    """Parse `date=week,units=move` (contract=user) into a mapping; empty spec gives {}."""
    if not spec:
        return {}
    path = Path(spec)
    if spec.endswith(".toml") or path.is_file():
        return load_column_mapping_file(path)
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


def load_column_mapping_file(path: Path) -> ColumnMapping:
    """Read a TOML mapping file: a [columns] table (or top-level keys) of contract = "user"."""
    if not path.is_file():
        raise DataError(f"column mapping file '{path}' does not exist", "columns")
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise DataError(
            f"column mapping file '{path}' is not valid TOML: {exc}", "columns"
        ) from exc
    table = doc.get("columns", doc)
    if not all(isinstance(v, str) for v in table.values()):
        raise DataError(f"column mapping file '{path}' must map names to strings", "columns")
    return dict(table)


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
