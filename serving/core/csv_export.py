"""`text/csv` answers for any tabular endpoint, chosen by the request's Accept header.

A router builds its rows as dicts and ends with `tabular(request, rows, model, filename)`:
JSON (the pydantic model) by default, CSV when the client asks for text/csv. Add
`responses=CSV_RESPONSE` to the route so the OpenAPI docs list both media types. Text cells
that a spreadsheet would run as formulas are neutralised (engine.core.files.neutralise_formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel

from engine.core.files import neutralise_formula

CSV_MEDIA_TYPE = "text/csv"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        "description": "JSON by default; CSV rows when the Accept header asks for text/csv.",
    }
}


def wants_csv(request: Request) -> bool:
    """True when the Accept header names text/csv ahead of (or without) JSON."""
    accept = request.headers.get("accept", "").lower()
    if CSV_MEDIA_TYPE not in accept:
        return False
    json_at = accept.find("application/json")
    return json_at < 0 or accept.find(CSV_MEDIA_TYPE) < json_at


def to_csv(rows: Sequence[dict[str, Any]], columns: Iterable[str] | None = None) -> str:
    """Rows of dicts as CSV text with a header (columns: given order, else first-seen order).

    Text cells starting like a formula (=, +, -, @, tab, CR) get a leading quote; numbers stay.
    """
    if columns is None:
        seen: dict[str, None] = {}
        for row in rows:
            seen.update(dict.fromkeys(row))
        columns = list(seen)
    names = list(columns)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise_formula(name) for name in names])
    for row in rows:
        writer.writerow([neutralise_formula(row.get(name, "")) for name in names])
    return out.getvalue()


def csv_response(
    rows: Sequence[dict[str, Any]], filename: str, columns: Iterable[str] | None = None
) -> Response:
    """A CSV download of the rows."""
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export.csv"
    return Response(
        to_csv(rows, columns),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{safe}"'},
    )


def tabular(
    request: Request,
    rows: Sequence[dict[str, Any]],
    model: BaseModel,
    filename: str,
    columns: Iterable[str] | None = None,
) -> BaseModel | Response:
    """The JSON model, or the rows as CSV when the client asked for text/csv."""
    if wants_csv(request):
        return csv_response(rows, filename, columns)
    return model
