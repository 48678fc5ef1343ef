"""Quarter lists from requests: bounded, linear, in the order given, without repeats."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.core import calendar
from engine.core.calendar import MAX_QUARTERS, parse_quarters
from engine.core.errors import DataError


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text calendar.parse_quarter is asked to parse, in order (it still parses them)."""
    seen: list[str] = []
    real = calendar.parse_quarter
    monkeypatch.setattr(calendar, "parse_quarter", lambda t, m=1: seen.append(t) or real(t, m))
    return seen


def test_item17_quarters_keep_order_and_drop_repeats() -> None:
    periods = parse_quarters("2027Q2, 2027Q1,2027-q2,,2028Q4")
    assert [str(p) for p in periods] == ["2027Q2", "2027Q1", "2028Q4"]
    assert all(isinstance(p, pd.Period) for p in periods)


def test_item17_more_than_the_bound_is_refused_before_parsing(parsed: list[str]) -> None:
    many = ",".join(f"{2000 + i // 4}Q{i % 4 + 1}" for i in range(12_000))
    with pytest.raises(DataError) as refused:
        parse_quarters(many)
    assert refused.value.field == "quarters"
    assert f"at most {MAX_QUARTERS}" in refused.value.message
    assert parsed == []  # refused on the count alone


def test_item17_the_bound_itself_is_accepted_and_each_item_parsed_once(parsed: list[str]) -> None:
    items = [f"{2030 + i // 4}Q{i % 4 + 1}" for i in range(MAX_QUARTERS)]
    periods = parse_quarters(items)
    assert [str(p) for p in periods] == items
    assert parsed == items
