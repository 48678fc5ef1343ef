"""Price recommendations under business constraints, per product or jointly per category.

Demand is constant-elasticity around the current prices: q_i = q0_i * prod_j (p_j/p0_j)^e_ij.
Box constraints (margin floor, max change, absolute bounds, the model's trusted range) give
each product an interval; ladder rules are propagated into those intervals first, so the
lowest prices are a feasible start and infeasible sets fail with the conflict named. Then
coordinate ascent, each step a grid search refined by bounded Brent (or, with price endings,
an exhaustive search over the allowed prices), never leaves the feasible set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from engine.core.errors import ConstraintError, NotFoundError
from engine.pricing.scenario import Constraints, Ladder

MODEL_RANGE = (0.5, 2.0)
"""Recommendations stay within this multiple of the current price: beyond it the elasticities
are extrapolated far outside the prices they were measured on."""
TOL = 1e-7
GRID = 96


@dataclass
class PricingProblem:
    """Products priced together: current state, demand response and constraints."""

    products: list[str]
    price: np.ndarray  # current
    cost: np.ndarray
    units: np.ndarray  # baseline units at current prices over the horizon
    elasticity: np.ndarray  # products x products (row: demand of, column: price of)
    se: np.ndarray
    held: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # keep current price

    def __post_init__(self) -> None:
        if self.held.size == 0:
            self.held = np.zeros(len(self.products), dtype=bool)


def demand(
    problem: PricingProblem, prices: np.ndarray, elasticity: np.ndarray | None = None
) -> np.ndarray:
    """Units per product at `prices` (last axis = products; leading axes broadcast)."""
    e = problem.elasticity if elasticity is None else elasticity
    dlog = np.log(prices) - np.log(problem.price)
    return problem.units * np.exp(dlog @ e.T)


def objective_value(problem: PricingProblem, prices: np.ndarray, objective: str) -> np.ndarray:
    """Margin, revenue or units summed over the products, for one or many price vectors."""
    q = demand(problem, prices)
    if objective == "units":
        return q.sum(axis=-1)
    if objective == "revenue":
        return (q * prices).sum(axis=-1)
    return (q * (prices - problem.cost)).sum(axis=-1)


@dataclass
class Bounds:
    """Each product's interval and the named rules behind every limit."""

    lo: np.ndarray
    hi: np.ndarray
    limits: list[list[tuple[str, str, float]]]  # per product: (rule, 'lo'|'hi', value)


def _value(spec: dict[str, float] | float | None, product: str) -> float | None:
    if spec is None:
        return None
    if isinstance(spec, dict):
        return spec.get(product)
    return float(spec)


def box_bounds(problem: PricingProblem, constraints: Constraints) -> Bounds:
    """Intervals from margin floor, max change, absolute bounds and the model range."""
    n = len(problem.products)
    limits: list[list[tuple[str, str, float]]] = [[] for _ in range(n)]
    for i, product in enumerate(problem.products):
        p0, c = problem.price[i], problem.cost[i]
        if problem.held[i]:
            limits[i] += [
                ("implausible_elasticity", "lo", p0),
                ("implausible_elasticity", "hi", p0),
            ]
            continue
        limits[i] += [
            ("model_range", "lo", p0 * MODEL_RANGE[0]),
            ("model_range", "hi", p0 * MODEL_RANGE[1]),
        ]
        if constraints.min_margin is not None:
            limits[i].append(("min_margin", "lo", c / (1.0 - constraints.min_margin)))
        if constraints.max_change is not None:
            limits[i].append(("max_change", "lo", p0 * (1.0 - constraints.max_change)))
            limits[i].append(("max_change", "hi", p0 * (1.0 + constraints.max_change)))
        low = _value(constraints.min_price, product)
        high = _value(constraints.max_price, product)
        if low is not None:
            limits[i].append(("min_price", "lo", low))
        if high is not None:
            limits[i].append(("max_price", "hi", high))
    lo = np.array([max(v for _, s, v in lim if s == "lo") for lim in limits])
    hi = np.array([min(v for _, s, v in lim if s == "hi") for lim in limits])
    for i in range(n):
        if lo[i] > hi[i] * (1 + TOL):
            raise ConstraintError(_conflict(problem.products[i], limits[i]), "constraints")
    return Bounds(lo, hi, limits)


