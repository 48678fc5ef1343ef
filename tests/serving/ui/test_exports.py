"""Workbench downloads: text that looks like a formula stays text in CSV and XLSX."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from serving.ui.exports import export_response, xlsx_bytes

ROWS = [
    {"product": '=HYPERLINK("http://x","y")', "units": -1234.5, "note": "@risk"},
    {"product": "P02", "units": 10.0, "note": "-minus"},
]


def test_xlsx_keeps_numbers_and_never_writes_a_formula() -> None:
    sheet = load_workbook(io.BytesIO(xlsx_bytes(ROWS, ["product", "units", "note"], "t"))).active
    cells = [[c for c in row] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type != "f" for row in cells for c in row)
    assert cells[0][0].value == '\'=HYPERLINK("http://x","y")'
    assert cells[0][1].value == -1234.5 and cells[0][2].value == "'@risk"
    assert cells[1][2].value == "'-minus" and cells[1][0].value == "P02"


def test_csv_neutralises_the_same_cells() -> None:
    answer = export_response(ROWS, ["product", "units", "note"], "t", "csv")
    lines = answer.body.decode().splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(") and lines[1].endswith(",-1234.5,'@risk")
    assert lines[2] == "P02,10.0,'-minus"
