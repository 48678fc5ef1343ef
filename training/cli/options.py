"""Options shared by several commands, so every command spells them the same way."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from engine.core.contracts import Findings
from engine.core.settings import get_settings
from engine.registry.store import ModelStore

DataOption = Annotated[Path, typer.Option("--data", help="History file (CSV or Parquet).")]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns", help="Map contract names to yours: date=week,units=move (or a TOML file)."
    ),
]
KeysOption = Annotated[
    str | None,
    typer.Option(
        "--keys",
        help="Series key columns, comma separated (default: known key names and every text "
        "column with no other role).",
    ),
]
DateFormatOption = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="How dates are written, e.g. %d/%m/%Y or ISO8601 (per column: "
        "created_date=%d/%m/%Y;timestamp=%d/%m/%Y %H:%M). Default: inferred from the whole "
        "column; ambiguous columns (05/01/2015 with no day above 12) must state it.",
    ),
]
LastPeriodOption = Annotated[
    str,
    typer.Option(
        "--last-period",
        help="Is the last period complete? auto (judged from its total: a last period far "
        "below the ones before is partial and left out), complete or partial.",
    ),
]
CommentOption = Annotated[str, typer.Option("--comment", help="Why.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Make the new version champion even if it is not better.")
]


def echo_notes(notes: Iterable[str]) -> None:
    """Print each note of an answer on its own line ('note: ...')."""
    for note in notes:
        typer.echo(f"note: {note}")


def echo_findings(findings: Findings) -> None:
    """Print each data finding on its own line ('note [kind]: ...')."""
    for line in findings.lines():
        typer.echo(line)


class FindingsPrinter:
    """A job's `report`: prints the data findings when they are known, then tags the result line.

    The result line ends with a short 'data notes: ...' clause, so the one line a background
    training run's status shows still says the data was odd.
    """

    def __init__(self) -> None:
        self.findings = Findings()

    def __call__(self, findings: Findings) -> None:
        self.findings = findings
        echo_findings(findings)

    def result(self, line: str) -> None:
        """Print the job's result line with the notes' summary appended."""
        summary = self.findings.summary()
        typer.echo(f"{line}; {summary}" if summary else line)


def split_list(text: str | None) -> list[str] | None:
    """'a,b' -> ['a', 'b']; None or empty -> None."""
    if not text:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def open_store() -> ModelStore:
    """The model store configured by environment (MLFLOW_TRACKING_URI or LODESTAR_HOME)."""
    return ModelStore.from_settings(get_settings())
