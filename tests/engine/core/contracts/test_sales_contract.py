"""The sales-history contract: every bad input names the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.core.contracts import parse_column_mapping, read_table, validate_sales
from engine.core.errors import DataError


def weekly(n: int = 10, stores: tuple[str, ...] = ("A", "B")) -> pd.DataFrame:
    dates = pd.date_range("2024-01-01", periods=n, freq="W-MON")
    rows = [
        {"date": d, "store": s, "units": float(i), "price": 2.5, "cost": 1.0, "promo": 0}
        for s in stores
        for i, d in enumerate(dates)
    ]
    return pd.DataFrame(rows)


def error_for(frame: pd.DataFrame, **kwargs: object) -> DataError:
    with pytest.raises(DataError) as info:
        validate_sales(frame, **kwargs)
    return info.value


def test_valid_table_reports_keys_and_weekly_frequency() -> None:
    history = validate_sales(weekly())
    assert history.keys == ["store"]
    assert history.freq == "W"
    assert history.has_price and history.has_cost
    assert history.promo_columns == ["promo"]


@pytest.mark.parametrize("column", ["date", "units"])
def test_missing_required_column_is_named(column: str) -> None:
    err = error_for(weekly().drop(columns=[column]))
    assert err.field == column
    assert f"missing column '{column}'" in err.message


def test_no_key_column_is_explained() -> None:
    err = error_for(weekly().drop(columns=["store"]))
    assert err.field == "keys"


def test_declared_key_must_exist() -> None:
    err = error_for(weekly(), keys=["brand"])
    assert err.field == "brand"


@pytest.mark.parametrize(
    ("column", "as_text", "row", "text", "said"),
    [
        ("units", False, 3, "lots", ["numeric", "row 3", "lots"]),
        ("date", True, 1, "not a date", ["not a date"]),
        ("promo", False, 0, "maybe", []),
    ],
    ids=["wrong_type_names_column_and_row", "unparsable_date", "promo_flag_not_binary_or_share"],
)
def test_a_bad_value_names_its_column(
    column: str, as_text: bool, row: int, text: str, said: list[str]
) -> None:
    """`text` written into `column` (made text, or else left as mixed objects) at `row`."""
    frame = weekly()
    frame[column] = frame[column].astype(str if as_text else object)
    frame.loc[row, column] = text
    err = error_for(frame)
    assert err.field == column
    assert [part for part in said if part not in err.message] == []


def test_duplicate_series_dates_are_rejected() -> None:
    frame = weekly()
    frame = pd.concat([frame, frame.iloc[[4]]], ignore_index=True)
    err = error_for(frame)
    assert err.field == "date"
    assert "duplicate" in err.message and "store=A" in err.message


def test_negative_units_are_rejected() -> None:
    frame = weekly()
    frame.loc[2, "units"] = -1
    err = error_for(frame)
    assert err.field == "units" and "negative" in err.message


@pytest.mark.parametrize("bad_price", [0.0, -3.0])
def test_negative_or_zero_price_is_rejected(bad_price: float) -> None:
    frame = weekly()
    frame.loc[5, "price"] = bad_price
    err = error_for(frame)
    assert err.field == "price" and "negative or zero" in err.message


def test_price_required_for_pricing() -> None:
    err = error_for(weekly().drop(columns=["price"]), require_price=True)
    assert err.field == "price"


def test_empty_table_is_rejected() -> None:
    err = error_for(weekly().iloc[0:0])
    assert "empty" in err.message


def test_frequency_inferred_for_monthly_and_quarterly() -> None:
    for freq, expected in (("MS", "M"), ("QS", "Q"), ("D", "D")):
        dates = pd.date_range("2020-01-01", periods=12, freq=freq)
        frame = pd.DataFrame({"date": dates, "product": "x", "units": 1.0})
        assert validate_sales(frame).freq == expected


def test_column_mapping_from_flags_and_toml(tmp_path: Path) -> None:
    frame = weekly().rename(columns={"date": "week", "units": "move", "store": "shop"})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    mapping = parse_column_mapping("date=week,units=move,store=shop")
    history = validate_sales(read_table(path, mapping))
    assert history.keys == ["store"] and len(history.frame) == len(frame)
    toml = tmp_path / "cols.toml"
    toml.write_text('[columns]\ndate = "week"\nunits = "move"\nstore = "shop"\n')
    assert parse_column_mapping(str(toml)) == mapping


def test_mapping_to_absent_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    weekly().to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        read_table(path, parse_column_mapping("units=move"))
    assert info.value.field == "units" and "'move'" in info.value.message


def test_malformed_mapping_is_rejected() -> None:
    with pytest.raises(DataError) as info:
        parse_column_mapping("date:week")
    assert info.value.field == "columns"


def test_readers_handle_parquet_and_semicolon_csv(tmp_path: Path) -> None:
    frame = weekly()
    frame.to_parquet(tmp_path / "s.parquet")
    frame.to_csv(tmp_path / "s.csv", sep=";", index=False)
    for name in ("s.parquet", "s.csv"):
        history = validate_sales(read_table(tmp_path / name))
        assert len(history.frame) == len(frame)
        assert history.frame["units"].sum() == frame["units"].sum()


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        read_table(tmp_path / "nope.csv")
    assert info.value.field == "data"


@pytest.mark.parametrize("name", ["series", "id", "sku", "state"])
def test_item13_a_text_column_is_a_series_key_by_default(name: str) -> None:
    frame = weekly().rename(columns={"store": name})
    history = validate_sales(frame)
    assert history.keys == [name]
    assert history.key_reasons == {name: "text column"}
    assert f"{name} (text column, a key by default)" in history.keys_summary()


def test_item13_known_optional_columns_are_never_keys_even_as_text() -> None:
    frame = weekly().assign(
        promo=lambda f: f["promo"].map({0: "no", 1: "yes"}),
        promo_tv="no",
        comp_price_rival="2.5",
        sku=lambda f: "K-" + f["store"],
    )
    frame["price"] = frame["price"].astype(str)
    history = validate_sales(frame)
    assert history.keys == ["store", "sku"]
    assert history.key_reasons == {"store": "known key name", "sku": "text column"}


def test_item13_numeric_columns_are_keys_only_when_declared() -> None:
    frame = pd.concat([weekly().assign(brand=1), weekly().assign(brand=2)], ignore_index=True)
    with pytest.raises(DataError) as info:
        validate_sales(frame)
    assert info.value.field == "date" and "--keys" in info.value.message
    history = validate_sales(frame, keys=["store", "brand"])
    assert history.key_reasons == {"store": "declared", "brand": "declared"}


def test_item13_no_text_column_and_no_known_key_is_explained() -> None:
    frame = weekly().drop(columns=["store"])
    err = error_for(frame)
    assert err.field == "keys" and "text column" in err.message
