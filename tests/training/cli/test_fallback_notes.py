"""Issue 10 item 15: no raw numpy warnings for users; fallbacks reported once, by name."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.training.cli_runs import run_cli
from training.forecasting.batch import batch_forecast


def awkward(tmp_path: Path) -> Path:
    """Constant, all-zero, brand-new and early-ending series beside two ordinary ones."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2022-01-03", periods=60, freq="W-MON")
    parts = [
        pd.DataFrame({"date": dates, "product": p, "units": rng.poisson(100, 60)}) for p in "AB"
    ]
    parts.append(pd.DataFrame({"date": dates, "product": "CONST", "units": 7}))
    parts.append(pd.DataFrame({"date": dates, "product": "ZERO", "units": 0}))
    parts.append(pd.DataFrame({"date": dates[-3:], "product": "NEW", "units": 50}))
    parts.append(
        pd.DataFrame({"date": dates[:40], "product": "EARLY", "units": rng.poisson(9, 40)})
    )
    path = tmp_path / "awkward.csv"
    pd.concat(parts).to_csv(path, index=False)
    return path


def test_item15_no_raw_numpy_warnings_reach_forecast_users(tmp_path: Path) -> None:
    path = awkward(tmp_path)
    for models in ("baseline", "fast"):
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = batch_forecast(path, 13, tmp_path / f"{models}.csv", selection=models)
        # EARLY stopped 20 weeks before the others: forecast from its own end (item 9)
        assert len(result.table) == 5 * 13 + (20 + 13)


def test_item15_fallbacks_are_reported_once_naming_the_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    path = awkward(tmp_path)
    with caplog.at_level(logging.INFO):
        code, out, err = run_cli(
            [
                "forecast",
                "--data",
                str(path),
                "--horizon",
                "13",
                "--models",
                "fast",
                "--out",
                str(tmp_path / "f.csv"),
            ],
            capsys,
        )
    assert code == 0
    assert "fell back" not in caplog.text + err + out
    notes = [line for line in out.splitlines() if line.startswith("note [fallback]")]
    assert len(notes) == 1
    assert "3 of 6 series" in notes[0]
    for name in ("CONST (constant)", "NEW (too short)", "ZERO (constant)"):
        assert name in notes[0]
