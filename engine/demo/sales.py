"""Demo sales: weekly store x product units from a known log-linear demand model.

Pure and deterministic given ``seed``; the truth dict holds every parameter, so tests can check
that the models recover levels, seasonality, promotion lift and own/cross/competitor elasticities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.demo.common import REGION_NAMES, YEAR_DAYS, _check_positive, _keyed, _names, _pick_names

SALES_COLUMNS = [
    "date",
    "region",
    "store",
    "product",
    "category",
    "units",
    "price",
    "cost",
    "promo",
    "comp_price_rival",
]
CATEGORY_NAMES = (
    "juice",
    "snacks",
    "dairy",
    "bakery",
    "frozen",
    "household",
    "personal_care",
    "beverages",
    "produce",
    "pantry",
)
CATEGORY_SIZE = 4
SEASON_LENGTH = 52
PROMO_LIFT = 0.25
HOLIDAY_LIFT = 0.3
PROMO_RATE = 0.10
DISPERSION = 0.01  # negative-binomial: Var = mu + DISPERSION * mu**2


def _weekly_dates(end: str, n_weeks: int) -> pd.DatetimeIndex:
    """n_weeks Mondays ending at the Monday on or before ``end``."""
    last = pd.Timestamp(end).normalize()
    last = last - pd.Timedelta(days=last.dayofweek)
    return pd.date_range(end=last, periods=n_weeks, freq="7D")


def holiday_weeks(dates: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """1.0 for weekly (Monday) dates in Thanksgiving week or the two weeks before Christmas."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    nov1 = pd.to_datetime({"year": d.year, "month": 11, "day": 1})
    first_thu = nov1 + pd.to_timedelta((3 - nov1.dt.dayofweek) % 7, unit="D")
    thanksgiving_monday = first_thu + pd.Timedelta(days=21 - 3)
    is_thanks = d.to_numpy() == thanksgiving_monday.to_numpy()
    is_xmas = (d.month == 12) & (d.day >= 11) & (d.day <= 24)
    return (is_thanks | np.asarray(is_xmas)).astype(float)


def _sales_truth(truth: dict) -> dict:
    """Accept the full truth dict or just its ``sales`` part."""
    return truth.get("sales", truth)


def _cross_effects(sales: pd.DataFrame, log_ratio: np.ndarray, t: dict) -> np.ndarray:
    """Sum over same-category products of cross elasticity x log price ratio, per store-week."""
    products = list(t["ref_price"])
    frame = pd.DataFrame(
        {
            "store": sales["store"].to_numpy(),
            "date": pd.to_datetime(sales["date"]).to_numpy(),
            "product": sales["product"].to_numpy(),
            "lr": log_ratio,
        }
    )
    wide = frame.pivot(index=["store", "date"], columns="product", values="lr")
    wide = wide.reindex(columns=products)
    pos = {p: k for k, p in enumerate(products)}
    coef = np.zeros((len(products), len(products)))
    for i, others in t["cross_elasticity"].items():
        for j, c in others.items():
            coef[pos[i], pos[j]] = c
    values = wide.to_numpy()
    missing = np.isnan(values)
    effects = np.where(missing, 0.0, values) @ coef.T
    effects[(missing.astype(float) @ (coef != 0).T) > 0] = np.nan
    rows = wide.index.get_indexer(pd.MultiIndex.from_arrays([frame["store"], frame["date"]]))
    cols = np.array([pos[p] for p in frame["product"]])
    return effects[rows, cols]


def true_log_demand(sales: pd.DataFrame, truth: dict) -> np.ndarray:
    """Expected log units per row (no noise) from the known demand model; NaN if inputs missing."""
    t = _sales_truth(truth)
    store = sales["store"].astype(str)
    product = sales["product"].astype(str)
    dates = pd.to_datetime(sales["date"])
    category = product.map(t["hierarchy"]["product"])
    level_table = pd.Series(
        {(s, p): v for s, per_product in t["level"].items() for p, v in per_product.items()}
    )
    level = level_table.reindex(pd.MultiIndex.from_arrays([store, product])).to_numpy()
    years = (dates - pd.Timestamp(t["start_date"])).dt.days.to_numpy() / YEAR_DAYS
    angle = 2 * np.pi * (dates.dt.dayofyear.to_numpy() - 1) / t["fourier_period_days"]
    seasonal = np.zeros(len(sales))
    for k in range(len(next(iter(t["fourier"].values()))["cos"])):
        cos_k = category.map({c: f["cos"][k] for c, f in t["fourier"].items()}).to_numpy()
        sin_k = category.map({c: f["sin"][k] for c, f in t["fourier"].items()}).to_numpy()
        seasonal += cos_k * np.cos((k + 1) * angle) + sin_k * np.sin((k + 1) * angle)
    ref = product.map(t["ref_price"]).to_numpy() * store.map(t["store_price_multiplier"]).to_numpy()
    own_lr = np.log(sales["price"].to_numpy(dtype=float) / ref)
    comp_lr = np.log(
        sales["comp_price_rival"].to_numpy(dtype=float)
        / product.map(t["ref_comp_price"]).to_numpy()
    )
    return (
        level
        + product.map(t["trend_per_year"]).to_numpy() * years
        + seasonal
        + t["holiday_lift"] * holiday_weeks(dates)
        + t["promo_lift"] * sales["promo"].to_numpy(dtype=float)
        + product.map(t["own_elasticity"]).to_numpy() * own_lr
        + _cross_effects(sales, own_lr, t)
        + product.map(t["competitor_elasticity"]).to_numpy() * comp_lr
    )


