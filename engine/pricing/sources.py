"""What the pricing engine needs from the champions, as protocols (no import of models/)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from engine.core.errors import DataError


class PricingSource(Protocol):
    """The price-sensitivity champion payload (models.pricing.PricingSet)."""

    current: pd.DataFrame  # per series: keys, product, price, cost as last observed
    keys: list[str]

    @property
    def products(self) -> list[str]: ...

    @property
    def has_cost(self) -> bool: ...

    @property
    def promo_columns(self) -> list[str]: ...

    @property
    def elasticities(self) -> pd.DataFrame: ...

    def matrix(self, products: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def promo_lift(
        self, products: list[str], column: str = "promo"
    ) -> tuple[np.ndarray, np.ndarray]: ...


class BaselineSource(Protocol):
    """The sales-forecast champion payload (ForecastSet): per-series mean and sample paths."""

    index: pd.DataFrame
    keys: list[str]
    freq: str
    dates: pd.DatetimeIndex
    mean: np.ndarray
    paths: np.ndarray


NO_COST_NOTE = (
    "margin is not reported: the pricing model was trained on history without a 'cost' column "
    "(retrain with cost to see margins)"
)


def require_cost(pricing: PricingSource, what: str, instead: str) -> None:
    """Refuse `what` (a margin objective or floor) when the pricing model knows no unit costs."""
    if not pricing.has_cost:
        raise DataError(
            f"{what} needs unit costs, but the pricing model was trained on history without a "
            f"'cost' column: {instead}, or retrain with a cost column",
            "cost",
        )


def expected_units(baseline: BaselineSource) -> np.ndarray:
    """Expected units per series and period at current prices: the mean of the sample paths.

    The planner's quarter totals are sums of these paths too, so a what-if without changes adds
    up to the planner's numbers (the paths carry the forecast's bias correction; the point
    forecast `mean` does not).
    """
    return np.asarray(baseline.paths.mean(axis=1, dtype=np.float64))


def market_keys(index: pd.DataFrame, keys: list[str]) -> list[str]:
    """Keys that locate where a product sells (series keys other than product and category)."""
    return [k for k in keys if k not in ("product", "category")]


def market_codes(index: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, int]:
    """(market code per series, number of markets); a market's series see each other's prices."""
    mkeys = market_keys(index, keys)
    market = (
        index[mkeys].astype(str).agg("|".join, axis=1)
        if mkeys
        else pd.Series("all", index=index.index)
    )
    codes, uniques = pd.factorize(market.astype(str))
    return np.asarray(codes), len(uniques)


def series_prices(
    baseline: BaselineSource, pricing: PricingSource
) -> tuple[np.ndarray, np.ndarray]:
    """Last observed price and cost for every baseline series (product median where unseen)."""
    index = baseline.index
    current = pricing.current
    join = [k for k in baseline.keys if k in current.columns]
    if "product" not in index.columns or "product" not in join:
        raise DataError(
            "the sales forecast has no 'product' key, so prices cannot be matched to it: "
            "train the forecast on product-level history",
            "product",
        )
    merged = (
        index[join]
        .astype(str)
        .merge(
            current.assign(**{k: current[k].astype(str) for k in join})[[*join, "price", "cost"]],
            on=join,
            how="left",
        )
    )
    by_product = current.groupby(current["product"].astype(str))[["price", "cost"]].median()
    products = index["product"].astype(str)
    price = merged["price"].to_numpy(dtype=float)
    cost = merged["cost"].to_numpy(dtype=float)
    price = np.where(
        np.isnan(price), products.map(by_product["price"]).to_numpy(dtype=float), price
    )
    cost = np.where(np.isnan(cost), products.map(by_product["cost"]).to_numpy(dtype=float), cost)
    return price, cost
