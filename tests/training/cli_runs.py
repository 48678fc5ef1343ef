"""Running the `lodestar` CLI in-process, as main() runs it, and capturing what it says."""

from __future__ import annotations

import pytest

from training.cli.app import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`lodestar *args`: its exit code (0 when it ends without one), stdout and stderr."""
    with pytest.raises(SystemExit) as ended:
        main(args)
    said = capsys.readouterr()
    return int(ended.value.code or 0), said.out, said.err
