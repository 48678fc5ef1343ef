"""Codes written with leading zeros ('007', '0123') are kept as text, end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine.core.contracts import read_table
from training.cli.app import main


def test_a_zero_padded_column_is_read_as_its_text_and_numbers_stay_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("date;store;sku;units;price\n2024-01-01;007;12;5;1.5\n2024-01-08;010;13;6;2\n")
    table = read_table(path)
    assert table["store"].tolist() == ["007", "010"]
    assert table["sku"].tolist() == [12, 13]
    assert table["units"].tolist() == [5, 6] and table["price"].tolist() == [1.5, 2.0]


def test_codes_0123_and_123_stay_two_series_in_lodestar_forecast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dates = pd.date_range("2022-01-03", periods=60, freq="7D")
    rng = np.random.default_rng(0)
    frame = pd.concat(
        [
            pd.DataFrame({"date": dates, "store": code, "units": rng.poisson(level, len(dates))})
            for code, level in (("0123", 50), ("123", 500))
        ]
    )
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "forecast.csv"
    args = ["forecast", "--data", str(path), "--keys", "store", "--horizon", "4"]
    with pytest.raises(SystemExit) as done:
        main([*args, "--models", "baseline", "--out", str(out)])
    assert done.value.code == 0, capsys.readouterr().err
    written = pd.read_csv(out, dtype={"store": str})
    means = written.groupby("store")["mean"].mean()
    assert sorted(means.index) == ["0123", "123"]
    assert means["0123"] < 100 < means["123"]  # each its own history, not one merged series
