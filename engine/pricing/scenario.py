"""Scenarios users write (JSON/TOML/API): price changes, promotion plans, recommendation asks.

Percentages are percents at this edge (`percent: -5` is a 5% cut) and fractions inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from engine.errors import DataError

Filter = dict[str, list[str]]
OBJECTIVES = ("margin", "revenue", "units")


@dataclass(frozen=True)
class PriceChange:
    """New price for the matching series: `percent` change or absolute `price` (one of them)."""

    filter: Filter
    percent: float | None = None
    price: float | None = None
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None


@dataclass(frozen=True)
class PromoPlan:
    """Run a promotion (flag column, default `promo`) on the matching series in a date range."""

    filter: Filter
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    column: str = "promo"


@dataclass(frozen=True)
class Scenario:
    """A what-if: price changes and promotions over a date range, reported for a scope."""

    name: str = "scenario"
    price_changes: list[PriceChange] = field(default_factory=list)
    promotions: list[PromoPlan] = field(default_factory=list)
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    scope: Filter = field(default_factory=dict)


@dataclass(frozen=True)
class Ladder:
    """Product `above` stays at least `gap` (fraction) above product `below`."""

    above: str
    below: str
    gap: float


@dataclass(frozen=True)
class Constraints:
    """Business rules on recommended prices; None means no such rule."""

    min_margin: float | None = None
    max_change: float | None = None
    min_price: dict[str, float] | float | None = None
    max_price: dict[str, float] | float | None = None
    endings: list[float] = field(default_factory=list)
    ladders: list[Ladder] = field(default_factory=list)


@dataclass(frozen=True)
class RecommendationRequest:
    """Which products to price, for which objective, under which constraints."""

    filter: Filter = field(default_factory=dict)
    objective: str = "margin"
    constraints: Constraints = field(default_factory=Constraints)
    joint: bool | None = None
    weeks: int = 13


def as_filter(raw: Any, where: str) -> Filter:
    """{'product': 'P01'} or {'product': ['P01', 'P02']} -> {'product': ['P01', 'P02']}."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DataError(f"{where} must be a table of key = value(s)", where)
    out: Filter = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        out[str(key)] = [str(v) for v in values]
    return out


def _date(raw: Any, where: str) -> pd.Timestamp | None:
    if raw is None or raw == "":
        return None
    try:
        return pd.Timestamp(raw)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{where} '{raw}' is not a date like 2027-01-04", where) from exc


def _number(raw: Any, where: str) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where} must be a number, got '{raw}'", where) from exc


def _filter_of(item: dict, where: str) -> Filter:
    """A change's target: an explicit `filter` table, or key columns given inline."""
    if "filter" in item:
        return as_filter(item["filter"], f"{where}.filter")
    reserved = {"percent", "price", "start", "end", "column"}
    return as_filter({k: v for k, v in item.items() if k not in reserved}, where)


def parse_scenario(raw: dict[str, Any]) -> Scenario:
    """Scenario from a plain dict (file or request body); errors name the offending field."""
    if not isinstance(raw, dict):
        raise DataError("a scenario must be a table/object", "scenario")
    changes = []
    for k, item in enumerate(raw.get("price_changes") or []):
        where = f"price_changes[{k}]"
        percent = _number(item.get("percent"), f"{where}.percent")
        price = _number(item.get("price"), f"{where}.price")
        if (percent is None) == (price is None):
            raise DataError(f"{where} needs exactly one of 'percent' or 'price'", where)
        if price is not None and price <= 0:
            raise DataError(f"{where}.price must be positive, got {price}", f"{where}.price")
        if percent is not None and percent <= -100:
            raise DataError(f"{where}.percent must be above -100", f"{where}.percent")
        changes.append(
            PriceChange(
                _filter_of(item, where),
                None if percent is None else percent / 100.0,
                price,
                _date(item.get("start"), f"{where}.start"),
                _date(item.get("end"), f"{where}.end"),
            )
        )
    promos = []
    for k, item in enumerate(raw.get("promotions") or []):
        where = f"promotions[{k}]"
        promos.append(
            PromoPlan(
                _filter_of(item, where),
                _date(item.get("start"), f"{where}.start"),
                _date(item.get("end"), f"{where}.end"),
                str(item.get("column", "promo")),
            )
        )
    scenario = Scenario(
        name=str(raw.get("name", "scenario")),
        price_changes=changes,
        promotions=promos,
        start=_date(raw.get("start"), "start"),
        end=_date(raw.get("end"), "end"),
        scope=as_filter(raw.get("scope"), "scope"),
    )
    if scenario.start is not None and scenario.end is not None and scenario.end < scenario.start:
        raise DataError("end is before start", "end")
    return scenario


