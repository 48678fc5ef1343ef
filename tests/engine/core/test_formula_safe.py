"""Formula-safe text: spreadsheet formula triggers are neutralised, everything else passes."""

from __future__ import annotations

import pytest

from engine.core.files import formula_safe


@pytest.mark.parametrize(
    "text", ["=1+1", "+41", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")']
)
def test_formula_triggers_become_plain_text(text: str) -> None:
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["P01", "North", "", "a=b", -5.0, 3, None, True])
def test_other_values_pass_unchanged(value: object) -> None:
    assert formula_safe(value) == value
