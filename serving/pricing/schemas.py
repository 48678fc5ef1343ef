"""Requests and answers of the pricing API: what-ifs, recommendations, elasticities, scenarios."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.pricing.saved import SCENARIO_NAME
from engine.pricing.scenario import KeyFilter, Scenario


class WhatIfRow(BaseModel):
    """One product (or TOTAL) over one week, quarter or the whole range: baseline vs scenario.

    A week straddling the scenario's range counts the days inside it (`days`), as the planner's
    quarters split weeks by day. Margin fields are null when the pricing model has no unit costs
    (the answer's notes say so).
    """

    model_config = ConfigDict(extra="allow")  # date / quarter ride along

    product: str = Field(examples=["P01"])
    days: int = Field(description="Days of this week, quarter or range inside the scenario.")
    baseline_units: float
    units: float
    units_lo_95: float
    units_hi_95: float
    change_units: float
    change_units_lo_95: float
    change_units_hi_95: float
    baseline_revenue: float
    revenue: float
    revenue_lo_95: float
    revenue_hi_95: float
    change_revenue: float
    change_revenue_lo_95: float
    change_revenue_hi_95: float
    baseline_margin: float | None
    margin: float | None
    margin_lo_95: float | None
    margin_hi_95: float | None
    change_margin: float | None
    change_margin_lo_95: float | None
    change_margin_hi_95: float | None
    baseline_price: float | None = Field(
        description="Volume-weighted average price at current prices (revenue / units)."
    )
    price: float | None = Field(description="Volume-weighted average scenario price.")
    baseline_margin_pct: float | None = Field(
        description="Margin as % of revenue; null without cost."
    )
    margin_pct: float | None = Field(description="Scenario margin as % of revenue.")


class WhatIfResponse(BaseModel):
    """Scenario against the baseline forecast (prices held at their last observed level)."""

    name: str
    sales_model_version: str
    pricing_model_version: str
    summary: list[WhatIfRow]
    quarterly: list[WhatIfRow]
    weekly: list[WhatIfRow]
    notes: list[str] = Field(
        default_factory=list,
        description="What to know before acting (e.g. why margin is null); absent when none.",
    )


class RecommendationRow(BaseModel):
    """One product's recommended price and what it is expected to do (95% intervals)."""

    product: str
    current_price: float
    recommended_price: float
    change_pct: float
    cost: float | None = Field(description="Unit cost; null when the history had no cost.")
    baseline_units: float
    units_change: float
    units_change_lo_95: float
    units_change_hi_95: float
    revenue_change: float
    revenue_change_lo_95: float
    revenue_change_hi_95: float
    margin_change: float | None
    margin_change_lo_95: float | None
    margin_change_hi_95: float | None
    binding: list[str] = Field(description="Constraints the price sits on.")
    note: str = ""


class RecommendationResponse(BaseModel):
    """Recommended prices from the pricing champion (volumes from the sales champion if any)."""

    pricing_model_version: str
    sales_model_version: str | None
    objective: str
    joint: bool
    recommendations: list[RecommendationRow]


class ElasticityRow(BaseModel):
    """An own (cross_product empty), cross or competitor elasticity with its 95% CI."""

    product: str
    cross_product: str | None
    kind: Literal["own", "cross", "competitor"]
    elasticity: float | None
    lo_95: float | None
    hi_95: float | None
    n_obs: int
    plausible: bool
    dml_elasticity: float | None = None
    confounded: bool = False


class ElasticityResponse(BaseModel):
    """The pricing champion's elasticity table."""

    model_version: str
    elasticities: list[ElasticityRow]


class SaveScenarioIn(BaseModel):
    """A named scenario to keep."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": f"p01-{word}-5",
                    "scenario": {
                        "name": f"P01 {sign}5%",
                        "price_changes": [{"filter": {"product": "P01"}, "percent": percent}],
                    },
                }
                for word, sign, percent in (("minus", "-", -5), ("plus", "+", 5))
            ]
        },
    )

    name: str = Field(pattern=SCENARIO_NAME, examples=["p01-minus-5"])
    scenario: Scenario
    overwrite: bool = True


class SavedScenario(BaseModel):
    """A stored scenario and when it was saved."""

    name: str
    saved_at: str
    scenario: dict[str, Any]


class SavedScenarioList(BaseModel):
    scenarios: list[SavedScenario]


class CompareIn(BaseModel):
    """Names of saved scenarios to run side by side."""

    model_config = ConfigDict(extra="forbid")

    names: list[str] = Field(min_length=1, max_length=20, examples=[["p01-minus-5", "p01-plus-5"]])


class ComparisonRow(WhatIfRow):
    """A scenario's whole-range result for one product (or TOTAL)."""

    scenario: str


class CompareResponse(BaseModel):
    sales_model_version: str
    pricing_model_version: str
    rows: list[ComparisonRow]
    notes: list[str] = Field(default_factory=list, description="What to know before acting.")


class DemandCurveIn(BaseModel):
    """Uniform price changes of the matching series, to trace a demand curve."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"filter": {"product": "P01"}, "percents": [-10, -5, 0, 5, 10]}]
        },
    )

    filter: KeyFilter = Field(
        description="Series whose price moves.", examples=[{"product": "P01"}]
    )
    percents: list[Annotated[float, Field(gt=-100, le=1000, allow_inf_nan=False)]] = Field(
        min_length=1, max_length=101, description="Price changes, % (-5 is a 5% cut)."
    )


class DemandCurveRow(BaseModel):
    """A product's (or TOTAL's) units, revenue and margin at one price change, 95% intervals."""

    model_config = ConfigDict(extra="allow")

    percent: float
    product: str


class DemandCurveResponse(BaseModel):
    sales_model_version: str
    pricing_model_version: str
    points: list[DemandCurveRow]
