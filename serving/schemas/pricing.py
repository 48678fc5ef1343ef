"""Requests and answers of the pricing API: what-ifs, recommendations, elasticities, scenarios."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

KeyFilter = dict[str, str | list[str]]

_FILTER_HELP = "Series key filter, e.g. {'product': 'P01'} or {'region': ['North', 'South']}."


class PriceChangeIn(BaseModel):
    """A price change for the matching series: `percent` (e.g. -5 = 5% cut) or a new `price`."""

    model_config = ConfigDict(extra="forbid")

    filter: KeyFilter = Field(description=_FILTER_HELP, examples=[{"product": "P01"}])
    percent: float | None = Field(default=None, gt=-100, le=1000, examples=[-5.0])
    price: float | None = Field(default=None, gt=0, lt=1e9, examples=[2.49])
    start: dt.date | None = None
    end: dt.date | None = None


class PromotionIn(BaseModel):
    """Run a promotion (flag column, default `promo`) on the matching series in a date range."""

    model_config = ConfigDict(extra="forbid")

    filter: KeyFilter = Field(description=_FILTER_HELP, examples=[{"product": "P03"}])
    start: dt.date | None = None
    end: dt.date | None = None
    column: str = "promo"


class ScenarioIn(BaseModel):
    """A what-if scenario: price changes and promotions over a date range, reported for a scope."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "P01 minus 5%",
                    "price_changes": [{"filter": {"product": "P01"}, "percent": -5}],
                    "promotions": [],
                    "scope": {"category": "juice"},
                }
            ]
        },
    )

    name: str = Field(default="scenario", max_length=80)
    price_changes: list[PriceChangeIn] = Field(default_factory=list)
    promotions: list[PromotionIn] = Field(default_factory=list)
    start: dt.date | None = None
    end: dt.date | None = None
    scope: KeyFilter = Field(default_factory=dict, description="Series reported (default all).")


class WhatIfRow(BaseModel):
    """One product (or TOTAL) over one week, quarter or the whole range: baseline vs scenario."""

    model_config = ConfigDict(extra="allow")  # date / quarter ride along

    product: str = Field(examples=["P01"])
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
    baseline_margin: float
    margin: float
    margin_lo_95: float
    margin_hi_95: float
    change_margin: float
    change_margin_lo_95: float
    change_margin_hi_95: float


class WhatIfResponse(BaseModel):
    """Scenario against the baseline forecast (prices held at their last observed level)."""

    name: str
    sales_model_version: str
    pricing_model_version: str
    summary: list[WhatIfRow]
    quarterly: list[WhatIfRow]
    weekly: list[WhatIfRow]


class LadderIn(BaseModel):
    """Product `above` stays at least `pct` percent above product `below`."""

    model_config = ConfigDict(extra="forbid")

    above: str = Field(examples=["P01"])
    below: str = Field(examples=["P02"])
    pct: float = Field(default=0.0, ge=0, le=1000, examples=[5.0])


class ConstraintsIn(BaseModel):
    """Business rules; percents as percents (20 = 20%), prices in the data's currency."""

    model_config = ConfigDict(extra="forbid")

    min_margin_pct: float | None = Field(default=None, gt=-100, lt=100, examples=[25.0])
    max_change_pct: float | None = Field(default=None, ge=0, lt=100, examples=[10.0])
    min_price: float | dict[str, float] | None = Field(default=None, examples=[{"P01": 1.99}])
    max_price: float | dict[str, float] | None = None
    price_endings: list[str] = Field(default_factory=list, examples=[[".99", ".49"]])
    ladders: list[LadderIn] = Field(default_factory=list)


class RecommendationIn(BaseModel):
    """Which products to price, for which objective, under which constraints."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filter": {"category": "juice"},
                    "objective": "margin",
                    "constraints": {
                        "min_margin_pct": 20,
                        "max_change_pct": 10,
                        "price_endings": [".99", ".49"],
                        "ladders": [{"above": "P01", "below": "P02", "pct": 5}],
                    },
                }
            ]
        },
    )

    filter: KeyFilter = Field(default_factory=dict, description=_FILTER_HELP)
    objective: Literal["margin", "revenue", "units"] = "margin"
    constraints: ConstraintsIn = Field(default_factory=ConstraintsIn)
    joint: bool | None = Field(
        default=None, description="Price the products together (default: when cross effects)."
    )
    weeks: int = Field(default=13, ge=1, le=520, description="Horizon the volumes cover.")


class RecommendationRow(BaseModel):
    """One product's recommended price and what it is expected to do (95% intervals)."""

    product: str
    current_price: float
    recommended_price: float
    change_pct: float
    cost: float
    baseline_units: float
    units_change: float
    units_change_lo_95: float
    units_change_hi_95: float
    revenue_change: float
    revenue_change_lo_95: float
    revenue_change_hi_95: float
    margin_change: float
    margin_change_lo_95: float
    margin_change_hi_95: float
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

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$", examples=["p01-minus-5"])
    scenario: ScenarioIn
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
