"""`lodestar forecast`: batch CSVs for weekly, monthly and quarterly histories of any shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.cli.app import main

COLUMNS = ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
STATUS = ["actual_to_date", "actual_share", "status"]


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


def ragged(freq: str, path) -> None:
    """Three series of different lengths and start dates, own column names."""
    rng = np.random.default_rng(0)
    rows = []
    for k, (start, n) in enumerate([("2018-01-01", 40), ("2019-04-01", 28), ("2020-01-01", 20)]):
        dates = pd.date_range(start, periods=n, freq=freq)
        season = 1 + 0.2 * np.sin(2 * np.pi * dates.month / 12)
        qty = np.round(100 * season + rng.normal(0, 3, n) + 10 * k)
        rows.append(pd.DataFrame({"period": dates, "sku": f"A{k}", "qty": qty}))
    pd.concat(rows).to_csv(path, index=False)


def test_weekly_demo_by_date_and_by_quarter(demo_paths, tmp_path) -> None:
    out = tmp_path / "weekly.csv"
    forecast = ["forecast", "--data", str(demo_paths["sales"]), "--horizon", "26"]
    forecast += ["--models", "fast"]
    assert run([*forecast, "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["region", "store", "product", "date", *COLUMNS]
    assert len(table) == 16 * 26
    assert (table["lo_95"] <= table["lo_80"]).all() and (table["lo_80"] <= table["hi_80"]).all()
    quarters = tmp_path / "quarters.csv"
    assert run([*forecast, "--out", str(quarters), "--by-quarter"]) == 0
    qt = pd.read_csv(quarters)
    assert list(qt.columns) == ["region", "store", "product", "quarter", *COLUMNS, *STATUS]
    assert qt["quarter"].str.match(r"^\d{4}Q[1-4]$").all()


@pytest.mark.parametrize("freq,horizon", [("MS", 6), ("QS", 4)])
def test_monthly_and_quarterly_ragged_histories(tmp_path, freq, horizon) -> None:
    data, out = tmp_path / "hist.csv", tmp_path / "out.csv"
    ragged(freq, data)
    args = [
        "forecast",
        "--data",
        str(data),
        "--columns",
        "date=period,units=qty",
        "--keys",
        "sku",
        "--horizon",
        str(horizon),
        "--out",
        str(out),
        "--models",
        "fast",
    ]
    assert run(args) == 0
    table = pd.read_csv(out)
    history = pd.read_csv(data, parse_dates=["period"])
    last = history.groupby("sku")["period"].max()
    step = pd.DateOffset(months=1 if freq == "MS" else 3)
    for sku, rows in table.groupby("sku"):  # from its own last period to the common end
        dates = pd.to_datetime(rows["date"])
        assert dates.iloc[0] == last[sku] + step
        assert dates.iloc[-1] == last.max() + step * horizon
        assert len(rows) == horizon + len(pd.date_range(last[sku], last.max(), freq=freq)) - 1
    assert set(table["sku"]) == {"A0", "A1", "A2"}
    assert np.isfinite(table[COLUMNS].to_numpy()).all()
    assert (table["mean"] > 50).all()  # levels near 100, not dragged to zero by ragged spans
    assert run([*args, "--by-quarter"]) == 0
    assert "quarter" in pd.read_csv(out).columns


def test_bad_frequency_is_a_one_line_error(demo_paths, tmp_path, capsys) -> None:
    out = tmp_path / "x.csv"
    code = run(
        [
            "forecast",
            "--data",
            str(demo_paths["sales"]),
            "--horizon",
            "4",
            "--out",
            str(out),
            "--freq",
            "yearly",
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.strip().startswith("error [freq]")
    assert not out.exists()
