"""Scenarios and recommendation requests: one shape for the API body, the CLI file and the engine.

Percentages are percents in these objects (`percent: -5` is a 5% cut); the engine reads the
fractions through `fraction`, `min_margin`, `max_change` and `gap`. In scenario files, a change
may name its key columns inline (`product = "P01"`) instead of in a `filter` table.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from engine.core.calendar import parse_quarter, quarter_label
from engine.core.errors import DataError
from engine.core.series import Filters, normalise_filter

KeyFilter = dict[str, str | list[str]]
OBJECTIVES = ("margin", "revenue", "units")
_FILTER_HELP = "Series key filter, e.g. {'product': 'P01'} or {'region': ['North', 'South']}."
INLINE_FILTERS = "inline_filters"
"""Validation context flag: fold unknown keys of a change into its filter (scenario files)."""


class _Targeted(BaseModel):
    """A change aimed at the series matching `filter`, optionally within start..end.

    Subclasses declare `filter`, `start` and `end` themselves, in the order users read them.
    """

    model_config = ConfigDict(extra="forbid")

    filter: KeyFilter

    @model_validator(mode="before")
    @classmethod
    def _inline_keys(cls, data: Any, info: ValidationInfo) -> Any:
        if not (info.context or {}).get(INLINE_FILTERS) or not isinstance(data, dict):
            return data
        if "filter" in data:
            return data
        own = set(cls.model_fields)
        return {
            **{k: v for k, v in data.items() if k in own},
            "filter": {k: v for k, v in data.items() if k not in own},
        }

    @property
    def filters(self) -> Filters:
        """The filter with every value as a list of strings."""
        return normalise_filter(self.filter)


EXACTLY_ONE_OF_PERCENT_OR_PRICE: JsonDict = {
    "oneOf": [
        {"required": ["percent"], "properties": {"percent": {"type": "number"}}},
        {"required": ["price"], "properties": {"price": {"type": "number"}}},
    ]
}
"""The schema's word for `_one_of`: one of the two is a number, the other absent or null."""


class PriceChange(_Targeted):
    """A price change for the matching series: `percent` (e.g. -5 = 5% cut) or a new `price`."""

    model_config = ConfigDict(json_schema_extra=EXACTLY_ONE_OF_PERCENT_OR_PRICE)

    filter: KeyFilter = Field(description=_FILTER_HELP, examples=[{"product": "P01"}])
    percent: float | None = Field(
        default=None,
        gt=-100,
        le=1000,
        allow_inf_nan=False,
        description="Change in percent, a finite number above -100 and at most 1000.",
        examples=[-5.0],
    )
    price: float | None = Field(
        default=None,
        gt=0,
        lt=1e9,
        allow_inf_nan=False,
        description="New price, a finite number above 0.",
        examples=[2.49],
    )
    start: dt.date | None = None
    end: dt.date | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PriceChange:
        if (self.percent is None) == (self.price is None):
            raise ValueError("give exactly one of 'percent' or 'price'")
        return self

    @property
    def fraction(self) -> float | None:
        """The percent change as a fraction (None for an absolute price)."""
        return None if self.percent is None else self.percent / 100.0


class Promotion(_Targeted):
    """Run a promotion (flag column, default `promo`) on the matching series in a date range."""

    filter: KeyFilter = Field(description=_FILTER_HELP, examples=[{"product": "P03"}])
    start: dt.date | None = None
    end: dt.date | None = None
    column: str = Field(
        default="promo",
        max_length=80,
        description="A promotion flag the pricing model was trained with (e.g. promo).",
    )