def _conflict(product: str, limits: list[tuple[str, str, float]]) -> str:
    lo_rule, _, lo = max((x for x in limits if x[1] == "lo"), key=lambda x: x[2])
    hi_rule, _, hi = min((x for x in limits if x[1] == "hi"), key=lambda x: x[2])
    return (
        f"constraints conflict for product {product}: {lo_rule} needs a price of at least "
        f"{lo:.2f} but {hi_rule} allows at most {hi:.2f}"
    )


def _snap_up(value: float, endings: list[float]) -> float:
    """Smallest price >= value ending in one of the endings."""
    base = math.floor(value + TOL)
    for k in (base, base + 1):
        for e in endings:
            if k + e >= value - 1e-9:
                return round(k + e, 2)
    return round(base + 1 + endings[0], 2)


def _snap_down(value: float, endings: list[float]) -> float:
    """Largest price <= value ending in one of the endings (may be < 0: nothing fits)."""
    base = math.floor(value + TOL)
    for k in (base, base - 1):
        for e in reversed(endings):
            if k + e <= value + 1e-9:
                return round(k + e, 2)
    return -1.0


def candidates(lo: float, hi: float, endings: list[float]) -> np.ndarray:
    """Every price in [lo, hi] with an allowed ending."""
    out = [
        round(k + e, 2)
        for k in range(int(math.floor(lo)), int(math.floor(hi)) + 1)
        for e in endings
        if lo - 1e-9 <= k + e <= hi + 1e-9 and k + e > 0
    ]
    return np.array(sorted(out))


def propagate(problem: PricingProblem, bounds: Bounds, constraints: Constraints) -> Bounds:
    """Tighten intervals by ladder rules (and endings) to a fixpoint; name any conflict."""
    pos = {p: k for k, p in enumerate(problem.products)}
    ladders = []
    for rule in constraints.ladders:
        for name in (rule.above, rule.below):
            if name not in pos:
                raise NotFoundError(
                    f"ladder rule names product '{name}' that is not being priced", "ladders"
                )
        ladders.append((pos[rule.above], pos[rule.below], 1.0 + rule.gap, rule))
    lo, hi = bounds.lo.copy(), bounds.hi.copy()
    endings = constraints.endings
    for _ in range(len(problem.products) + 2):
        before = (lo.copy(), hi.copy())
        if endings:
            free = ~problem.held
            lo[free] = [_snap_up(v, endings) for v in lo[free]]
            hi[free] = [_snap_down(v, endings) for v in hi[free]]
            for i in np.flatnonzero(lo > hi + 1e-9):
                raise ConstraintError(
                    f"constraints conflict for product {problem.products[i]}: no price ending in "
                    f"{', '.join(f'.{round(e * 100):02d}' for e in endings)} lies between "
                    f"{bounds.lo[i]:.2f} and {bounds.hi[i]:.2f}",
                    "price_endings",
                )
        for a, b, ratio, rule in ladders:
            lo[a] = max(lo[a], ratio * lo[b])
            hi[b] = min(hi[b], hi[a] / ratio)
            if lo[a] > hi[a] * (1 + TOL) or lo[b] > hi[b] * (1 + TOL):
                raise ConstraintError(_ladder_conflict(rule, problem, bounds), "ladders")
        if np.allclose(before[0], lo, rtol=0, atol=1e-12) and np.allclose(
            before[1], hi, rtol=0, atol=1e-12
        ):
            return Bounds(lo, hi, bounds.limits)
    raise ConstraintError("ladder rules cannot all hold (they form a cycle)", "ladders")


