"""Issue 10 item 3: without unit costs, margins are absent (never revenue in disguise) and refused.

Every number is recomputed here by hand from the baseline, the current prices and the elasticity
matrix, independently of the simulator's and optimiser's own arithmetic.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError
from engine.pricing.optimizer import demand
from engine.pricing.recommendations import build_problem, recommend_prices
from engine.pricing.scenario import parse_recommendation, parse_scenario
from engine.pricing.simulator import simulate, sweep
from engine.pricing.sources import NO_COST_NOTE, series_prices
from models.pricing import PricingSet

MARGIN_COLUMNS = [
    "baseline_margin",
    "margin",
    "margin_lo_95",
    "margin_hi_95",
    "change_margin",
    "change_margin_lo_95",
    "change_margin_hi_95",
    "baseline_margin_pct",
    "margin_pct",
]


@pytest.fixture(scope="module")
def no_cost(pricing_set: PricingSet) -> PricingSet:
    """The same model as if trained on history without a cost column."""
    current = pricing_set.current.assign(cost=np.nan)
    return dataclasses.replace(pricing_set, current=current, info={"has_cost": False})


def _by_hand(baseline, pricing: PricingSet, product: str, fraction: float) -> dict[str, float]:
    """Whole-range units, revenue and margin changes of one product's uniform price change.

    Every series of the scenario's product moves its price; every series in the same market
    answers through its row of the elasticity matrix; summed over series and weeks. Units at
    current prices are the mean of the forecast's sample paths (what planners' totals add up).
    """
    products = list(pricing.products)
    est, _, usable = pricing.matrix(products)
    est = np.where(usable, est, 0.0)
    price = pricing.current.set_index(["region", "store", "product"])
    out = {"units": 0.0, "revenue": 0.0, "margin": 0.0}
    for i, row in baseline.index.iterrows():
        p0 = price.loc[(row["region"], row["store"], row["product"]), "price"]
        cost = price.loc[(row["region"], row["store"], row["product"]), "cost"]
        units = float(baseline.paths[i].astype(float).mean(axis=0).sum())
        response = est[products.index(row["product"]), products.index(product)]
        new_units = units * (1.0 + fraction) ** response
        new_price = p0 * (1.0 + fraction) if row["product"] == product else p0
        out["units"] += new_units - units
        out["revenue"] += new_units * new_price - units * p0
        out["margin"] += new_units * (new_price - cost) - units * (p0 - cost)
    return out


def test_item3_what_if_without_cost_has_no_margin_and_says_why(baseline, pricing_set, no_cost):
    scenario = parse_scenario({"price_changes": [{"product": "P01", "percent": -10}]})
    with_cost = simulate(baseline, pricing_set, scenario)
    without = simulate(baseline, no_cost, scenario)
    truth = _by_hand(baseline, pricing_set, "P01", -0.10)
    total = without.summary.set_index("product").loc["TOTAL"]
    assert total["change_units"] == pytest.approx(truth["units"], rel=1e-9)
    assert total["change_revenue"] == pytest.approx(truth["revenue"], rel=1e-9)
    # the symptom: change_margin equal to change_revenue; now it is absent
    for frame in (without.weekly, without.quarterly, without.summary):
        assert frame[MARGIN_COLUMNS].isna().all().all()
        assert frame["change_revenue"].notna().all()
    assert NO_COST_NOTE in without.notes and "cost" in NO_COST_NOTE
    # units and revenue do not depend on cost: identical with and without it
    for span in ("weekly", "quarterly", "summary"):
        a, b = getattr(with_cost, span), getattr(without, span)
        keep = [c for c in a.columns if c not in MARGIN_COLUMNS]
        pd.testing.assert_frame_equal(a[keep], b[keep])


def test_item3_what_if_with_cost_reports_margin_from_units_price_and_cost(baseline, pricing_set):
    scenario = parse_scenario({"price_changes": [{"product": "P01", "percent": -10}]})
    result = simulate(baseline, pricing_set, scenario)
    truth = _by_hand(baseline, pricing_set, "P01", -0.10)
    total = result.summary.set_index("product").loc["TOTAL"]
    assert total["change_margin"] == pytest.approx(truth["margin"], rel=1e-9)
    assert total["change_margin"] != pytest.approx(total["change_revenue"], rel=1e-3)
    assert NO_COST_NOTE not in result.notes


def test_item3_pricing_set_knows_when_cost_is_unknown(pricing_set, no_cost) -> None:
    assert pricing_set.has_cost and not no_cost.has_cost
    # models trained before the fix stored cost 0.0 and said has_cost False: still unknown
    legacy = dataclasses.replace(
        pricing_set, current=pricing_set.current.assign(cost=0.0), info={"has_cost": False}
    )
    assert not legacy.has_cost
    no_column = dataclasses.replace(pricing_set, current=pricing_set.current.drop(columns="cost"))
    assert not no_column.has_cost


@pytest.mark.parametrize(
    ("request_body", "named"),
    [
        ({"objective": "margin", "constraints": {"min_margin_pct": 30}}, "objective 'margin'"),
        ({}, "objective 'margin'"),  # margin is the default objective: refused, not guessed
        ({"objective": "revenue", "constraints": {"min_margin_pct": 30}}, "min_margin_pct"),
    ],
)
def test_item3_margin_objectives_and_floors_are_refused_naming_cost(
    baseline, no_cost, request_body: dict, named: str
) -> None:
    with pytest.raises(DataError, match=named) as info:
        recommend_prices(no_cost, parse_recommendation(request_body), baseline)
    assert info.value.field == "cost"
    assert "cost" in str(info.value)


def test_item3_revenue_recommendation_without_cost_has_null_cost_and_margin(baseline, no_cost):
    request = parse_recommendation(
        {"objective": "revenue", "filter": {"product": "P01"}, "constraints": {"max_change_pct": 5}}
    )
    table, _ = recommend_prices(no_cost, request, baseline)
    assert table["cost"].isna().all()
    assert table[["margin_change", "margin_change_lo_95", "margin_change_hi_95"]].isna().all().all()
    assert table["note"].str.contains("cost").all()
    # revenue change recomputed by hand: q0 (p/p0)^e p - q0 p0 with the product's own elasticity
    problem = build_problem(no_cost, request, baseline)
    row = table.iloc[0]
    e = problem.elasticity[0, 0]
    q0, p0, p = problem.units[0], problem.price[0], row["recommended_price"]
    assert row["revenue_change"] == pytest.approx(q0 * (p / p0) ** e * p - q0 * p0, rel=1e-9)
    assert demand(problem, np.array([p]))[0] == pytest.approx(q0 * (p / p0) ** e, rel=1e-12)


def test_item3_recommendation_with_cost_keeps_the_cost(baseline, pricing_set) -> None:
    request = parse_recommendation({"filter": {"product": "P01"}, "constraints": {}})
    table, _ = recommend_prices(pricing_set, request, baseline)
    _, cost = series_prices(baseline, pricing_set)
    assert table["cost"].notna().all() and (table["cost"] > 0).all()
    assert table["cost"].iloc[0] <= cost.max()
    assert table["note"].eq("").all()


def test_item3_demand_curve_without_cost_has_no_margin(baseline, pricing_set, no_cost) -> None:
    curve = sweep(baseline, no_cost, {"product": ["P01"]}, np.array([-5.0, 5.0]))
    assert curve[["baseline_margin", "margin", "margin_lo_95", "margin_hi_95"]].isna().all().all()
    with_cost = sweep(baseline, pricing_set, {"product": ["P01"]}, np.array([-5.0, 5.0]))
    assert curve["revenue"].to_numpy() == pytest.approx(with_cost["revenue"].to_numpy())
    assert with_cost["margin"].notna().all()