def _regular_price_paths(rng: np.random.Generator, n_series: int, n_weeks: int) -> np.ndarray:
    """Piecewise-constant log price multipliers: +-3-15% steps every 6-20 weeks, mean-reverting."""
    state = rng.uniform(-0.08, 0.08, n_series)
    countdown = rng.integers(1, 21, n_series)
    out = np.empty((n_series, n_weeks))
    for week in range(n_weeks):
        change = countdown == 0
        p_down = 1.0 / (1.0 + np.exp(-6.0 * state))
        sign = np.where(rng.random(n_series) < p_down, -1.0, 1.0)
        step = np.log1p(sign * rng.uniform(0.03, 0.15, n_series))
        state = np.where(change, np.clip(state + step, -0.3, 0.3), state)
        countdown = np.where(change, rng.integers(6, 21, n_series), countdown - 1)
        out[:, week] = state
    return out


def _competitor_paths(rng: np.random.Generator, n_series: int, n_weeks: int) -> np.ndarray:
    """Mean-reverting random walk (AR(1) on log scale) of a rival's price around its reference."""
    out = np.empty((n_series, n_weeks))
    x = rng.normal(0.0, 0.08, n_series)
    for week in range(n_weeks):
        x = 0.85 * x + rng.normal(0.0, 0.05, n_series)
        out[:, week] = x
    return out


def _fourier(rng: np.random.Generator, categories: list[str]) -> tuple[dict, dict]:
    """Per-category two-harmonic yearly seasonality; amplitude is the first harmonic's."""
    amplitude, fourier = {}, {}
    for cat in categories:
        amp = float(rng.uniform(0.15, 0.35))
        phase1, phase2 = rng.uniform(0, 2 * np.pi, 2)
        amp2 = 0.3 * amp
        amplitude[cat] = amp
        fourier[cat] = {
            "cos": [amp * float(np.cos(phase1)), amp2 * float(np.cos(phase2))],
            "sin": [amp * float(np.sin(phase1)), amp2 * float(np.sin(phase2))],
        }
    return amplitude, fourier


