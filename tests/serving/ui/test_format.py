"""The percentage filters against hand-written answers: fractions, points and missing values."""

from __future__ import annotations

from typing import Any

import pytest

from serving.ui.format import MISSING, pct, pct_points, points


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.123, 1, "12.3%"),
        (-0.5, 0, "-50%"),
        (12.5, 1, "1,250.0%"),
        ("0.05", 2, "5.00%"),
        (None, 1, MISSING),
        (float("nan"), 1, MISSING),
        (True, 1, MISSING),
    ],
)
def test_pct_shows_a_fraction_as_percent(value: Any, digits: int, expected: str) -> None:
    assert pct(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (-5, 1, "\u22125.0%"),
        (2.25, 1, "+2.2%"),
        (0.04, 1, "0.0%"),
        (1234, 0, "+1,234%"),
        ("x", 1, MISSING),
    ],
)
def test_pct_points_signs_a_number_already_in_percent(
    value: Any, digits: int, expected: str
) -> None:
    assert pct_points(value, digits) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (0.021, 1, "+2.1 pts"),
        (-0.1, 0, "\u221210 pts"),
        (0.0004, 1, "0.0 pts"),
        (None, 1, MISSING),
    ],
)
def test_points_shows_a_change_of_a_fraction_in_points(
    value: Any, digits: int, expected: str
) -> None:
    assert points(value, digits) == expected
