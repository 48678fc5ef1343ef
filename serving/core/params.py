"""Parameters several routers share: the id of a database row, in the path or the query."""

from __future__ import annotations

from typing import Any

from fastapi import Path, Query

ROW_ID_MAX = 2**31 - 1
"""Row ids are positive 32-bit integers, as the database's id columns hold them."""


def row_id(description: str) -> Any:
    """A path parameter naming one row: 1 to ROW_ID_MAX (anything else is a 422 naming it)."""
    return Path(ge=1, le=ROW_ID_MAX, description=description)


def row_id_filter(description: str) -> Any:
    """An optional query parameter keeping the rows about one other row, by its id."""
    return Query(ge=1, le=ROW_ID_MAX, description=description)
