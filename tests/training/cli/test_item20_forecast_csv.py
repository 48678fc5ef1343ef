"""Item 20: `lodestar forecast --out` writes formula-like product names as harmless text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.serving.core.test_item20_csv_export import NAMES, hostile_sales
from training.cli.app import main


def test_item20_forecast_out_neutralises_formula_names(
    demo_paths: dict[str, Path], tmp_path: Path
) -> None:
    data, out = hostile_sales(demo_paths, tmp_path), tmp_path / "plan.csv"
    argv = ["forecast", "--data", str(data), "--horizon", "4", "--models", "baseline"]
    with pytest.raises(SystemExit) as done:
        main([*argv, "--out", str(out)])
    assert done.value.code == 0
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["product"] for r in rows} == {"'" + name for name in NAMES.values()} | {"P04"}
    for row in rows:
        assert all(not row[k].startswith(("=", "+", "-", "@")) for k in row)
        float(row["mean"]), float(row["lo_95"]), float(row["hi_95"])
