"""The fast what-if agrees with the dense reference on every column, for every kind of change."""

from __future__ import annotations

import pytest

from engine.core.errors import DataError, NotFoundError
from engine.pricing.scenario import parse_scenario
from engine.pricing.simulator import simulate
from tests.engine.pricing.dense_oracle import assert_agrees_with_dense, simulate_dense

SCENARIOS = {
    "cut": {"price_changes": [{"product": "P01", "percent": -10}]},
    "dated store price": {
        "price_changes": [
            {"filter": {"product": "P02", "store": "S01"}, "price": 9.99, "start": "2027-01-04"}
        ]
    },
    "compounding and overriding": {
        "price_changes": [
            {"product": "P01", "percent": 5},
            {"filter": {"product": "P01", "region": "R1"}, "percent": -8, "end": "2027-02-01"},
            {"product": "P03", "price": 3.5, "start": "2027-01-18", "end": "2027-03-01"},
        ]
    },
    "promotion and scope": {
        "price_changes": [{"product": "P04", "percent": 3}],
        "promotions": [{"product": "P03", "start": "2027-01-01"}],
        "scope": {"store": ["S01", "S02"]},
    },
    "dated scenario": {
        "price_changes": [{"product": "P02", "percent": -4}],
        "start": "2026-12-14",
        "end": "2027-03-29",
    },
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_fast_matches_dense(baseline, pricing_set, name: str) -> None:
    raw = SCENARIOS[name]
    if "region" in str(raw):
        raw = {**raw}
        region = str(baseline.index["region"].iloc[0])
        raw["price_changes"][1]["filter"]["region"] = region
    scenario = parse_scenario(raw)
    fast = simulate(baseline, pricing_set, scenario, seed=3)
    dense = simulate_dense(baseline, pricing_set, scenario, seed=3)
    assert_agrees_with_dense(fast, dense, mean_tolerance=1e-10)
    spans = (fast.weekly, fast.quarterly, fast.summary)
    assert any((span["change_units"] != 0).any() for span in spans)


def test_no_change_bands_are_the_baselines(baseline, pricing_set) -> None:
    nothing = simulate(baseline, pricing_set, parse_scenario({}))
    dense = simulate_dense(baseline, pricing_set, parse_scenario({}))
    for m in ("units", "revenue", "margin"):
        assert (nothing.weekly[f"change_{m}_lo_95"] == 0).all()
        assert (nothing.weekly[f"change_{m}_hi_95"] == 0).all()
        assert nothing.weekly[f"{m}_lo_95"].to_numpy() == pytest.approx(
            dense.weekly[f"{m}_lo_95"].to_numpy(), rel=1e-6
        )
    # a change in another store leaves a scope exactly at its baseline, bands included
    scope = {"store": ["S02"]}
    quiet = simulate(baseline, pricing_set, parse_scenario({"scope": scope}))
    change = {"filter": {"product": "P01", "store": "S01"}, "percent": -5}
    cut = simulate(
        baseline, pricing_set, parse_scenario({"price_changes": [change], "scope": scope})
    )
    assert cut.weekly.equals(quiet.weekly) and cut.summary.equals(quiet.summary)


def test_errors_name_the_change(baseline, pricing_set) -> None:
    with pytest.raises(NotFoundError, match="unknown product .P99."):
        simulate(
            baseline,
            pricing_set,
            parse_scenario(
                {
                    "price_changes": [
                        {"product": "P01", "percent": 1},
                        {"product": "P99", "percent": 1},
                    ]
                }
            ),
        )
    with pytest.raises(DataError, match="unknown filter 'aisle'"):
        simulate(
            baseline,
            pricing_set,
            parse_scenario({"price_changes": [{"aisle": "7", "percent": 1}]}),
        )
    with pytest.raises(NotFoundError, match="unknown store"):
        simulate(baseline, pricing_set, parse_scenario({"scope": {"store": "S99"}}))
