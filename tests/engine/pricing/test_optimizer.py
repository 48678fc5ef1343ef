"""Recommendation optimiser: closed form, constraints always hold, conflicts are named."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine.core.errors import ConstraintError
from engine.pricing.optimizer import PricingProblem, objective_value, optimise, recommend
from engine.pricing.scenario import Constraints, Ladder


def problem(
    e: np.ndarray, price: list[float], cost: list[float], se: float = 0.1
) -> PricingProblem:
    n = len(price)
    return PricingProblem(
        products=[f"P{k + 1}" for k in range(n)],
        price=np.array(price, float),
        cost=np.array(cost, float),
        units=np.full(n, 100.0),
        elasticity=np.asarray(e, float),
        se=np.full((n, n), se),
    )


@pytest.mark.parametrize(("e", "c", "p0"), [(-2.0, 1.0, 2.5), (-2.5, 2.0, 3.0), (-3.7, 4.2, 5.0)])
def test_unconstrained_price_is_the_closed_form(e: float, c: float, p0: float) -> None:
    table = recommend(problem(np.array([[e]]), [p0], [c]), Constraints())
    expected = c * e / (1 + e)
    assert table.loc[0, "recommended_price"] == pytest.approx(expected, rel=1e-7)
    assert table.loc[0, "binding"] == ""
    assert table.loc[0, "margin_change"] >= 0


def test_joint_pricing_without_cross_effects_is_the_closed_form_per_product() -> None:
    e = np.diag([-2.0, -3.0, -1.5])
    prices, _ = optimise(problem(e, [2.0, 3.0, 4.0], [1.0, 2.0, 1.5]), Constraints())
    expected = [1.0 * 2.0, 2.0 * 3.0 / 2.0, 1.5 * 1.5 / 0.5]
    assert prices == pytest.approx(expected, rel=1e-7)


def test_cross_effects_raise_the_joint_margin_optimum() -> None:
    e = np.array([[-2.5, 0.4], [0.4, -2.5]])
    prob = problem(e, [2.0, 2.0], [1.0, 1.0])
    solo, _ = optimise(prob, Constraints(), joint=False)
    joint, _ = optimise(prob, Constraints(), joint=True)
    assert solo == pytest.approx([1.0 * 2.5 / 1.5] * 2, rel=1e-7)
    assert (joint > solo).all()  # substitutes: raising one price helps the other
    assert objective_value(prob, joint, "margin") > objective_value(prob, solo, "margin")


def test_binding_constraint_is_reported() -> None:
    table = recommend(problem(np.array([[-2.0]]), [1.5], [1.0]), Constraints(max_change_pct=10))
    assert table.loc[0, "recommended_price"] == pytest.approx(1.65)
    assert table.loc[0, "binding"] == "max_change"


def test_price_endings_and_ladder() -> None:
    e = np.array([[-2.0, 0.0], [0.0, -2.0]])
    cons = Constraints(
        price_endings=[".49", ".99"], ladders=[Ladder(above="P2", below="P1", pct=10)]
    )
    table = recommend(problem(e, [2.0, 2.0], [1.0, 1.0]), cons)
    p1, p2 = table["recommended_price"]
    assert round(p1 % 1, 2) in (0.49, 0.99) and round(p2 % 1, 2) in (0.49, 0.99)
    assert p2 >= 1.1 * p1 - 1e-9


@pytest.mark.parametrize(
    ("constraints", "words"),
    [
        (Constraints(min_margin_pct=60, max_change_pct=10), ["P1", "min_margin", "max_change"]),
        (Constraints(min_price=3.0, max_price=2.5), ["min_price", "max_price"]),
        (Constraints(max_change_pct=0.1, price_endings=[".99"]), ["price ending", ".99"]),
        (
            Constraints(max_change_pct=5, ladders=[Ladder(above="P1", below="P2", pct=50)]),
            ["ladder", "P1", "P2"],
        ),
        (
            Constraints(
                ladders=[
                    Ladder(above="P1", below="P2", pct=10),
                    Ladder(above="P2", below="P1", pct=10),
                ]
            ),
            ["ladder"],
        ),
    ],
)
def test_infeasible_constraints_name_the_conflict(
    constraints: Constraints, words: list[str]
) -> None:
    prob = problem(np.diag([-2.0, -2.0]), [2.0, 2.0], [1.0, 1.0])
    with pytest.raises(ConstraintError) as info:
        recommend(prob, constraints)
    for word in words:
        assert word in str(info.value)


def _violations(prob: PricingProblem, prices: np.ndarray, cons: Constraints) -> list[str]:
    out = []
    tol = 1e-9
    for i, p in enumerate(prices):
        p0, c = prob.price[i], prob.cost[i]
        if cons.min_margin is not None and (p - c) / p < cons.min_margin - 1e-9:
            out.append(f"margin {i}")
        if cons.max_change is not None and abs(p / p0 - 1) > cons.max_change + 1e-9:
            out.append(f"change {i}")
        if cons.min_price is not None and p < cons.min_price - tol:
            out.append(f"min {i}")
        if cons.max_price is not None and p > cons.max_price + tol:
            out.append(f"max {i}")
        if cons.endings and round(p - math.floor(p + 1e-9), 2) not in cons.endings:
            out.append(f"ending {i}: {p}")
    pos = {name: k for k, name in enumerate(prob.products)}
    for rule in cons.ladders:
        if prices[pos[rule.above]] < (1 + rule.gap) * prices[pos[rule.below]] * (1 - 1e-9):
            out.append(f"ladder {rule}")
    return out


@st.composite
def problems(draw: st.DrawFn) -> tuple[PricingProblem, Constraints]:
    n = draw(st.integers(1, 3))
    own = draw(st.lists(st.floats(-4.0, -0.5), min_size=n, max_size=n))
    e = np.diag(own)
    for i in range(n):
        for j in range(n):
            if i != j:
                e[i, j] = draw(st.floats(0.0, 0.5))
    price = draw(st.lists(st.floats(0.5, 20.0), min_size=n, max_size=n))
    cost = [p * draw(st.floats(0.2, 0.9)) for p in price]
    maybe = lambda s: draw(st.one_of(st.none(), s))  # noqa: E731
    ladders = []
    if n >= 2 and draw(st.booleans()):
        ladders.append(Ladder(above="P1", below="P2", pct=100 * draw(st.floats(0.0, 0.3))))
    percent = lambda v: None if v is None else 100 * v  # noqa: E731
    cons = Constraints(
        min_margin_pct=percent(maybe(st.floats(0.0, 0.6))),
        max_change_pct=percent(maybe(st.floats(0.0, 0.4))),
        min_price=maybe(st.floats(0.3, 10.0)),
        max_price=maybe(st.floats(1.0, 30.0)),
        price_endings=draw(st.sampled_from([[], [".99"], [".49", ".99"], ["0.0", "0.5"]])),
        ladders=ladders,
    )
    return problem(e, price, cost), cons


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["margin", "revenue", "units"]))
def test_no_recommendation_ever_violates_a_constraint(
    case: tuple[PricingProblem, Constraints], objective: str
) -> None:
    prob, cons = case
    try:
        table = recommend(prob, cons, objective, n_draws=50)
    except ConstraintError:
        event("infeasible")
        return
    event("solved")
    prices = table["recommended_price"].to_numpy()
    assert _violations(prob, prices, cons) == []


@settings(max_examples=60, deadline=None)
@given(problems())
def test_recommendation_is_never_worse_than_a_feasible_current_price(
    case: tuple[PricingProblem, Constraints],
) -> None:
    prob, cons = case
    if cons.endings or _violations(prob, prob.price, cons):
        return  # only a feasible current price is a fair yardstick
    prices, _ = optimise(prob, cons, "margin")
    assert (
        objective_value(prob, prices, "margin")
        >= objective_value(prob, prob.price, "margin") * (1 - 1e-9) - 1e-9
    )


def test_a_ladder_from_an_elastic_to_an_inelastic_product_never_ends_below_current() -> None:
    """P1 (elasticity -4) alone would fall to 0.667 and the ladder P1 >= P2 would drag the
    inelastic P2 with it, losing P2's margin and P3's cross-price units. A climb from the lowest
    prices stopped there (margin 145.6); the current prices (margin 150) are better."""
    e = np.diag([-4.0, -0.5, -0.5])
    e[2, 1] = 0.5
    prob = problem(e, [1.0, 1.0, 1.0], [0.5, 0.5, 0.5])
    cons = Constraints(max_price=1.0, ladders=[Ladder(above="P1", below="P2", pct=0.0)])
    table = recommend(prob, cons, "margin", n_draws=50)
    prices = table["recommended_price"].to_numpy()
    assert _violations(prob, prices, cons) == []
    ratio = prices / prob.price
    units = 100.0 * np.prod(ratio[None, :] ** e, axis=1)  # constant-elasticity demand, by hand
    margin = float(((prices - 0.5) * units).sum())
    assert margin >= 150.0 - 1e-9
    assert margin == pytest.approx(objective_value(prob, prices, "margin"), rel=1e-9)
