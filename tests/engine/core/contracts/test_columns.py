"""Item 12 (issue 10): a misspelt contract name in --columns is named, with the right one."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.core.contracts import parse_column_mapping, read_sales
from engine.core.errors import DataError


@pytest.mark.parametrize(
    ("spec", "wrong", "right"),
    [
        ("date=Week,unit=Qty", "unit", "units"),
        ("dates=Week,units=Qty", "dates", "date"),
        ("product_id=sku", "product_id", "product"),
        ("displays=disp", "displays", "display"),
    ],
)
def test_item12_a_near_contract_name_is_refused_with_a_suggestion(
    spec: str, wrong: str, right: str
) -> None:
    with pytest.raises(DataError) as info:
        parse_column_mapping(spec)
    assert info.value.field == "columns"
    assert f"'{wrong}' is not a contract name" in info.value.message
    assert f"did you mean '{right}'" in info.value.message


@pytest.mark.parametrize("name", ["series", "sku", "source", "company_size", "promo_tv", "state"])
def test_item12_free_names_for_keys_and_features_are_allowed(name: str) -> None:
    assert parse_column_mapping(f"{name}=Col") == {name: "Col"}


def test_item12_the_file_read_says_unit_is_not_a_contract_name(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("Week,store,Qty\n2024-01-01,A,3\n2024-01-08,A,4\n")
    with pytest.raises(DataError) as info:
        read_sales(path, "date=Week,unit=Qty")
    assert "missing column 'units'" not in info.value.message
    assert "'unit' is not a contract name: did you mean 'units'?" in info.value.message


def test_item12_mapping_file_names_are_checked_too(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\ndate = "Week"\nunit = "Qty"\n')
    with pytest.raises(DataError, match="did you mean 'units'"):
        parse_column_mapping(str(mapping))
