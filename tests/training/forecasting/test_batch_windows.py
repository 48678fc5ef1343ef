"""`lodestar forecast --windows --window-horizon` reach the backtest that judges the models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.cli_runs import run_cli


@pytest.fixture(scope="module")
def two_years(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """Two years of weekly sales of three products with a season and noise."""
    rng = np.random.default_rng(5)
    dates = pd.date_range("2024-01-01", periods=104, freq="W-MON")
    week = np.arange(104)
    rows = []
    for product, level in (("A", 100.0), ("B", 60.0), ("C", 30.0)):
        season = 1 + 0.3 * np.sin(2 * np.pi * week / 52)
        units = np.round(level * season * rng.lognormal(0, 0.1, 104))
        rows.append(pd.DataFrame({"date": dates, "product": product, "units": units}))
    frame = pd.concat(rows)
    path = tmp_path_factory.mktemp("windows") / "sales.csv"
    frame.to_csv(path, index=False)
    return path, frame


def forecast(
    path: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> pd.DataFrame:
    args = ["forecast", "--data", str(path), "--horizon", "4", "--models", "fast"]
    code, _, err = run_cli([*args, "--out", str(out), *extra], capsys)
    assert code == 0, err
    return pd.read_csv(out, parse_dates=["date"])


def test_windows_longer_than_the_history_leave_the_seasonal_naive_forecast(
    two_years: tuple[Path, pd.DataFrame], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, frame = two_years
    judged = forecast(path, tmp_path / "judged.csv", capsys, "--windows", "2")
    unjudged = forecast(
        path, tmp_path / "unjudged.csv", capsys, "--windows", "1", "--window-horizon", "200"
    )
    last_year = frame.assign(date=frame["date"] + pd.Timedelta(weeks=52))
    naive = unjudged.merge(last_year, on=["product", "date"])
    assert len(naive) == 12
    np.testing.assert_allclose(naive["mean"], naive["units"], rtol=1e-3)
    assert not np.allclose(judged["mean"], unjudged["mean"], rtol=1e-3)


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [("--windows", "0", "windows"), ("--window-horizon", "0", "window_horizon")],
)
def test_backtest_settings_below_one_are_refused_naming_the_field(
    two_years: tuple[Path, pd.DataFrame],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    field: str,
) -> None:
    args = ["forecast", "--data", str(two_years[0]), "--horizon", "4", option, value]
    code, _, err = run_cli([*args, "--out", str(tmp_path / "x.csv")], capsys)
    assert code == 2 and field in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()
