"""Recommendation requests against the champions: choose products, build the problem, solve."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.errors import NotFoundError
from engine.core.series import select_series
from engine.pricing.optimizer import PricingProblem, recommend
from engine.pricing.scenario import RecommendationRequest
from engine.pricing.sources import BaselineSource, PricingSource, expected_units, require_cost


def build_problem(
    pricing: PricingSource, request: RecommendationRequest, baseline: BaselineSource | None
) -> PricingProblem:
    """Product-level current price, cost and baseline units (over `weeks`) for the request."""
    current = pricing.current.copy()
    current["product"] = current["product"].astype(str)
    join = [k for k in (baseline.keys if baseline is not None else []) if k in current.columns]
    if baseline is not None and "product" in join:
        volume = expected_units(baseline)[:, : request.weeks].sum(axis=1)
        series = baseline.index[join].astype(str).assign(volume=volume)
        current = current.assign(**{k: current[k].astype(str) for k in join})
        current = current.merge(series, on=join, how="left")
        current["volume"] = current["volume"].fillna(0.0)
    else:
        current["volume"] = 1.0
    chosen = current.iloc[select_series(current, request.filters)]
    known = set(pricing.products)
    chosen = chosen[chosen["product"].isin(known)]
    if chosen.empty:
        raise NotFoundError("no priced product matches the request's filter", "filter")
    weights = chosen["volume"].where(chosen["volume"] > 0, 1e-9)
    grouped = chosen.assign(w=weights, wp=weights * chosen["price"], wc=weights * chosen["cost"])
    agg = grouped.groupby("product")[["w", "wp", "wc", "volume"]].sum()
    products = list(agg.index)
    est, se, usable = pricing.matrix(products)
    est, se = np.where(usable, est, 0.0), np.where(usable, se, 0.0)
    held = ~np.diag(usable)
    units = agg["volume"].to_numpy(dtype=float) if "product" in join else np.ones(len(agg))
    nan_cost = np.full(len(agg), np.nan)  # unknown, not zero: sums would read it as free
    return PricingProblem(
        products=products,
        price=(agg["wp"] / agg["w"]).to_numpy(dtype=float),
        cost=(agg["wc"] / agg["w"]).to_numpy(dtype=float) if pricing.has_cost else nan_cost,
        units=np.maximum(units, 1e-9),
        elasticity=est,
        se=se,
        held=held,
    )


def recommend_prices(
    pricing: PricingSource, request: RecommendationRequest, baseline: BaselineSource | None
) -> tuple[pd.DataFrame, bool]:
    """(recommendations, whether products were priced jointly) for a request.

    Without unit costs a margin objective or floor cannot be honoured: both are refused.
    """
    if request.objective == "margin":
        require_cost(pricing, "objective 'margin'", "choose objective 'revenue' or 'units'")
    if request.constraints.min_margin_pct is not None:
        require_cost(pricing, "constraints.min_margin_pct", "leave out the margin floor")
    problem = build_problem(pricing, request, baseline)
    off_diagonal = problem.elasticity - np.diag(np.diag(problem.elasticity))
    joint = request.joint
    if joint is None:
        joint = bool(np.any(off_diagonal != 0) or request.constraints.ladders)
    table = recommend(problem, request.constraints, request.objective, joint)
    return table, joint