def _per_product(raw: Any, where: str) -> dict[str, float] | float | None:
    if raw is None or isinstance(raw, int | float):
        return _number(raw, where)
    if isinstance(raw, dict):
        return {str(k): float(_number(v, f"{where}.{k}")) for k, v in raw.items()}
    raise DataError(f"{where} must be a number or a table product = price", where)


def parse_ending(raw: Any) -> float:
    """'.99', '0.99', 0.99 or 99 -> 0.99 (the cents a price must end in)."""
    text = str(raw).strip()
    try:
        value = float(text)
    except ValueError as exc:
        raise DataError(f"price ending '{raw}' is not like .99", "price_endings") from exc
    if value >= 1:
        value = value / 100.0
    if not 0 <= value < 1:
        raise DataError(f"price ending '{raw}' is not like .99", "price_endings")
    return round(value, 2)


def parse_constraints(raw: dict[str, Any] | None) -> Constraints:
    """Constraints from percents and prices as users write them."""
    raw = raw or {}
    min_margin = _number(raw.get("min_margin_pct"), "min_margin_pct")
    max_change = _number(raw.get("max_change_pct"), "max_change_pct")
    if min_margin is not None and not -100 < min_margin < 100:
        raise DataError("min_margin_pct must be between -100 and 100", "min_margin_pct")
    if max_change is not None and not 0 <= max_change < 100:
        raise DataError("max_change_pct must be between 0 and 100", "max_change_pct")
    ladders = []
    for k, item in enumerate(raw.get("ladders") or []):
        where = f"ladders[{k}]"
        if not isinstance(item, dict) or "above" not in item or "below" not in item:
            raise DataError(f"{where} needs 'above' and 'below' products", where)
        gap = _number(item.get("pct", 0.0), f"{where}.pct") or 0.0
        ladders.append(Ladder(str(item["above"]), str(item["below"]), gap / 100.0))
    return Constraints(
        min_margin=None if min_margin is None else min_margin / 100.0,
        max_change=None if max_change is None else max_change / 100.0,
        min_price=_per_product(raw.get("min_price"), "min_price"),
        max_price=_per_product(raw.get("max_price"), "max_price"),
        endings=sorted({parse_ending(e) for e in raw.get("price_endings") or []}),
        ladders=ladders,
    )


def parse_recommendation(raw: dict[str, Any]) -> RecommendationRequest:
    """A recommendation ask from a plain dict (file or request body)."""
    if not isinstance(raw, dict):
        raise DataError("a recommendation request must be a table/object", "request")
    objective = str(raw.get("objective", "margin"))
    if objective not in OBJECTIVES:
        raise DataError(
            f"objective '{objective}' is not one of {', '.join(OBJECTIVES)}", "objective"
        )
    weeks = int(_number(raw.get("weeks", 13), "weeks") or 13)
    if weeks < 1:
        raise DataError("weeks must be at least 1", "weeks")
    joint = raw.get("joint")
    return RecommendationRequest(
        filter=as_filter(raw.get("filter"), "filter"),
        objective=objective,
        constraints=parse_constraints(raw.get("constraints")),
        joint=None if joint is None else bool(joint),
        weeks=weeks,
    )
