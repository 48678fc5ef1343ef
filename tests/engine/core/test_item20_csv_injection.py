"""Item 20: text cells that a spreadsheet would run as formulas are neutralised in every CSV."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from engine.core.files import neutralise_formula, neutralised, write_table

HOSTILE = ['=HYPERLINK("http://evil.example","click")', "@SUM(1+1)", "+1+2", "-3+4", "\tx", "\rx"]


@pytest.mark.parametrize("text", HOSTILE)
def test_item20_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["P01", "North", "", "a=b", "x-1", -2.5, -3, 0.0, None])
def test_item20_other_cells_and_numbers_are_kept(value: object) -> None:
    assert neutralise_formula(value) == value


def test_item20_write_table_neutralises_text_and_keeps_negative_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "product": [*HOSTILE, "P01"],
            "kind": pd.Categorical(["=a", "b", "c", "d", "e", "f", "g"]),
            "change": [-1.5, -2.0, 3.25, -0.001, 0.0, -7.0, 1.0],
            "units": [-1, 2, -3, 4, -5, 6, -7],
            "date": pd.date_range("2027-01-04", periods=7, freq="W-MON"),
        }
    )
    out = write_table(frame, tmp_path / "out.csv")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["product"] for r in rows] == ["'" + t for t in HOSTILE] + ["P01"]
    assert rows[0]["kind"] == "'=a" and rows[1]["kind"] == "b"
    assert [float(r["change"]) for r in rows] == frame["change"].tolist()
    assert [int(r["units"]) for r in rows] == frame["units"].tolist()
    assert rows[0]["date"] == "2027-01-04"
    assert frame["product"].iloc[0] == HOSTILE[0], "the caller's frame is not changed"
    read_back = pd.read_csv(out)
    assert pd.api.types.is_float_dtype(read_back["change"])
    assert pd.api.types.is_integer_dtype(read_back["units"])


def test_item20_column_names_are_neutralised_too() -> None:
    frame = pd.DataFrame({"=cmd": ["x"], "units": [-1.0]})
    assert list(neutralised(frame).columns) == ["'=cmd", "units"]


def test_item20_json_tables_are_left_verbatim(tmp_path: Path) -> None:
    frame = pd.DataFrame({"product": ["=1+1"], "units": [-1.0]})
    back = pd.read_json(write_table(frame, tmp_path / "out.json"))
    assert back["product"].iloc[0] == "=1+1" and math.isclose(back["units"].iloc[0], -1.0)
