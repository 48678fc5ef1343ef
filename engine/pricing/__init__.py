"""Pricing decisions: what-if simulation, constrained recommendations, saved scenarios."""

from engine.pricing.optimizer import PricingProblem, optimise, recommend
from engine.pricing.recommendations import recommend_prices
from engine.pricing.saved import ScenarioStore
from engine.pricing.scenario import (
    Constraints,
    Ladder,
    Scenario,
    parse_constraints,
    parse_recommendation,
    parse_scenario,
)
from engine.pricing.simulator import WhatIf, simulate

__all__ = [
    "Constraints",
    "Ladder",
    "PricingProblem",
    "Scenario",
    "ScenarioStore",
    "WhatIf",
    "optimise",
    "parse_constraints",
    "parse_recommendation",
    "parse_scenario",
    "recommend",
    "recommend_prices",
    "simulate",
]