class Scenario(BaseModel):
    """A what-if: price changes and promotions over a date range, reported for a scope."""

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
    price_changes: list[PriceChange] = Field(default_factory=list, max_length=200)
    promotions: list[Promotion] = Field(default_factory=list, max_length=200)
    start: dt.date | None = None
    end: dt.date | None = None
    quarters: list[str] = Field(
        default_factory=list,
        max_length=40,
        description="Instead of start/end: consecutive quarters, e.g. ['2027Q1'] (fiscal "
        "quarters when the fiscal year does not start in January).",
        examples=[["2027Q1"]],
    )
    scope: KeyFilter = Field(default_factory=dict, description="Series reported (default all).")

    @model_validator(mode="after")
    def _ordered(self) -> Scenario:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self

    @field_validator("quarters")
    @classmethod
    def _consecutive_quarters(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if value and (info.data.get("start") is not None or info.data.get("end") is not None):
            raise ValueError("give quarters or start/end, not both")
        try:
            periods = [parse_quarter(q) for q in value]
        except DataError as exc:
            raise ValueError(exc.message) from None
        if any(b != a + 1 for a, b in zip(periods, periods[1:], strict=False)):
            raise ValueError("quarters must be consecutive and in order, e.g. ['2027Q1', '2027Q2']")
        return [quarter_label(p) for p in periods]

    @property
    def scope_filters(self) -> Filters:
        return normalise_filter(self.scope)


class Ladder(BaseModel):
    """Product `above` stays at least `pct` percent above product `below`."""

    model_config = ConfigDict(extra="forbid")

    above: str = Field(examples=["P01"])
    below: str = Field(examples=["P02"])
    pct: float = Field(default=0.0, ge=0, le=1000, examples=[5.0])

    @property
    def gap(self) -> float:
        """The required gap as a fraction."""
        return self.pct / 100.0


def parse_ending(raw: Any) -> float:
    """'.99', '0.99', 0.99 or 99 -> 0.99 (the cents a price must end in)."""
    text = str(raw).strip()
    try:
        value = float(text)
    except ValueError as exc:
        raise ValueError(f"price ending '{raw}' is not like .99") from exc
    if value >= 1:
        value = value / 100.0
    if not 0 <= value < 1:
        raise ValueError(f"price ending '{raw}' is not like .99")
    return round(value, 2)


Price = Annotated[float, Field(gt=0, allow_inf_nan=False)]
"""A price bound: a finite number above zero."""


class Constraints(BaseModel):
    """Business rules; percents as percents (20 = 20%), prices in the data's currency."""

    model_config = ConfigDict(extra="forbid")

    min_margin_pct: float | None = Field(default=None, gt=-100, lt=100, examples=[25.0])
    max_change_pct: float | None = Field(default=None, ge=0, lt=100, examples=[10.0])
    min_price: Price | dict[str, Price] | None = Field(
        default=None,
        description="Lowest allowed price, for every product or per product.",
        examples=[{"P01": 1.99}],
    )
    max_price: Price | dict[str, Price] | None = Field(
        default=None, description="Highest allowed price, for every product or per product."
    )
    price_endings: list[str] = Field(default_factory=list, examples=[[".99", ".49"]])
    ladders: list[Ladder] = Field(default_factory=list)

    @field_validator("min_price", "max_price", mode="before")
    @classmethod
    def _bounds_finite_and_positive(cls, value: Any, info: ValidationInfo) -> Any:
        """One clear message (naming the product) instead of one per branch of the union."""
        pairs = value.items() if isinstance(value, dict) else [(None, value)]
        for product, price in pairs:
            number = isinstance(price, int | float) and not isinstance(price, bool)
            if number and not (math.isfinite(price) and price > 0):
                where = f" for {product}" if product is not None else ""
                raise ValueError(
                    f"{info.field_name}{where} must be a finite price above 0, got {price}"
                )
        return value

    @field_validator("price_endings", mode="before")
    @classmethod
    def _endings_text(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [str(v) for v in value]
        return value

    @field_validator("price_endings")
    @classmethod
    def _endings_valid(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_ending(item)
        return value

    @property
    def min_margin(self) -> float | None:
        return None if self.min_margin_pct is None else self.min_margin_pct / 100.0

    @property
    def max_change(self) -> float | None:
        return None if self.max_change_pct is None else self.max_change_pct / 100.0

    @property
    def endings(self) -> list[float]:
        """Allowed price endings as fractions of a unit, sorted."""
        return sorted({parse_ending(e) for e in self.price_endings})


class RecommendationRequest(BaseModel):
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
                    },
                }
            ]
        },
    )

    filter: KeyFilter = Field(default_factory=dict, description=_FILTER_HELP)
    objective: Literal["margin", "revenue", "units"] = "margin"
    constraints: Constraints = Field(default_factory=Constraints)
    joint: StrictBool | None = Field(
        default=None, description="Price the products together (default: when cross effects)."
    )
    weeks: int = Field(default=13, ge=1, le=520, description="Horizon the volumes cover.")

    @property
    def filters(self) -> Filters:
        return normalise_filter(self.filter)


def check_promotion_columns(scenario: Scenario, known: Sequence[str]) -> None:
    """Refuse a promotion on a flag the pricing model was not trained with (it has no lift)."""
    for k, plan in enumerate(scenario.promotions):
        if plan.column not in known:
            listed = ", ".join(known) if known else "none: it was trained without promotions"
            raise DataError(
                f"promotion column '{plan.column}' is unknown to the pricing model "
                f"(known: {listed})",
                f"promotions[{k}].column",
            )


def validation_to_data_error(exc: ValidationError, prefix: str = "") -> DataError:
    """A pydantic error as one DataError naming the first bad field by its path."""
    first = exc.errors()[0]
    path = ".".join(str(p) for p in (prefix, *first.get("loc", ())) if p != "")
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return DataError(f"{path}: {message}" if path else message, path or prefix or None)


def parse_scenario(raw: Any) -> Scenario:
    """A scenario from a plain dict (file or test); errors name the offending field."""
    if not isinstance(raw, dict):
        raise DataError("a scenario must be a table/object", "scenario")
    try:
        return Scenario.model_validate(raw, context={INLINE_FILTERS: True})
    except ValidationError as exc:
        raise validation_to_data_error(exc) from None


def parse_recommendation(raw: Any) -> RecommendationRequest:
    """A recommendation request from a plain dict (file or test); errors name the field."""
    if not isinstance(raw, dict):
        raise DataError("a recommendation request must be a table/object", "request")
    try:
        return RecommendationRequest.model_validate(raw)
    except ValidationError as exc:
        raise validation_to_data_error(exc) from None


def as_timestamp(value: dt.date | None) -> pd.Timestamp | None:
    """A request date as a pandas timestamp (None stays None)."""
    return None if value is None else pd.Timestamp(value)
