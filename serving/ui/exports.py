"""Downloads of what a page shows: CSV or XLSX, every text cell made formula-safe.

Columns and rows are the page's own table (the same columns as the API's CSV), so a planner's
spreadsheet matches the screen. XLSX cells keep numbers as numbers with a thousands format.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

from engine.core.errors import DataError
from engine.core.files import neutralise_formula
from serving.core.csv_export import csv_response

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
ExportFormat = Annotated[str, Query(alias="format")]
"""An export route's `?format=` (csv or xlsx; anything else is refused by `export_response`)."""


def safe_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[dict[str, Any]]:
    """The rows restricted to `columns`, each text cell passed through `neutralise_formula`."""
    return [{c: neutralise_formula(row.get(c)) for c in columns} for row in rows]


def xlsx_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str], sheet: str) -> bytes:
    """One worksheet: a bold header, then the rows (numbers as numbers, text never a formula)."""
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = cell.font.copy(bold=True)
    for r, row in enumerate(safe_rows(rows, columns), start=2):
        for c, name in enumerate(columns, start=1):
            value = row[name]
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = value
                cell.data_type = TYPE_STRING  # never 'f': text stays text
            else:
                cell.value = value
                if isinstance(value, float):
                    cell.number_format = "#,##0.00"
    for c, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(40, len(name) + 4))
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_response(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], filename: str, fmt: str
) -> Response:
    """The rows as a CSV or XLSX download named `filename` (without extension)."""
    safe_name = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "export"
    if fmt == "csv":
        return csv_response(safe_rows(rows, columns), f"{safe_name}.csv", columns)
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(rows, columns, safe_name),
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{safe_name}.xlsx"'},
        )
    raise DataError(f"format '{fmt}' is not one of {', '.join(FORMATS)}", "format")
