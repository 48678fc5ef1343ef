"""`lodestar plan ...`, `lodestar actuals load`, `lodestar audit` and audited champion moves,
run in-process like main(), against the database under LODESTAR_HOME or on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.training.cli_runs import run_cli
from tests.training.conftest import CliHome


@pytest.fixture
def home(cli_home: CliHome, sales_template: Path) -> Path:
    return cli_home(sales_template)


def test_plan_commands_end_to_end(
    home: Path, tmp_path: Path, demo_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        ["plan", "create", "--quarters", "2027Q1..2027Q2", "--name", "FY27"], capsys
    )
    assert code == 0, err
    assert out.startswith("plan 1 'FY27': 2027Q1, 2027Q2 from sales champion v1")
    code, out, _ = run_cli(
        ["plan", "show", "1", "--level", "region", "--quarters", "2027Q1"], capsys
    )
    north = float(next(line for line in out.splitlines() if "North" in line).split()[2])
    code, out, err = run_cli(
        [
            "plan",
            "override",
            "1",
            "--cell",
            "region=North",
            "--quarter",
            "2027Q1",
            "--percent",
            "5",
            "--reason",
            "promotion",
            "--comment",
            "push",
        ],
        capsys,
    )
    assert code == 0, err
    before, after = out.split(":", 1)[1].split("(")[0].split("->")
    assert float(after) == pytest.approx(north * 1.05, abs=0.02)
    set_q1_to_1 = ["plan", "override", "1", "--quarter", "2027Q1"]
    set_q1_to_1 += ["--value", "1", "--reason", "other"]
    bad = run_cli([*set_q1_to_1, "--cell", "region"], capsys)
    assert bad[0] == 2 and bad[2].startswith("error [cell]:") and len(bad[2].splitlines()) == 1
    assert run_cli(["plan", "submit", "1"], capsys)[0] == 0
    own = run_cli(["plan", "approve", "1"], capsys)
    assert own[0] == 2 and "someone else" in own[2]
    assert run_cli(["plan", "approve", "1", "--by", "bea"], capsys)[0] == 0
    assert run_cli(["plan", "lock", "1", "--by", "bea"], capsys)[0] == 0
    locked = run_cli([*set_q1_to_1, "--cell", "total"], capsys)
    assert locked[0] == 2 and "locked" in locked[2]
    out_file = tmp_path / "plan.csv"
    assert run_cli(["plan", "export", "1", "--out", str(out_file)], capsys)[0] == 0
    cells = pd.read_csv(out_file)
    assert len(cells) == (1 + 2 + 4 + 4 + 1 + 16) * 2
    q1 = cells[cells["quarter"] == "2027Q1"]
    bottom = q1[q1["level"] == "region,store,product"]
    assert abs(bottom["value"].sum() - q1.loc[q1["level"] == "total", "value"].iloc[0]) < 1e-6
    code, out, err = run_cli(["actuals", "load", "--data", str(demo_paths["sales"])], capsys)
    assert code == 0 and "for 16 series" in out, err
    code, out, _ = run_cli(["plan", "track", "1", "--level", "region"], capsys)
    assert code == 0 and out.startswith("version baseline: 0 warning(s)") and "not started" in out
    code, out, _ = run_cli(["plan", "fva", "1"], capsys)
    assert code == 0 and "quarters with actuals: none yet" in out
    code, out, _ = run_cli(["plan", "list"], capsys)
    assert "baseline" in out and "locked" in out
    code, out, _ = run_cli(["audit", "--plan", "1"], capsys)
    lines = out.splitlines()
    assert code == 0 and any("plan.approve" in line and "bea" in line for line in lines)
    assert any("plan.override" in line and "ann" in line for line in lines)


def test_champion_moves_are_audited(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "promote", "sales", "2", "--dry-run"], capsys)[0] == 0
    assert run_cli(["models", "promote", "sales", "2", "--by", "dora"], capsys)[0] == 0
    assert run_cli(["models", "rollback", "sales"], capsys)[0] == 0
    code, out, _ = run_cli(["audit", "--family", "sales", "--out", str(home / "audit.csv")], capsys)
    table = pd.read_csv(home / "audit.csv", dtype=str)
    assert list(table["action"]) == ["model.promote", "model.rollback"]
    assert list(table["actor"]) == ["dora", "ann"]
    assert list(zip(table["before"], table["after"], strict=True)) == [("1", "2"), ("2", "1")]


def test_actuals_with_ambiguous_dates_are_refused_until_their_format_is_stated(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    months = pd.date_range("2026-01-01", periods=12, freq="MS")
    frame = pd.DataFrame(
        {
            "date": months.strftime("%d/%m/%Y"),
            "product": "P1",
            "units": range(100, 112),
        }
    )
    path = tmp_path / "actuals.csv"
    frame.to_csv(path, index=False)
    code, _, err = run_cli(["actuals", "load", "--data", str(path)], capsys)
    assert code == 2 and "ambiguous dates" in err and "--date-format" in err
    stated = ["actuals", "load", "--data", str(path), "--date-format", "%d/%m/%Y"]
    code, out, err = run_cli(stated, capsys)
    assert code == 0, err
    assert "12 rows for 1 series, 2026-01-01 to 2026-12-01" in out
    mapping = tmp_path / "columns.toml"
    mapping.write_text('date_format = "%d/%m/%Y"\n[columns]\nunits = "units"\n', encoding="utf-8")
    code, out, err = run_cli(
        ["actuals", "load", "--data", str(path), "--columns", str(mapping)], capsys
    )
    assert code == 0, err
    assert "2026-01-01 to 2026-12-01" in out
