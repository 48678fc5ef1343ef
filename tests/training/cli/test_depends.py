"""Command dependencies: a parameter built from options declared once, shown to typer as options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from training.cli.app import app as lodestar
from training.cli.depends import Depends, resolve_dependencies


@dataclass(frozen=True)
class Window:
    start: int
    length: int


def window(
    start: Annotated[int, typer.Option("--start", help="First step.")],
    length: Annotated[int, typer.Option("--length", help="Steps.")] = 3,
) -> Window:
    return Window(start, length)


WindowOptions = Annotated[Window, Depends(window)]


def tiny_app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @resolve_dependencies
    def show(
        span: WindowOptions,
        label: Annotated[str, typer.Option("--label")] = "w",
    ) -> None:
        typer.echo(f"{label} {span.start}..{span.start + span.length}")

    return app


def test_the_providers_options_are_the_commands_and_build_its_value() -> None:
    runner = CliRunner()
    assert runner.invoke(tiny_app(), ["--start", "4", "--length", "2"]).output == "w 4..6\n"
    assert runner.invoke(tiny_app(), ["--start", "1", "--label", "x"]).output == "x 1..4\n"


def test_a_required_provider_option_is_required_by_the_command() -> None:
    result = CliRunner().invoke(tiny_app(), ["--label", "x"])
    assert result.exit_code == 2
    assert "--start" in result.output


def test_an_option_declared_by_a_provider_and_the_command_is_refused_at_import() -> None:
    def clashing(span: WindowOptions, start: int = 0) -> None:
        """Declares --start a second time."""

    with pytest.raises(TypeError, match="declares start twice"):
        resolve_dependencies(clashing)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        (["train", "forecast"], ["--data", "--keys", "--last-period", "--models", "--scheduler"]),
        (["forecast"], ["--data", "--date-format", "--n-jobs", "--backend", "--horizon"]),
        (["train", "pricing"], ["--data", "--columns", "--keys", "--last-period", "--controls"]),
        (["train", "leads"], ["--data", "--columns", "--events", "--date-format", "--tiers"]),
        (["score", "leads"], ["--data", "--events", "--date-format", "--as-of"]),
        (["leads", "rubric", "suggest"], ["--data", "--events", "--exclude", "--save"]),
        (["data", "check"], ["--data", "--keys", "--date-format", "--last-period", "--kind"]),
    ],
)
def test_lodestar_commands_show_their_shared_file_and_fitting_options(
    command: list[str], options: list[str]
) -> None:
    result = CliRunner().invoke(lodestar, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for option in options:
        assert option in result.output, (command, option)
