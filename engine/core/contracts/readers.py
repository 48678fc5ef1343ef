"""Readers for users' history files (CSV, Parquet); every read goes through the column mapping."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from engine.core.contracts.columns import ColumnMapping, apply_column_mapping, parse_column_spec
from engine.core.contracts.sales import SalesHistory, validate_sales
from engine.core.errors import DataError

_CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_LEADING_ZERO = r"\s*[+-]?0\d"


def _sniff_separator(path: Path) -> str:
    """Pick , ; or tab from the header line, so European and tab exports read as they are."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", errors="replace") as handle:
        header = handle.readline()
    return max((",", ";", "\t"), key=header.count)


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file, with numeric-looking columns written with leading zeros ('007', '0123') kept
    as their text.

    They are codes (stores, SKUs, postcodes), not numbers: read as numbers, '007' would become
    7 in every output and '0123' and '123' would merge into one series. Only the numeric columns
    are read a second time, as text, to find them.
    """
    sep = _sniff_separator(path)
    frame = pd.read_csv(path, sep=sep)
    numeric = [i for i in range(frame.shape[1]) if pd.api.types.is_numeric_dtype(frame.iloc[:, i])]
    if not numeric:
        return frame
    text = pd.read_csv(path, sep=sep, usecols=numeric, dtype=str)
    for position, values in zip(numeric, text.to_dict("series").values(), strict=True):
        if values.str.match(_LEADING_ZERO).any():
            frame.isetitem(position, values)
    return frame


def read_table(path: str | Path, mapping: ColumnMapping | None = None) -> pd.DataFrame:
    """Read CSV (separator sniffed: , ; tab) or Parquet, then map columns onto the contract."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file '{path}' does not exist", "data")
    name = path.name.lower()
    try:
        if name.endswith(_PARQUET_SUFFIXES):
            frame = pd.read_parquet(path)
        elif name.endswith(_CSV_SUFFIXES) or path.suffix == "":
            frame = _read_csv(path)
        else:
            raise DataError(f"data file '{path}' is not CSV or Parquet", "data")
    except DataError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read '{path}': {str(exc).splitlines()[0]}", "data") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.loc[:, [c for c in frame.columns if not c.startswith("Unnamed: ")]]
    return apply_column_mapping(frame, mapping or {})


def read_sales(
    data: str | Path,
    columns: str | None = None,
    keys: list[str] | None = None,
    require_price: bool = False,
    date_format: str | None = None,
    freq: str | None = None,
    last_period: str = "auto",
) -> SalesHistory:
    """Read, map and validate a sales history file: the one path every job and command uses.

    `date_format` (or the mapping file's) fixes how dates are read; `freq` states the frequency
    instead of inferring it; `last_period` is auto, complete or partial (contracts.completeness).
    """
    spec = parse_column_spec(columns, date_format)
    return validate_sales(
        read_table(data, spec.mapping),
        keys=keys,
        require_price=require_price,
        date_format=spec.date_formats.for_column("date"),
        freq=freq,
        last_period=last_period,
    )


@dataclass(frozen=True)
class SalesFile:
    """A sales history file and how to read it: the column mapping (pairs or a TOML file), the
    series keys, the date format and the last-period setting (auto, complete or partial)."""

    path: Path
    columns: str | None = None
    keys: list[str] | None = None
    date_format: str | None = None
    last_period: str = "auto"

    def read(self, require_price: bool = False, freq: str | None = None) -> SalesHistory:
        """Read, map and validate it (`read_sales`)."""
        return read_sales(
            self.path,
            self.columns,
            self.keys,
            require_price=require_price,
            date_format=self.date_format,
            freq=freq,
            last_period=self.last_period,
        )


def as_sales_file(data: SalesFile | str | Path) -> SalesFile:
    """A path alone is a sales file read with every default."""
    return data if isinstance(data, SalesFile) else SalesFile(Path(data))
