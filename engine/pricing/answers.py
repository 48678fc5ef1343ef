"""Pricing answers from loaded champions: elasticities, what-ifs, demand curves, recommendations.

The `lodestar pricing` commands and the pricing routes both call these and only format the
result, so a number is computed one way whichever door a user comes in by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.errors import NotFoundError
from engine.pricing.recommendations import recommend_prices
from engine.pricing.scenario import (
    RecommendationRequest,
    Scenario,
    as_timestamp,
    check_promotion_columns,
)
from engine.pricing.simulator import WhatIf, simulate, sweep
from engine.pricing.sources import NO_COST_NOTE, BaselineSource, PricingSource


def elasticity_table(pricing: PricingSource, products: list[str] | None = None) -> pd.DataFrame:
    """Own, cross and competitor elasticities (all, or of some products) with their full detail."""
    table = pricing.elasticities
    if products:
        unknown = sorted(set(products) - set(pricing.products))
        if unknown:
            raise NotFoundError(f"unknown product '{unknown[0]}'", "product")
        table = table[table["product"].isin(products)]
    return table.reset_index(drop=True)


def what_if(
    baseline: BaselineSource, pricing: PricingSource, scenario: Scenario, fiscal_start_month: int
) -> WhatIf:
    """Units, revenue and margin of a scenario against the baseline, per week, quarter, total."""
    check_promotion_columns(scenario, pricing.promo_columns)
    return simulate(baseline, pricing, scenario, fiscal_start_month)


def what_if_long_table(result: WhatIf) -> pd.DataFrame:
    """Total, quarterly and weekly rows of a what-if in one long table (`span`, `period`)."""
    weekly = result.weekly.rename(columns={"date": "period"}).assign(span="week")
    weekly["period"] = pd.to_datetime(weekly["period"]).dt.strftime("%Y-%m-%d")
    quarterly = result.quarterly.rename(columns={"quarter": "period"}).assign(span="quarter")
    summary = result.summary.assign(span="total", period="all")
    table = pd.concat([summary, quarterly, weekly], ignore_index=True)
    front = ["span", "period", "product"]
    return table[front + [c for c in table.columns if c not in front]]


def compare_scenarios(
    baseline: BaselineSource,
    pricing: PricingSource,
    scenarios: dict[str, Scenario],
    fiscal_start_month: int,
) -> pd.DataFrame:
    """Whole-range totals per product of several scenarios, side by side (`scenario` column)."""
    frames = [
        what_if(baseline, pricing, scenario, fiscal_start_month).summary.assign(scenario=name)
        for name, scenario in scenarios.items()
    ]
    return pd.concat(frames, ignore_index=True)


def comparison_notes(pricing: PricingSource) -> list[str]:
    """What a reader of whole-range totals must know: why margin is absent, if it is."""
    return [] if pricing.has_cost else [NO_COST_NOTE]


def demand_curve(
    baseline: BaselineSource,
    pricing: PricingSource,
    filters: dict[str, list[str]],
    percents: list[float],
    scenario: Scenario | None = None,
) -> pd.DataFrame:
    """Units, revenue and margin per product at each uniform price change of the matching series."""
    start = as_timestamp(scenario.start) if scenario else None
    end = as_timestamp(scenario.end) if scenario else None
    return sweep(baseline, pricing, filters, np.asarray(percents, dtype=float), start, end)


def recommendation_table(
    pricing: PricingSource, request: RecommendationRequest, baseline: BaselineSource | None
) -> tuple[pd.DataFrame, bool]:
    """(recommended prices with expected changes and binding rules, priced jointly?)."""
    return recommend_prices(pricing, request, baseline)
