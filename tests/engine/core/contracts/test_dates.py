"""Item 1 (issue 10): one date format per column, inferred from all its values or stated."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from engine.core.contracts import (
    parse_column_spec,
    read_sales,
    validate_events,
    validate_leads,
    validate_sales,
)
from engine.core.contracts.dates import dates_with_format, screen_dates
from engine.core.contracts.leads import screen_rows
from engine.core.errors import DataError

WEEKS = pd.date_range("2015-01-05", periods=52, freq="W-MON")


def sales(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"date": dates, "store": "A", "units": range(100, 100 + len(dates))})


def test_item1_day_first_dates_are_read_day_first_for_every_row() -> None:
    """05/01/2015 is 5 January in a file that also holds 13/01/2015: no row is read month-first."""
    history = validate_sales(sales([d.strftime("%d/%m/%Y") for d in WEEKS]))
    assert history.date_format == "%d/%m/%Y"
    assert list(history.frame["date"]) == list(WEEKS)
    assert history.freq == "W"


def test_item1_month_first_dates_are_read_month_first() -> None:
    history = validate_sales(sales([d.strftime("%m/%d/%Y") for d in WEEKS]))
    assert history.date_format == "%m/%d/%Y"
    assert list(history.frame["date"]) == list(WEEKS)


def test_item1_ambiguous_column_is_refused_naming_the_field_and_the_option() -> None:
    """Every day is 12 or less: both orders read every value, so nothing is guessed."""
    firsts = pd.date_range("2015-01-01", periods=12, freq="MS")
    with pytest.raises(DataError) as info:
        validate_sales(sales([d.strftime("%d/%m/%Y") for d in firsts]))
    assert info.value.field == "date"
    assert "ambiguous" in info.value.message and "--date-format" in info.value.message
    assert "'01/02/2015'" in info.value.message


@pytest.mark.parametrize(
    ("stated", "first", "second"),
    [("%d/%m/%Y", "2015-01-01", "2015-02-01"), ("%m/%d/%Y", "2015-01-01", "2015-01-02")],
)
def test_item1_stated_format_reads_an_ambiguous_column(
    stated: str, first: str, second: str
) -> None:
    frame = pd.DataFrame({"date": ["01/01/2015", "01/02/2015"], "store": "A", "units": [1.0, 2.0]})
    history = validate_sales(frame, date_format=stated)
    assert history.date_format == stated
    assert list(history.frame["date"]) == [pd.Timestamp(first), pd.Timestamp(second)]


def test_item1_a_value_against_the_stated_format_is_named() -> None:
    with pytest.raises(DataError) as info:
        validate_sales(sales(["05/01/2015", "2015-01-12"]), date_format="%d/%m/%Y")
    assert info.value.field == "date"
    assert "row 1" in info.value.message and "'2015-01-12'" in info.value.message


def test_item1_a_column_mixing_formats_is_refused_not_read_value_by_value() -> None:
    dates = [d.strftime("%Y-%m-%d") for d in WEEKS[:30]] + [
        d.strftime("%d/%m/%Y") for d in WEEKS[30:]
    ]
    with pytest.raises(DataError) as info:
        validate_sales(sales(dates))
    assert info.value.field == "date" and "mixes date formats" in info.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-01-05", "2015-01-05"),
        ("2015-01-05T10:30:00", "2015-01-05 10:30"),
        ("05.01.2015 13:00", "2015-01-05 13:00"),
        ("Jan 05, 2015", "2015-01-05"),
        ("05-Jan-2015", "2015-01-05"),
        ("2015/01/05", "2015-01-05"),
    ],
)
def test_item1_unambiguous_formats_are_inferred(text: str, expected: str) -> None:
    other = "13.01.2015 13:00" if "." in text else None
    values = pd.Series([text] if other is None else [text, other])
    parsed, _ = dates_with_format(values, "date")
    assert parsed.iloc[0] == pd.Timestamp(expected)


def test_item1_whole_numbers_are_years_and_other_numbers_are_refused() -> None:
    parsed, _ = dates_with_format(pd.Series([1975, 1976, 1977]), "date")
    assert list(parsed) == [pd.Timestamp(f"{y}-01-01") for y in (1975, 1976, 1977)]
    with pytest.raises(DataError, match="numbers, not dates"):
        dates_with_format(pd.Series([42005, 42012]), "date")


def test_item1_toml_mapping_file_states_the_date_format(tmp_path: Path) -> None:
    mapping = tmp_path / "columns.toml"
    mapping.write_text('date_format = "%d/%m/%Y"\n\n[columns]\ndate = "Week"\nunits = "Qty"\n')
    path = tmp_path / "sales.csv"
    path.write_text("Week,store,Qty\n01/02/2015,A,3\n01/03/2015,A,4\n01/04/2015,A,5\n")
    history = read_sales(path, str(mapping))
    assert list(history.frame["date"].dt.month) == [2, 3, 4]
    assert history.date_format == "%d/%m/%Y"
    inside = tmp_path / "inside.toml"
    inside.write_text('[columns]\ndate = "Week"\nunits = "Qty"\ndate_format = "%m/%d/%Y"\n')
    assert list(read_sales(path, str(inside)).frame["date"].dt.day) == [2, 3, 4]


def test_item1_option_and_mapping_file_may_not_disagree(tmp_path: Path) -> None:
    mapping = tmp_path / "columns.toml"
    mapping.write_text('date_format = "%d/%m/%Y"\n[columns]\ndate = "Week"\n')
    with pytest.raises(DataError) as info:
        parse_column_spec(str(mapping), "%m/%d/%Y")
    assert info.value.field == "date_format"
    assert parse_column_spec(str(mapping), "%d/%m/%Y").date_formats.default == "%d/%m/%Y"


def test_item1_per_column_formats() -> None:
    spec = parse_column_spec(None, "created_date=%d/%m/%Y;timestamp=%m/%d/%Y %H:%M")
    assert spec.date_formats.for_column("created_date") == "%d/%m/%Y"
    assert spec.date_formats.for_column("timestamp") == "%m/%d/%Y %H:%M"
    assert spec.date_formats.for_column("date") is None
    with pytest.raises(DataError) as info:
        parse_column_spec(None, "day first")
    assert info.value.field == "date_format"


def leads(created: list[str]) -> pd.DataFrame:
    n = len(created)
    return pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(n)],
            "created_date": created,
            "site_visits": range(n),
            "converted": [i % 2 for i in range(n)],
        }
    )


def test_item1_lead_dates_follow_the_same_rule() -> None:
    table = validate_leads(leads(["05/01/2015", "20/01/2015", "03/02/2015"]))
    assert list(table.frame["created_date"].dt.month) == [1, 1, 2]
    assert table.date_formats == {"created_date": "%d/%m/%Y"}
    with pytest.raises(DataError) as info:
        validate_leads(leads(["05/01/2015", "03/02/2015"]))
    assert info.value.field == "created_date"
    stated = parse_column_spec(None, "%m/%d/%Y").date_formats
    table = validate_leads(leads(["05/01/2015", "03/02/2015"]), date_formats=stated)
    assert list(table.frame["created_date"].dt.month) == [5, 3]


def test_item1_conversion_dates_are_read_like_created_dates() -> None:
    frame = leads(["2015-01-05", "2015-01-20", "2015-02-03"]).assign(
        conversion_date=["", "25/01/2015", ""]
    )
    table = validate_leads(frame)
    assert table.frame["conversion_date"].iloc[1] == pd.Timestamp("2015-01-25")
    assert table.frame["conversion_date"].isna().sum() == 2


def test_item1_event_timestamps_follow_the_same_rule() -> None:
    events = pd.DataFrame(
        {
            "lead_id": ["L1", "L1", "L2"],
            "timestamp": ["05/01/2015 10:00", "13/01/2015 09:30", "02/02/2015 08:00"],
            "activity": ["site_visit"] * 3,
        }
    )
    out = validate_events(events)
    assert list(out["timestamp"].dt.month) == [1, 1, 2]
    with pytest.raises(DataError) as info:
        validate_events(events.iloc[[0, 2]])
    assert info.value.field == "timestamp"
    assert validate_events(events.iloc[[0, 2]], "%m/%d/%Y %H:%M")["timestamp"].iloc[0].month == 5


def test_item1_scoring_batch_reads_one_format_and_flags_only_odd_rows() -> None:
    batch = leads(["05/01/2015", "20/01/2015", "yesterday", ""]).drop(columns="converted")
    clean, errors = screen_rows(batch, ["site_visits"], [])
    assert list(clean["created_date"].dt.month[:2]) == [1, 1]
    assert [(e.row, e.field) for e in errors] == [(2, "created_date")]
    assert pd.isna(clean["created_date"].iloc[2])  # an empty cell is allowed


def test_item1_scoring_batch_of_ambiguous_dates_is_refused_unless_stated() -> None:
    batch = leads(["05/01/2015", "03/02/2015"]).drop(columns="converted")
    with pytest.raises(DataError) as info:
        screen_rows(batch, ["site_visits"], [])
    assert info.value.field == "created_date"
    clean, errors = screen_rows(batch, ["site_visits"], [], "%d/%m/%Y")
    assert not errors and list(clean["created_date"].dt.month) == [1, 2]
    parsed, bad = screen_dates(batch["created_date"], "created_date", "%m/%d/%Y")
    assert list(parsed.dt.month) == [5, 3] and not bad.any()


def test_item1_a_validated_event_log_keeps_its_count_columns_when_read_again() -> None:
    """Jobs read the log with its stated date format first; counting validates it again."""
    events = pd.DataFrame(
        {
            "lead_id": ["L1", "L1", "L2", "L2"],
            "timestamp": [
                "05/01/2015 10:00",
                "13/01/2015 09:30",
                "02/02/2015 08:00",
                "03/02/2015 09:00",
            ],
            "activity": ["site_visit", "Page View", "demo_request", "site_visits"],
        }
    )
    once = validate_events(events)
    assert list(once["activity"]) == ["site_visits", "page_views", "n_demo_request", "site_visits"]
    pd.testing.assert_frame_equal(validate_events(once), once)
