"""`lodestar train pricing` and `lodestar pricing elasticities | what-if | recommend`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.training.cli_runs import run_cli
from training.forecasting.job import train_forecast


def test_train_then_answer_from_files(
    cli_settings: Settings, demo_paths: dict[str, Path], tmp_path: Path, capsys
) -> None:
    train_forecast(ModelStore.from_settings(cli_settings), demo_paths["sales"])
    code, out, err = run_cli(["train", "pricing", "--data", str(demo_paths["sales"])], capsys)
    assert code == 0, err
    assert "price sensitivity v1" in out

    elasticities = tmp_path / "el.csv"
    code, out, err = run_cli(["pricing", "elasticities", "--out", str(elasticities)], capsys)
    assert code == 0, err
    table = pd.read_csv(elasticities)
    assert {
        "product",
        "cross_product",
        "elasticity",
        "lo_95",
        "hi_95",
        "n_obs",
        "plausible",
    } <= set(table.columns)
    assert (table["kind"] == "own").sum() == 4 and (table["kind"] == "cross").sum() == 12

    scenario = tmp_path / "cut.toml"
    scenario.write_text('name = "cut"\n[[price_changes]]\nproduct = "P01"\npercent = -10\n')
    out_file = tmp_path / "what_if.csv"
    code, out, err = run_cli(
        ["pricing", "what-if", "--scenario", str(scenario), "--out", str(out_file)], capsys
    )
    assert code == 0, err
    what_if = pd.read_csv(out_file)
    assert set(what_if["span"]) == {"total", "quarter", "week"}
    total = what_if[(what_if["span"] == "total")].set_index("product")
    assert total.loc["P01", "change_units"] > 0

    request = tmp_path / "rec.json"
    request.write_text(json.dumps({"constraints": {"max_change_pct": 10, "min_margin_pct": 5}}))
    rec_file = tmp_path / "rec.csv"
    code, out, err = run_cli(
        ["pricing", "recommend", "--scenario", str(request), "--out", str(rec_file)], capsys
    )
    assert code == 0, err
    rec = pd.read_csv(rec_file)
    change = rec["recommended_price"] / rec["current_price"] - 1
    assert (change.abs() <= 0.10 + 1e-9).all()

    impossible = tmp_path / "impossible.json"
    impossible.write_text(json.dumps({"constraints": {"max_change_pct": 1, "min_margin_pct": 95}}))
    bad_out = tmp_path / "never.csv"
    code, out, err = run_cli(
        ["pricing", "recommend", "--scenario", str(impossible), "--out", str(bad_out)], capsys
    )
    assert code == 2
    assert err.count("\n") == 1 and "min_margin" in err and "max_change" in err
    assert not bad_out.exists()


@pytest.mark.parametrize(
    ("command", "name", "text", "expected"),
    [
        ("what-if", "s.json", "{}", "no champion"),
        ("recommend", "s.toml", "this is = = not toml", "scenario"),
    ],
)
def test_scenario_commands_fail_with_exit_2_and_one_line(
    cli_settings: Settings, tmp_path, capsys, command: str, name: str, text: str, expected: str
) -> None:
    scenario = tmp_path / name
    scenario.write_text(text)
    out = tmp_path / "o.csv"
    code, _, err = run_cli(
        ["pricing", command, "--scenario", str(scenario), "--out", str(out)], capsys
    )
    assert code == 2 and expected in err and err.count("\n") == 1
    assert not out.exists()


def test_item3_no_cost_what_if_hides_margin_and_margin_requests_exit_2(
    cli_settings: Settings, demo_paths: dict[str, Path], tmp_path: Path, capsys
) -> None:
    no_cost = tmp_path / "no_cost.csv"
    pd.read_csv(demo_paths["sales"]).drop(columns=["cost"]).to_csv(no_cost, index=False)
    train_forecast(ModelStore.from_settings(cli_settings), no_cost, selection="baseline")
    code, _, err = run_cli(["train", "pricing", "--data", str(no_cost)], capsys)
    assert code == 0, err

    scenario = tmp_path / "cut.json"
    scenario.write_text(json.dumps({"price_changes": [{"product": "P01", "percent": -10}]}))
    out_file = tmp_path / "what_if.csv"
    code, out, err = run_cli(
        ["pricing", "what-if", "--scenario", str(scenario), "--out", str(out_file)], capsys
    )
    assert code == 0, err
    assert "change_margin" not in out and "note: margin is not reported" in out
    table = pd.read_csv(out_file)
    assert table["change_margin"].isna().all() and table["change_revenue"].notna().all()

    for body in (
        {"objective": "margin", "constraints": {"min_margin_pct": 30}},
        {"objective": "units", "constraints": {"min_margin_pct": 30}},
    ):
        request = tmp_path / "rec.json"
        request.write_text(json.dumps(body))
        never = tmp_path / "never.csv"
        code, _, err = run_cli(
            ["pricing", "recommend", "--scenario", str(request), "--out", str(never)], capsys
        )
        assert code == 2 and err.count("\n") == 1 and "[cost]" in err
        assert not never.exists()