def _ladder_conflict(rule: Ladder, problem: PricingProblem, bounds: Bounds) -> str:
    pos = {p: k for k, p in enumerate(problem.products)}
    a, b = pos[rule.above], pos[rule.below]
    return (
        f"constraints conflict: ladder '{rule.above} at least {rule.gap:.0%} above {rule.below}' "
        f"needs {rule.above} >= {(1 + rule.gap) * bounds.lo[b]:.2f}, but its other rules allow "
        f"{rule.above} at most {bounds.hi[a]:.2f}"
    )


def _coordinate_range(
    i: int, prices: np.ndarray, bounds: Bounds, ladders: list[tuple[int, int, float]]
) -> tuple[float, float]:
    lo, hi = bounds.lo[i], bounds.hi[i]
    for a, b, ratio in ladders:
        if a == i:
            lo = max(lo, ratio * prices[b])
        if b == i:
            hi = min(hi, prices[a] / ratio)
    return lo, max(lo, hi)


def _best_continuous(f, lo: float, hi: float) -> float:  # noqa: ANN001 - scalar objective
    """Maximise f on [lo, hi]: log-spaced grid, then bounded Brent around the best point."""
    if hi <= lo * (1 + 1e-12):
        return lo
    grid = np.exp(np.linspace(np.log(lo), np.log(hi), GRID))
    values = np.array([f(p) for p in grid])
    k = int(np.argmax(values))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, GRID - 1)]
    res = minimize_scalar(
        lambda x: -f(math.exp(x)),
        bounds=(math.log(a), math.log(b)),
        method="bounded",
        options={"xatol": 1e-12},
    )
    best = min(max(math.exp(res.x), lo), hi)
    return best if f(best) >= values[k] else float(grid[k])


def optimise(
    problem: PricingProblem, constraints: Constraints, objective: str = "margin", joint: bool = True
) -> tuple[np.ndarray, Bounds]:
    """Feasible prices maximising the objective; ConstraintError names an infeasible rule.

    Coordinate ascent runs from the lowest feasible prices and, when they obey every rule, from
    the current prices and from the highest ones; the best end point wins. One start is not
    enough: a ladder ties two prices, and moving either alone can be worse than moving both
    (an elastic product held down by its own optimum keeps an inelastic one below it), so a
    single climb can stop below the current prices. From the current prices it cannot end
    worse than them.
    """
    bounds = propagate(problem, box_bounds(problem, constraints), constraints)
    pos = {p: k for k, p in enumerate(problem.products)}
    ladders = [(pos[r.above], pos[r.below], 1.0 + r.gap) for r in constraints.ladders]
    elasticity = problem.elasticity if joint else np.diag(np.diag(problem.elasticity))
    local = PricingProblem(
        problem.products,
        problem.price,
        problem.cost,
        problem.units,
        elasticity,
        problem.se,
        problem.held,
    )
    starts = [bounds.lo.copy()]
    for start in (problem.price, bounds.hi):
        if _obeys(start, bounds, ladders):
            starts.append(np.asarray(start, dtype=float).copy())
    ends = [_ascend(local, start, bounds, ladders, constraints, objective) for start in starts]
    values = [float(objective_value(local, end, objective)) for end in ends]
    return ends[int(np.argmax(values))], bounds


def _obeys(prices: np.ndarray, bounds: Bounds, ladders: list[tuple[int, int, float]]) -> bool:
    """Whether prices sit inside every product's bounds and keep every ladder."""
    scale = 1e-12 * np.maximum(np.abs(prices), 1.0)
    inside = bool(np.all(prices >= bounds.lo - scale) and np.all(prices <= bounds.hi + scale))
    return inside and all(prices[a] >= ratio * prices[b] * (1 - 1e-12) for a, b, ratio in ladders)


