"""Which server-side files a training request may name: only files under the data roots.

A path is first checked as written (made absolute and normalised, `..` removed) without
touching the file system, so a request for `../../etc/passwd` is refused before anything is
looked at. Only then are symlinks resolved and the real path checked again, so a link inside
a root cannot lead out of it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from engine.core.errors import DataError


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def allowed_file(requested: str, roots: Sequence[Path], field: str = "data") -> Path:
    """The real path of an existing file under one of `roots`; else DataError naming `field`."""
    if not requested.strip() or "\x00" in requested:
        raise DataError(f"{field} must be a file path", field)
    shown = ", ".join(str(root) for root in roots) or "none configured"
    outside = DataError(
        f"{field} '{requested}' is outside the server's data folders ({shown}); "
        "put the file there or add its folder to LODESTAR_DATA_ROOTS",
        field,
    )
    written = Path(os.path.abspath(requested))
    real_roots = [Path(os.path.realpath(root)) for root in roots]
    if not _inside(written, [*roots, *real_roots]):
        raise outside
    real = Path(os.path.realpath(written))
    if not _inside(real, real_roots):
        raise outside
    if not real.is_file():
        raise DataError(f"{field} file {requested} does not exist on the server", field)
    return real


def names_a_file(columns: str) -> bool:
    """True when a --columns value is a TOML file (the training CLI reads it) and not a mapping."""
    text = columns.strip()
    return text.lower().endswith(".toml") or "=" not in text
