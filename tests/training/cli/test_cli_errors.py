"""CLI promise: a user error is exit 2 and one line on stderr, and nothing half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.training.cli_runs import run_cli
from training.forecasting.job import train_forecast


def bad_sales(tmp_path: Path, demo_paths: dict[str, Path], breaker: str) -> Path:
    frame = pd.read_csv(demo_paths["sales"])
    if breaker == "missing":
        frame = frame.drop(columns=["units"])
    elif breaker == "type":
        frame["units"] = frame["units"].astype(object)
        frame.loc[7, "units"] = "n/a"
    elif breaker == "duplicate":
        frame = pd.concat([frame, frame.iloc[[3]]])
    elif breaker == "negative_price":
        frame.loc[11, "price"] = -1.0
    elif breaker == "date":
        frame.loc[2, "date"] = "32/13/2024"
    path = tmp_path / f"{breaker}.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("breaker", "field"),
    [
        ("missing", "units"),
        ("type", "units"),
        ("duplicate", "date"),
        ("negative_price", "price"),
        ("date", "date"),
    ],
)
def test_bad_training_data_exits_2_with_one_line_and_no_registry_entry(
    breaker: str,
    field: str,
    tmp_path: Path,
    demo_paths: dict[str, Path],
    cli_settings: Settings,
    store: ModelStore,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = bad_sales(tmp_path, demo_paths, breaker)
    code, _, err = run_cli(["train", "forecast", "--data", str(path)], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"[{field}]" in lines[0]
    assert store.versions("sales") == []
    assert store.client.search_runs([store.experiment_id("sales")]) == []


def test_column_mapping_errors_name_the_field(
    tmp_path: Path, demo_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        ["train", "forecast", "--data", str(demo_paths["sales"]), "--columns", "units=move"],
        capsys,
    )
    assert code == 2 and "[units]" in err and "'move'" in err


def test_unknown_option_is_exit_2_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["train", "forecast", "--bogus"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("step", "failure"),
    [("log_model", OSError("disk full")), ("set_champion", RuntimeError("alias service down"))],
    ids=["failure_while_logging", "failure_after_registering"],
)
def test_a_failing_store_step_leaves_no_registered_version(
    step: str,
    failure: Exception,
    demo_paths: dict[str, Path],
    store: ModelStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise failure

    monkeypatch.setattr(store, step, broken)
    with pytest.raises(type(failure)):
        train_forecast(store, demo_paths["sales"])
    assert store.versions("sales") == []
    assert store.champion_version("sales") is None
    runs = store.client.search_runs([store.experiment_id("sales")])
    assert [r.info.status for r in runs] == ["FAILED"]


def test_real_console_command_reports_one_line(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it, in a fresh process."""
    path = tmp_path / "empty.csv"
    path.write_text("date,store,units\n")
    env = {**os.environ, "LODESTAR_HOME": str(tmp_path / "home")}
    env.pop("MLFLOW_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "training.cli", "train", "forecast", "--data", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["error [sales]: the sales table is empty"]
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.joblib"))


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        (
            {"LODESTAR_LEAD_WEBHOOK_MAX_ATTEMPTS": "0"},
            "error [LODESTAR_LEAD_WEBHOOK_MAX_ATTEMPTS]: Input should be greater than or equal "
            "to 1",
        ),
        (
            {"LODESTAR_LEAD_WEBHOOK_URL": "http://127.0.0.1:9/hook"},
            "error: LODESTAR_LEAD_WEBHOOK_SECRET must be set when LODESTAR_LEAD_WEBHOOK_URL is "
            "(alert webhooks are always signed)",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    setting: dict[str, str], said: str, tmp_path: Path
) -> None:
    """A LODESTAR_* variable out of range, or one needing another, stops the command cleanly."""
    env = {**os.environ, "LODESTAR_HOME": str(tmp_path / "home"), **setting}
    for command in (["models", "list"], ["serve", "--port", "9"]):
        proc = subprocess.run(
            [sys.executable, "-m", "training.cli", *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert (proc.returncode, proc.stderr.strip().splitlines()) == (2, [said]), command


def test_a_bug_is_one_line_exit_1_and_its_traceback_goes_to_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fault injection (no real bug to trigger): the batch job raises something unexpected."""
    import training.forecasting.batch

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("float division by zero\nsecond line")

    monkeypatch.setattr(training.forecasting.batch, "batch_forecast", broken)
    data = tmp_path / "sales.csv"
    data.write_text("date,store,units\n2024-01-01,A,1\n")
    code, out, err = run_cli(
        ["forecast", "--data", str(data), "--horizon", "2", "--out", str(tmp_path / "f.csv")],
        capsys,
    )
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: internal error (ZeroDivisionError: float division by zero)")
    report = Path(lines[0].rsplit(" with ", 1)[1])
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "second line" in text and "batch_forecast" in text
    report.unlink()