def generate_sales(
    seed: int = 0,
    n_regions: int = 3,
    stores_per_region: int = 8,
    n_products: int = 12,
    n_weeks: int = 160,
    end: str = "2026-11-16",
) -> tuple[pd.DataFrame, dict]:
    """Weekly store x product sales from a known log-linear demand model; returns (sales, truth)."""
    _check_positive(
        n_regions=n_regions,
        stores_per_region=stores_per_region,
        n_products=n_products,
        n_weeks=n_weeks,
    )
    rng = np.random.default_rng([seed, 11])
    regions = _pick_names(REGION_NAMES, n_regions, "Region")
    stores = _names("S", n_regions * stores_per_region)
    store_region = {s: regions[k // stores_per_region] for k, s in enumerate(stores)}
    products = _names("P", n_products)
    n_cats = -(-n_products // CATEGORY_SIZE)
    categories = _pick_names(CATEGORY_NAMES, n_cats, "category")
    product_cat = {p: categories[k // CATEGORY_SIZE] for k, p in enumerate(products)}
    dates = _weekly_dates(end, n_weeks)

    ref_price = _keyed(products, rng.uniform(1.5, 8.0, n_products), digits=2)
    store_mult = _keyed(stores, rng.uniform(0.95, 1.05, len(stores)), digits=4)
    ref_comp = {p: round(ref_price[p] * float(rng.uniform(0.9, 1.1)), 2) for p in products}
    own = _keyed(products, rng.uniform(-3.0, -1.2, n_products))
    comp_el = _keyed(products, rng.uniform(0.1, 0.4, n_products))
    trend = _keyed(products, rng.uniform(-0.08, 0.12, n_products))
    cross = {
        i: {
            j: float(rng.uniform(0.05, 0.5))
            for j in products
            if j != i and product_cat[j] == product_cat[i]
        }
        for i in products
    }
    amplitude, fourier = _fourier(rng, categories)
    base = rng.uniform(3.6, 5.4, n_products)
    store_fx = rng.normal(0.0, 0.2, len(stores))
    inter = rng.normal(0.0, 0.1, (len(stores), n_products))
    level = {
        s: {p: float(base[b] + store_fx[a] + inter[a, b]) for b, p in enumerate(products)}
        for a, s in enumerate(stores)
    }

    n_series = len(stores) * n_products
    regular = _regular_price_paths(rng, n_series, n_weeks)
    promo = (rng.random((n_series, n_weeks)) < PROMO_RATE).astype(np.int64)
    discount = rng.uniform(0.10, 0.30, (n_series, n_weeks)) * promo
    store_idx = np.repeat(np.arange(len(stores)), n_products)
    prod_idx = np.tile(np.arange(n_products), len(stores))
    ref_series = np.array(
        [
            ref_price[products[b]] * store_mult[stores[a]]
            for a, b in zip(store_idx, prod_idx, strict=True)
        ]
    )
    price = np.maximum(np.round(ref_series[:, None] * np.exp(regular) * (1 - discount), 2), 0.01)

    comp_walk = _competitor_paths(rng, n_regions * n_products, n_weeks)
    region_idx = store_idx // stores_per_region
    comp_ref = np.array([ref_comp[p] for p in products])
    comp_all = np.maximum(
        np.round(
            comp_ref[None, :, None] * np.exp(comp_walk.reshape(n_regions, n_products, n_weeks)), 2
        ),
        0.01,
    )
    comp = comp_all[region_idx, prod_idx]

    years = (dates - dates[0]).days.to_numpy() / YEAR_DAYS
    cost_base = np.array([ref_price[p] for p in products]) * rng.uniform(0.45, 0.7, n_products)
    drift = rng.uniform(-0.02, 0.04, n_products)
    cost_path = np.round(cost_base[:, None] * np.exp(np.outer(drift, years - years.mean())), 2)
    cost = np.maximum(cost_path[prod_idx], 0.01)

    sales = pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), n_series),
            "region": np.repeat([store_region[stores[a]] for a in store_idx], n_weeks),
            "store": np.repeat([stores[a] for a in store_idx], n_weeks),
            "product": np.repeat([products[b] for b in prod_idx], n_weeks),
            "category": np.repeat([product_cat[products[b]] for b in prod_idx], n_weeks),
            "units": np.zeros(n_series * n_weeks, dtype=np.int64),
            "price": price.ravel(),
            "cost": cost.ravel(),
            "promo": promo.ravel(),
            "comp_price_rival": comp.ravel(),
        }
    )
    unit_cost = sales.groupby("product")["cost"].mean()
    sales_truth = {
        "own_elasticity": own,
        "cross_elasticity": cross,
        "competitor_elasticity": comp_el,
        "unit_cost": {p: round(float(unit_cost[p]), 4) for p in products},
        "ref_price": ref_price,
        "ref_comp_price": ref_comp,
        "store_price_multiplier": store_mult,
        "promo_lift": PROMO_LIFT,
        "holiday_lift": HOLIDAY_LIFT,
        "holiday_rule": "Thanksgiving week (Mon-Sun) and the two weeks whose Monday is Dec 11-24",
        "holiday_dates": [d.strftime("%Y-%m-%d") for d in dates[holiday_weeks(dates) > 0]],
        "trend_per_year": trend,
        "seasonal_amplitude": amplitude,
        "fourier": fourier,
        "fourier_period_days": YEAR_DAYS,
        "season_length": SEASON_LENGTH,
        "level": level,
        "start_date": dates[0].strftime("%Y-%m-%d"),
        "end_date": dates[-1].strftime("%Y-%m-%d"),
        "dispersion": DISPERSION,
        "noise": "negative binomial: Var = mu + dispersion * mu^2",
        "keys": ["region", "store", "product"],
        "hierarchy": {"store": store_region, "product": product_cat},
    }
    truth = {"seed": int(seed), "sales": sales_truth}
    mu = np.exp(true_log_demand(sales, truth))
    gamma = rng.gamma(1.0 / DISPERSION, DISPERSION, len(sales))
    sales["units"] = rng.poisson(mu * gamma).astype(np.int64)
    return sales, truth
