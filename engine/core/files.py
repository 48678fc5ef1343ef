"""Atomic file writes: a temporary file beside the target, then a rename, never half a file.

Every file Lodestar writes for a user (forecast CSVs, scores, what-ifs, demo data, status
files) goes through here, so a crash or a full disk leaves the old file or the new one.
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


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a text cell as a formula."""


def formula_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; other values pass.

    Exports users open in Excel or LibreOffice (CSV, XLSX) pass every text cell through here,
    so a product or lead name like `=HYPERLINK(...)` is shown as text, never evaluated.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_table(frame: pd.DataFrame, path: str | Path, float_format: str | None = None) -> Path:
    """A table as CSV (or JSON records when the name ends in .json), written atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return write_atomic(
            path, lambda tmp: frame.to_json(tmp, orient="records", date_format="iso", indent=2)
        )
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, float_format=float_format))


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
