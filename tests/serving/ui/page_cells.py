"""Read a Workbench page's tables the way a test needs them: each cell's raw data attributes
(the unformatted numbers behind the text), with its table and row."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.table: str | None = None
        self.row: dict[str, str] = {}
        self.cells: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.table = found.get("data-testid")
        elif tag == "tr":
            self.row = {k[5:]: v for k, v in found.items() if k.startswith("data-")}
        elif tag in ("td", "th"):
            data = {k[5:]: v for k, v in found.items() if k.startswith("data-")}
            if data:
                self.cells.append({"table": self.table, "row": dict(self.row), **data})

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.table = None


def table_cells(html: str, table: str) -> list[dict[str, Any]]:
    """Cells with data attributes of the table whose data-testid is `table`."""
    parser = _Cells()
    parser.feed(html)
    return [c for c in parser.cells if c["table"] == table]
