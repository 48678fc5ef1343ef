"""Atomic file writes: a temporary file beside the target, then a rename, never half a file.

Every file Lodestar writes for a user (forecast CSVs, scores, what-ifs, demo data, status
files) goes through here, so a crash or a full disk leaves the old file or the new one. Text
cells of every CSV export pass through `neutralise_formula`, so a product named `=HYPERLINK(..)`
is shown as text by a spreadsheet instead of being run as a formula.
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.errors import DataError

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""


def neutralise_formula(value: Any) -> Any:
    """A text cell starting like a formula gets a leading single quote; anything else is kept.

    Only text is touched: a negative number stays a number, a date stays a date.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table whose text cells and column names cannot run as formulas."""
    out = frame.rename(columns=neutralise_formula)
    for position, dtype in enumerate(out.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            out.isetitem(position, out.iloc[:, position].map(neutralise_formula))
        elif isinstance(dtype, pd.CategoricalDtype):
            out.isetitem(position, out.iloc[:, position].astype(object).map(neutralise_formula))
    return out


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`; renamed onto it when the block succeeds, else removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(target: str | Path, write: Callable[[Path], Any]) -> Path:
    """Call `write(tmp_path)` and move the result onto `target` in one step."""
    target = Path(target)
    with atomic_path(target) as tmp:
        write(tmp)
    return target


def write_table(frame: pd.DataFrame, path: str | Path, float_format: str | None = None) -> Path:
    """A table as CSV (or JSON records when the name ends in .json), written atomically.

    CSV text cells are neutralised against formula injection; JSON is written as it is.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        return write_atomic(
            path, lambda tmp: frame.to_json(tmp, orient="records", date_format="iso", indent=2)
        )
    safe = neutralised(frame)
    ending = "\r\n" if _holds_carriage_return(safe) else "\n"
    return write_atomic(
        path,
        lambda tmp: safe.to_csv(tmp, index=False, float_format=float_format, lineterminator=ending),
    )


def _holds_carriage_return(frame: pd.DataFrame) -> bool:
    """True when a text cell holds a CR: the csv writer quotes it only if CR ends lines too."""
    for position, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            column = frame.iloc[:, position]
            if column.map(lambda v: isinstance(v, str) and "\r" in v).any():
                return True
    return any("\r" in str(name) for name in frame.columns)


def write_json(obj: Any, path: str | Path) -> Path:
    """A JSON document, pretty and key-sorted, written atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, default=str)
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_document(path: str | Path, what: str = "scenario") -> dict[str, Any]:
    """One object from a JSON or TOML file (scenarios, requests); errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{what} file '{path}' does not exist", what)
    text = path.read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{what} file '{path}' cannot be parsed: {exc}", what) from exc
    if not isinstance(doc, dict):
        raise DataError(f"{what} file '{path}' must hold one object", what)
    return doc
