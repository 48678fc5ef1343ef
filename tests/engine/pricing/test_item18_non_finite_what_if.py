"""Issue 10 item 18 (pricing): a what-if whose numbers overflow is refused naming the change."""

from __future__ import annotations

import numpy as np
import pytest

from engine.core.errors import DataError
from engine.pricing.scenario import parse_scenario
from engine.pricing.simulator import simulate, sweep


def _numbers(result) -> np.ndarray:
    """Every units and revenue figure of a what-if, as one array."""
    cols = [c for c in result.summary.columns if "units" in c or "revenue" in c]
    return np.concatenate(
        [getattr(result, s)[cols].to_numpy(dtype=float).ravel() for s in ("weekly", "summary")]
    )


def test_item18_a_tiny_price_is_refused_naming_the_change(baseline, pricing_set) -> None:
    raw = {"price_changes": [{"product": "P02", "percent": -5}, {"product": "P01", "price": 1e-13}]}
    with pytest.raises(DataError, match=r"price_changes\[1\] \(price 1e-13\)") as info:
        simulate(baseline, pricing_set, parse_scenario(raw))
    assert info.value.field == "price_changes[1]"
    # the change before it alone is an ordinary, finite answer
    fine = simulate(
        baseline, pricing_set, parse_scenario({"price_changes": raw["price_changes"][:1]})
    )
    assert np.isfinite(_numbers(fine)).all()


def test_item18_stacked_cuts_name_the_change_that_breaks_the_numbers(baseline, pricing_set):
    changes = [{"product": "P02", "percent": -5}] + [{"product": "P01", "percent": -50}] * 150
    with pytest.raises(DataError) as info:
        simulate(baseline, pricing_set, parse_scenario({"price_changes": changes}))
    field = info.value.field
    assert field is not None and field.startswith("price_changes[")
    k = int(field.removeprefix("price_changes[").removesuffix("]"))
    assert 1 <= k < len(changes)
    # the named change is the one that tips it: everything before it is finite, with it not
    before = simulate(baseline, pricing_set, parse_scenario({"price_changes": changes[:k]}))
    assert np.isfinite(_numbers(before)).all()
    with pytest.raises(DataError) as again:
        simulate(baseline, pricing_set, parse_scenario({"price_changes": changes[: k + 1]}))
    assert again.value.field == field


def test_item18_no_overflow_warning_reaches_the_user(baseline, pricing_set, recwarn) -> None:
    raw = {"price_changes": [{"product": "P01", "price": 1e-13}]}
    with pytest.raises(DataError):
        simulate(baseline, pricing_set, parse_scenario(raw))
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_item18_a_demand_curve_that_overflows_is_refused(baseline, pricing_set) -> None:
    with pytest.raises(DataError) as info:
        sweep(baseline, pricing_set, {"product": ["P01"]}, np.array([5.0, -100.0]))
    assert info.value.field == "percents"