def _ascend(
    local: PricingProblem,
    start: np.ndarray,
    bounds: Bounds,
    ladders: list[tuple[int, int, float]],
    constraints: Constraints,
    objective: str,
) -> np.ndarray:
    """Coordinate ascent from `start`: each price in turn to its best value given the others."""
    prices = start.copy()
    for _ in range(200):
        previous = prices.copy()
        for i in range(len(prices)):
            if local.held[i]:
                continue
            lo, hi = _coordinate_range(i, prices, bounds, ladders)

            def f(p: float, i: int = i) -> float:
                trial = prices.copy()
                trial[i] = p
                return float(objective_value(local, trial, objective))

            if constraints.endings:
                options = candidates(lo, hi, constraints.endings)
                if options.size == 0:
                    continue
                values = [f(p) for p in options]
                prices[i] = options[int(np.argmax(values))]
            else:
                prices[i] = _best_continuous(f, lo, hi)
        if np.max(np.abs(prices - previous) / previous) < 1e-10:
            break
    return prices


def binding_rules(
    problem: PricingProblem, prices: np.ndarray, bounds: Bounds, constraints: Constraints
) -> list[list[str]]:
    """For each product, the rules whose limit the recommended price sits on."""
    out: list[list[str]] = []
    pos = {p: k for k, p in enumerate(problem.products)}
    for i, limits in enumerate(bounds.limits):
        names = sorted(
            {rule for rule, _, value in limits if abs(prices[i] - value) <= 1e-6 * max(value, 1e-9)}
        )
        for rule in constraints.ladders:
            a, b = pos[rule.above], pos[rule.below]
            if abs(prices[a] - (1 + rule.gap) * prices[b]) <= 1e-6 * prices[a] and i in (a, b):
                names.append(f"ladder:{rule.above}>={rule.below}+{rule.gap:.0%}")
        out.append(names)
    return out


def recommend(
    problem: PricingProblem,
    constraints: Constraints,
    objective: str = "margin",
    joint: bool = True,
    n_draws: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Per product: recommended price, expected changes with 95% intervals, binding rules."""
    prices, bounds = optimise(problem, constraints, objective, joint)
    binding = binding_rules(problem, prices, bounds, constraints)
    if constraints.endings:
        free = constraints.model_copy(update={"price_endings": []})
        try:
            unrounded, _ = optimise(problem, free, objective, joint)
            for i in range(len(prices)):
                if abs(unrounded[i] - prices[i]) > 1e-6 * prices[i]:
                    binding[i].append("price_ending")
        except ConstraintError:
            pass
    rng = np.random.default_rng(seed)
    draws = problem.elasticity[None] + problem.se[None] * rng.standard_normal(
        (n_draws, *problem.elasticity.shape)
    )
    q_now = problem.units
    q_new = demand(problem, prices)
    q_draw = problem.units * np.exp(
        np.einsum("sij,j->si", draws, np.log(prices) - np.log(problem.price))
    )
    rows = {
        "product": problem.products,
        "current_price": problem.price,
        "recommended_price": prices,
        "change_pct": 100.0 * (prices / problem.price - 1.0),
        "cost": problem.cost,
        "baseline_units": q_now,
    }
    measures = {
        "units": (q_new - q_now, q_draw - q_now),
        "revenue": (
            q_new * prices - q_now * problem.price,
            q_draw * prices - q_now * problem.price,
        ),
        "margin": (
            q_new * (prices - problem.cost) - q_now * (problem.price - problem.cost),
            q_draw * (prices - problem.cost) - q_now * (problem.price - problem.cost),
        ),
    }
    known_cost = not np.isnan(problem.cost).any()
    for name, (point, sampled) in measures.items():
        if name == "margin" and not known_cost:  # absent, never computed from a made-up cost
            point = lo = hi = np.full(len(prices), np.nan)
        else:
            lo, hi = np.quantile(sampled, [0.025, 0.975], axis=0)
        rows[f"{name}_change"] = point
        rows[f"{name}_change_lo_95"] = lo
        rows[f"{name}_change_hi_95"] = hi
    rows["binding"] = [";".join(b) for b in binding]
    rows["note"] = [
        "; ".join(
            [
                *(["held at current price: implausible elasticity"] if h else []),
                *([] if known_cost else ["margin unknown: the history had no cost column"]),
            ]
        )
        for h in problem.held
    ]
    return pd.DataFrame(rows)
