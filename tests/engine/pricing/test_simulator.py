"""What-if simulator: exact baseline without changes, own and cross responses, intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError, NotFoundError
from engine.pricing.scenario import parse_scenario
from engine.pricing.simulator import simulate, sweep


def test_no_price_change_returns_exactly_the_baseline(baseline, pricing_set) -> None:
    result = simulate(baseline, pricing_set, parse_scenario({"name": "nothing"}))
    for frame in (result.weekly, result.quarterly, result.summary):
        for m in ("units", "revenue", "margin"):
            assert (frame[m] == frame[f"baseline_{m}"]).all()
            assert (frame[f"change_{m}"] == 0).all()
    # the baseline is the expected units: the mean of the forecast's paths, as in planner totals
    expected = baseline.paths.mean(axis=1, dtype=np.float64).sum(axis=0)
    weekly = result.weekly[result.weekly["product"] == "TOTAL"]
    assert weekly["units"].to_numpy() == pytest.approx(expected)
    assert np.array_equal(weekly["units"].to_numpy(), expected)


def test_zero_percent_change_is_also_exactly_the_baseline(baseline, pricing_set) -> None:
    scenario = parse_scenario({"price_changes": [{"product": "P01", "percent": 0}]})
    summary = simulate(baseline, pricing_set, scenario).summary
    assert (summary["units"] == summary["baseline_units"]).all()


def test_price_cut_raises_own_units_and_lowers_a_substitutes(baseline, pricing_set) -> None:
    table = pricing_set.elasticities
    cross = table[(table["kind"] == "cross") & (table["cross_product"] == "P01")]
    substitute = cross.sort_values("elasticity").iloc[-1]
    assert substitute["elasticity"] > 0 and substitute["plausible"]
    scenario = parse_scenario({"price_changes": [{"product": "P01", "percent": -10}]})
    summary = simulate(baseline, pricing_set, scenario).summary.set_index("product")
    own_e = table[(table["product"] == "P01") & (table["kind"] == "own")]["elasticity"].iloc[0]
    assert summary.loc["P01", "change_units"] > 0
    expected = summary.loc["P01", "baseline_units"] * (0.9**own_e - 1)
    assert summary.loc["P01", "change_units"] == pytest.approx(expected, rel=1e-9)
    assert summary.loc[substitute["product"], "change_units"] < 0
    lo, hi = summary.loc["P01", ["change_units_lo_95", "change_units_hi_95"]]
    assert 0 < lo < summary.loc["P01", "change_units"] < hi
    # revenue of P01 is priced at the new price: units x 0.9 p0
    assert (
        summary.loc["P01", "revenue"]
        < summary.loc["P01", "units"]
        * pricing_set.current[pricing_set.current["product"] == "P01"]["price"].max()
    )


def test_changes_apply_only_in_their_date_range_and_store(baseline, pricing_set) -> None:
    start = baseline.dates[10]
    scenario = parse_scenario(
        {
            "price_changes": [
                {"filter": {"product": "P02", "store": "S01"}, "price": 9.99, "start": str(start)}
            ]
        }
    )
    weekly = simulate(baseline, pricing_set, scenario).weekly
    p02 = weekly[weekly["product"] == "P02"].set_index("date")
    assert (p02.loc[p02.index < start, "change_units"] == 0).all()
    assert (p02.loc[p02.index >= start, "change_units"] < 0).all()
    # other stores are different markets: no own or cross effect reaches them
    elsewhere = parse_scenario({**_raw(start), "scope": {"store": ["S04", "S05"]}})
    summary = simulate(baseline, pricing_set, elsewhere).summary
    assert (summary["change_units"] == 0).all()


def _raw(start: pd.Timestamp) -> dict:
    change = {"filter": {"product": "P02", "store": "S01"}, "price": 9.99, "start": str(start)}
    return {"price_changes": [change]}


def test_promotion_plan_lifts_units(baseline, pricing_set) -> None:
    scenario = parse_scenario({"promotions": [{"product": "P03", "start": "2027-01-01"}]})
    summary = simulate(baseline, pricing_set, scenario).summary.set_index("product")
    assert summary.loc["P03", "change_units"] > 0


def test_quarters_add_up_to_the_whole_range(baseline, pricing_set) -> None:
    scenario = parse_scenario({"price_changes": [{"product": "P01", "percent": 5}]})
    result = simulate(baseline, pricing_set, scenario)
    q = result.quarterly.groupby("product")["margin"].sum()
    assert q.to_numpy() == pytest.approx(result.summary.set_index("product")["margin"][q.index])


def test_sweep_matches_single_scenarios(baseline, pricing_set) -> None:
    points = np.array([-10.0, 0.0, 7.5])
    curve = sweep(baseline, pricing_set, {"product": ["P01"]}, points)
    for pct in points:
        one = simulate(
            baseline,
            pricing_set,
            parse_scenario({"price_changes": [{"product": "P01", "percent": pct}]}),
        ).summary.set_index("product")
        row = curve[curve["percent"] == pct].set_index("product")
        for m in ("units", "revenue", "margin"):
            assert row[m].to_numpy() == pytest.approx(one.loc[row.index, m].to_numpy(), rel=1e-9)


def test_unknown_product_is_not_found_and_bad_scenarios_are_data_errors(
    baseline, pricing_set
) -> None:
    with pytest.raises(NotFoundError):
        simulate(
            baseline,
            pricing_set,
            parse_scenario({"price_changes": [{"product": "P99", "percent": 5}]}),
        )
    with pytest.raises(DataError, match="exactly one"):
        parse_scenario({"price_changes": [{"product": "P01", "percent": 5, "price": 2.0}]})
    with pytest.raises(DataError):
        simulate(baseline, pricing_set, parse_scenario({"start": "2030-01-01"}))


def test_price_change_on_an_implausible_elasticity_is_refused(baseline, pricing_set) -> None:
    table = pricing_set.model.elasticities_
    own = (table["product"] == "P03") & (table["kind"] == "own")
    saved = table.loc[own, "plausible"].copy()
    table.loc[own, "plausible"] = False
    try:
        with pytest.raises(DataError, match="implausible"):
            simulate(
                baseline,
                pricing_set,
                parse_scenario({"price_changes": [{"product": "P03", "percent": -5}]}),
            )
        # other products still answer, and P03's response to them is not invented
        summary = simulate(
            baseline,
            pricing_set,
            parse_scenario({"price_changes": [{"product": "P01", "percent": -5}]}),
        ).summary
        assert summary.set_index("product").loc["P01", "change_units"] > 0
    finally:
        table.loc[own, "plausible"] = saved
