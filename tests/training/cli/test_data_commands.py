"""`lodestar data generate` and `lodestar data check` as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.training.cli_runs import run_cli


def test_check_summarises_valid_files(
    demo_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["data", "check", "--data", str(demo_paths["sales"])], capsys)
    assert code == 0
    assert "sales OK" in out and "16 series" in out and "frequency W" in out
    assert "comp_price_rival" in out
    code, out, _ = run_cli(
        ["data", "check", "--kind", "leads", "--data", str(demo_paths["leads"])], capsys
    )
    assert code == 0 and "leads OK: 800 leads" in out


def test_check_names_the_broken_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.csv"
    path.write_text("week,store,units\n2024-01-01,A,3\n2024-01-08,A,-1\n")
    code, _, err = run_cli(["data", "check", "--data", str(path), "--columns", "date=week"], capsys)
    assert code == 2
    assert err.strip() == "error [units]: column 'units' has a negative value: row 1 has -1.0"


def test_generate_writes_the_demo_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(
        ["data", "generate", "--out", str(tmp_path / "d"), "--seed", "3"], capsys
    )
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "d").iterdir())
    assert names == ["ground_truth.json", "lead_events.csv", "leads.csv", "sales.csv"]
    assert "sales:" in out
