"""Options shared by several commands, so every command spells them the same way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from engine.core.contracts import Findings, SalesFile
from engine.core.settings import get_settings
from training.cli.depends import Depends

if TYPE_CHECKING:
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
EventsOption = Annotated[
    Path | None,
    typer.Option("--events", help="Activity log (lead_id, timestamp, activity) to count from."),
]
CommentOption = Annotated[str, typer.Option("--comment", help="Why.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Make the new version champion even if it is not better.")
]


def sales_file(
    data: DataOption,
    columns: ColumnsOption = None,
    keys: KeysOption = None,
    date_format: DateFormatOption = None,
    last_period: LastPeriodOption = "auto",
) -> SalesFile:
    """The options every command that reads sales history takes, as one value."""
    return SalesFile(data, columns, split_list(keys), date_format, last_period)


SalesFileOptions = Annotated[SalesFile, Depends(sales_file)]


@dataclass(frozen=True)
class LeadFile:
    """A leads file, its activity log and how to read them: --data --columns --events
    --date-format."""

    path: Path
    columns: str | None
    events: Path | None
    date_format: str | None


def lead_file(
    data: DataOption,
    columns: ColumnsOption = None,
    events: EventsOption = None,
    date_format: DateFormatOption = None,
) -> LeadFile:
    """The options every command that reads leads takes, as one value."""
    return LeadFile(data, columns, events, date_format)


LeadFileOptions = Annotated[LeadFile, Depends(lead_file)]


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
    from engine.registry.store import ModelStore

    return ModelStore.from_settings(get_settings())
