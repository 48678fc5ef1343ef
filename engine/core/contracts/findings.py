"""Findings: odd but usable data, said out loud by name instead of passed over in silence.

A finding is not an error: the data is used, but the user is told what is odd about it (a
partial last period, gaps, very short series, series that fall back to a simple forecast) and
what Lodestar does about it. The contract produces them; the CLI prints them, the training jobs
log them on the MLflow run, and the batch forecast returns them with its table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

NAMED = 5
"""How many series a finding names before it says 'and N more'."""


@dataclass(frozen=True)
class Finding:
    """One odd thing about the data: its kind, one line for people, the series it concerns."""

    kind: str
    message: str
    series: tuple[str, ...] = ()

    def line(self) -> str:
        """'note [kind]: message' as the CLI prints it."""
        return f"note [{self.kind}]: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "message": self.message,
            "n_series": len(self.series),
            "series": list(self.series),
        }


@dataclass(frozen=True)
class Findings:
    """Every finding of one read (and one run), in the order they were found."""

    items: tuple[Finding, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def plus(self, *more: Finding | None) -> Findings:
        """These findings and more (None entries are skipped)."""
        return Findings((*self.items, *(f for f in more if f is not None)))

    def of_kind(self, kind: str) -> Finding | None:
        """The finding of one kind, if there is one."""
        return next((f for f in self.items if f.kind == kind), None)

    def lines(self) -> list[str]:
        """One printable line per finding."""
        return [f.line() for f in self.items]

    def table(self) -> pd.DataFrame:
        """kind, message, n_series, series (all of them, '; ' separated): the run's CSV."""
        rows = [{**f.to_dict(), "series": "; ".join(f.series)} for f in self.items]
        return pd.DataFrame(rows, columns=["kind", "message", "n_series", "series"])

    def params(self) -> dict[str, str]:
        """MLflow run parameters: 'findings' (the kinds) and one 'finding.<kind>' message each."""
        out = {"findings": ",".join(f.kind for f in self.items) or "none"}
        for f in self.items:
            out[f"finding.{f.kind}"] = f.message[:500]
        return out

    def summary(self) -> str:
        """A short clause for a one-line result: 'data notes: kind, kind' (or '')."""
        if not self.items:
            return ""
        return "data notes: " + ", ".join(f.kind.replace("_", " ") for f in self.items)


def name_some(labels: Sequence[str], limit: int = NAMED) -> str:
    """'a, b, c' or 'a, b, c, d, e and 7 more': series named without flooding a line."""
    shown = ", ".join(labels[:limit])
    rest = len(labels) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def series_labels(index: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """A name per series from its key values: 'North/S01/P01' (one key: just its value)."""
    if not len(index):
        return []
    parts = index[list(keys)].astype(str)
    return parts.agg("/".join, axis=1).tolist()
