"""Regression design for one product's demand: log prices, cross prices, promos, season, trend."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

YEAR_DAYS = 365.25
OWN = "own"
CROSS_PREFIX = "cross:"
COMP_PREFIX = "comp:"


@dataclass(frozen=True)
class Layout:
    """Which columns play which part; fixed at fit time and reused for prediction."""

    product: str
    market_keys: list[str]
    promo_columns: list[str]
    competitor_columns: list[str]
    controls: list[str]
    category_of: dict[str, str]
    fourier_order: int
    trend: bool
    origin: pd.Timestamp


def market_ids(frame: pd.DataFrame, market_keys: list[str]) -> np.ndarray:
    """One id per row for the market a row sells in (series keys without the product)."""
    if not market_keys:
        return np.zeros(len(frame), dtype=object)
    if len(market_keys) == 1:
        return frame[market_keys[0]].astype(str).to_numpy()
    return frame[market_keys].astype(str).agg("|".join, axis=1).to_numpy()


def log_price_table(frame: pd.DataFrame, layout: Layout) -> pd.DataFrame:
    """Log price of every product per (market, date): the source of cross prices."""
    wide = pd.DataFrame(
        {
            "market": market_ids(frame, layout.market_keys),
            "date": frame["date"].to_numpy(),
            "product": frame[layout.product].astype(str).to_numpy(),
            "lp": np.log(frame["price"].to_numpy(dtype=float)),
        }
    )
    return wide.pivot_table(index=["market", "date"], columns="product", values="lp")


def season_columns(dates: pd.Series, layout: Layout) -> dict[str, np.ndarray]:
    """Yearly Fourier terms and a linear trend in years from the fit's first date."""
    d = pd.DatetimeIndex(dates)
    angle = 2 * np.pi * (d.dayofyear.to_numpy() - 1) / YEAR_DAYS
    out: dict[str, np.ndarray] = {}
    for k in range(1, layout.fourier_order + 1):
        out[f"season_cos{k}"] = np.cos(k * angle)
        out[f"season_sin{k}"] = np.sin(k * angle)
    if layout.trend:
        out["trend"] = (d - layout.origin).days.to_numpy() / YEAR_DAYS
    return out


def neighbours(product: str, layout: Layout) -> list[str]:
    """Other products of the same category, whose prices enter this product's demand."""
    category = layout.category_of.get(product)
    return sorted(p for p, c in layout.category_of.items() if c == category and p != product)


def product_design(
    frame: pd.DataFrame,
    product: str,
    layout: Layout,
    prices: pd.DataFrame,
    fill: dict[str, float],
) -> tuple[pd.DataFrame, np.ndarray]:
    """Regressors (price terms first) and market ids for the rows of one product.

    A neighbour's price missing in a market-week is filled with its mean log price (`fill`),
    so rows are never dropped for a rival product's gap.
    """
    rows = frame[frame[layout.product].astype(str).to_numpy() == product]
    markets = market_ids(rows, layout.market_keys)
    columns: dict[str, np.ndarray] = {OWN: np.log(rows["price"].to_numpy(dtype=float))}
    lookup = pd.MultiIndex.from_arrays([markets, rows["date"].to_numpy()])
    pos = prices.index.get_indexer(lookup)
    for other in neighbours(product, layout):
        values = np.full(len(rows), np.nan)
        if other in prices.columns:
            col = prices[other].to_numpy()
            hit = pos >= 0
            values[hit] = col[pos[hit]]
        columns[CROSS_PREFIX + other] = np.where(np.isnan(values), fill.get(other, np.nan), values)
    for comp in layout.competitor_columns:
        values = np.log(rows[comp].to_numpy(dtype=float))
        columns[COMP_PREFIX + comp] = np.where(np.isnan(values), np.nanmean(values), values)
    for col in layout.promo_columns + layout.controls:
        columns[col] = rows[col].to_numpy(dtype=float)
    columns.update(season_columns(rows["date"], layout))
    design = pd.DataFrame(columns, index=rows.index)
    return design, markets


def price_terms(columns: list[str]) -> list[str]:
    """The regressors that are prices (own, cross, competitor)."""
    return [c for c in columns if c == OWN or c.startswith((CROSS_PREFIX, COMP_PREFIX))]


def demean(values: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Within-group demeaning (series fixed effects); returns demeaned values, codes, means."""
    codes, uniques = pd.factorize(groups)
    counts = np.bincount(codes, minlength=len(uniques)).astype(float)
    if values.ndim == 1:
        means = np.bincount(codes, weights=values, minlength=len(uniques)) / counts
        return values - means[codes], codes, means
    means = (
        np.vstack(
            [
                np.bincount(codes, weights=values[:, k], minlength=len(uniques))
                for k in range(values.shape[1])
            ]
        ).T
        / counts[:, None]
    )
    return values - means[codes], codes, means
