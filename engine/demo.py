"""Synthetic demo data with known ground truth, so tests can check that models recover it.

Everything here is pure and deterministic given ``seed``; the only I/O is ``write_demo_data``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine.errors import LodestarError

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
LEAD_COLUMNS = [
    "lead_id",
    "created_date",
    "source",
    "region",
    "industry",
    "company_size",
    "site_visits",
    "page_views",
    "email_opens",
    "email_clicks",
    "downloads",
    "form_fills",
    "webinars",
    "time_on_site",
    "deal_value",
    "converted",
    "conversion_date",
]
EVENT_COLUMNS = ["lead_id", "timestamp", "activity"]
ACTIVITY_COUNTS = {
    "site_visit": "site_visits",
    "page_view": "page_views",
    "email_open": "email_opens",
    "email_click": "email_clicks",
    "download": "downloads",
    "form_fill": "form_fills",
    "webinar": "webinars",
}

REGION_NAMES = ("North", "South", "West", "East", "Central", "Coastal", "Mountain", "Lakes")
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
YEAR_DAYS = 365.25
PROMO_LIFT = 0.25
HOLIDAY_LIFT = 0.3
PROMO_RATE = 0.10
DISPERSION = 0.01  # negative-binomial: Var = mu + DISPERSION * mu**2

LEAD_SOURCES = ("web", "referral", "event", "paid_search", "email", "partner")
SOURCE_SHARES = (0.32, 0.12, 0.10, 0.22, 0.14, 0.10)
SOURCE_EFFECT = {
    "web": 0.0,
    "referral": 1.1,
    "event": 0.55,
    "paid_search": -0.45,
    "email": -0.2,
    "partner": 0.8,
}
INDUSTRIES = ("software", "finance", "healthcare", "manufacturing", "retail", "education")
INDUSTRY_EFFECT = {
    "software": 0.55,
    "finance": 0.25,
    "healthcare": 0.0,
    "manufacturing": -0.2,
    "retail": -0.45,
    "education": -0.7,
}
LEAD_REGIONS = REGION_NAMES[:4]
LEAD_TRANSFORMS = {
    "log1p_site_visits": {"column": "site_visits", "fn": "log1p"},
    "email_clicks": {"column": "email_clicks", "fn": "identity"},
    "form_fills": {"column": "form_fills", "fn": "identity"},
    "downloads": {"column": "downloads", "fn": "identity"},
    "time_on_site_per10": {"column": "time_on_site", "fn": "per10"},
    "log_company_size": {"column": "company_size", "fn": "log"},
}
LEAD_COEFFICIENTS = {
    "log1p_site_visits": 0.8,
    "email_clicks": 0.45,
    "form_fills": 0.8,
    "downloads": 0.45,
    "time_on_site_per10": 0.18,
    "log_company_size": 0.36,
}
LEAD_BASE_RATE = 0.20
HISTORY_DAYS = 730
EVENT_WINDOW_DAYS = 30
MAX_CONVERSION_LAG_DAYS = 45

_TRANSFORM_FNS = {
    "identity": lambda x: x,
    "log1p": np.log1p,
    "log": np.log,
    "per10": lambda x: x / 10.0,
}


def _names(prefix: str, n: int) -> list[str]:
    """Zero-padded identifiers like S01..S24 (wider when n needs it)."""
    width = max(2, len(str(n)))
    return [f"{prefix}{k + 1:0{width}d}" for k in range(n)]


def _pick_names(pool: tuple[str, ...], n: int, fallback: str) -> list[str]:
    """First n names from a pool, then generic fallbacks so any size works."""
    return [pool[k] if k < len(pool) else f"{fallback}{k + 1}" for k in range(n)]


def _keyed(keys: list[str], values: np.ndarray, digits: int | None = None) -> dict[str, float]:
    """Name -> plain float (optionally rounded), so truth stays JSON-serialisable."""
    return {
        k: float(v if digits is None else round(v, digits))
        for k, v in zip(keys, values, strict=True)
    }


def _check_positive(**sizes: int) -> None:
    """Reject non-positive sizes early, with the offending field named."""
    for name, value in sizes.items():
        if int(value) < 1:
            raise LodestarError(f"{name} must be >= 1, got {value}", field=name)


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


def _leads_truth(truth: dict) -> dict:
    """Accept the full truth dict or just its ``leads`` part."""
    return truth.get("leads", truth)


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


def _lead_logit(leads: pd.DataFrame, t: dict) -> np.ndarray:
    """Log-odds of conversion per lead under the known rule."""
    logit = np.full(len(leads), float(t["intercept"]))
    for name, spec in t["transforms"].items():
        x = leads[spec["column"]].to_numpy(dtype=float)
        logit += t["coefficients"][name] * _TRANSFORM_FNS[spec["fn"]](x)
    logit += leads["source"].map(t["source_effect"]).to_numpy(dtype=float)
    logit += leads["industry"].map(t["industry_effect"]).to_numpy(dtype=float)
    return logit


def true_conversion_probability(leads: pd.DataFrame, truth: dict) -> np.ndarray:
    """Oracle P(convert) per lead from the known logistic rule."""
    return 1.0 / (1.0 + np.exp(-_lead_logit(leads, _leads_truth(truth))))


def _calibrate_intercept(rest: np.ndarray, target: float) -> float:
    """Intercept that makes the mean logistic probability equal ``target`` (bisection)."""
    lo, hi = -20.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if np.mean(1.0 / (1.0 + np.exp(-(mid + rest)))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _lead_features(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Engagement counts correlated through a latent interest, plus firmographics."""
    z = rng.normal(0.0, 1.0, n)
    source = rng.choice(LEAD_SOURCES, n, p=SOURCE_SHARES)
    visits = rng.poisson(np.exp(0.9 + 0.45 * z))
    page_views = visits + rng.poisson(2.5 * visits * np.exp(0.2 * rng.normal(size=n)))
    opens = rng.poisson(np.exp(1.0 + 0.35 * z))
    clicks = rng.binomial(opens, 1.0 / (1.0 + np.exp(-(-1.3 + 0.5 * z))))
    webinar_rate = np.where(source == "event", 0.8, 0.2) * np.exp(0.4 * z)
    time_on_site = np.where(visits > 0, rng.gamma(np.maximum(visits, 1) * 1.5, 2.0), 0.0)
    company_size = np.clip(np.round(np.exp(rng.normal(np.log(120), 1.3, n))), 1, 200_000)
    industry = rng.choice(INDUSTRIES, n)
    industry_scale = (
        pd.Series(industry)
        .map(
            {
                "software": 1.3,
                "finance": 1.5,
                "healthcare": 1.2,
                "manufacturing": 1.0,
                "retail": 0.8,
                "education": 0.6,
            }
        )
        .to_numpy()
    )
    deal_value = 400.0 * company_size**0.6 * industry_scale * np.exp(rng.normal(0.0, 0.4, n))
    return pd.DataFrame(
        {
            "source": source,
            "region": rng.choice(LEAD_REGIONS, n),
            "industry": industry,
            "company_size": company_size.astype(np.int64),
            "site_visits": visits.astype(np.int64),
            "page_views": page_views.astype(np.int64),
            "email_opens": opens.astype(np.int64),
            "email_clicks": clicks.astype(np.int64),
            "downloads": rng.poisson(np.exp(-0.6 + 0.55 * z)).astype(np.int64),
            "form_fills": rng.poisson(np.exp(-1.2 + 0.55 * z)).astype(np.int64),
            "webinars": rng.poisson(webinar_rate).astype(np.int64),
            "time_on_site": np.round(time_on_site, 2),
            "deal_value": np.round(np.maximum(deal_value, 1.0), 2),
        }
    )


def _lead_events(rng: np.random.Generator, leads: pd.DataFrame) -> pd.DataFrame:
    """Activity log whose per-lead counts match the table, inside each lead's activity window."""
    created = leads["created_date"].to_numpy()
    window = np.full(len(leads), np.timedelta64(EVENT_WINDOW_DAYS, "D"))
    conv = leads["conversion_date"].to_numpy()
    has_conv = ~np.isnat(conv)
    window[has_conv] = np.minimum(window[has_conv], conv[has_conv] - created[has_conv])
    window_s = window.astype("timedelta64[s]").astype(np.int64)
    parts = []
    for activity, column in ACTIVITY_COUNTS.items():
        idx = np.repeat(np.arange(len(leads)), leads[column].to_numpy())
        offset = np.floor(rng.random(len(idx)) * window_s[idx]).astype(np.int64)
        parts.append(
            pd.DataFrame(
                {
                    "lead_id": leads["lead_id"].to_numpy()[idx],
                    "timestamp": created[idx] + offset.astype("timedelta64[s]"),
                    "activity": activity,
                }
            )
        )
    events = pd.concat(parts, ignore_index=True)
    events["timestamp"] = events["timestamp"].astype("datetime64[ns]")
    return events.sort_values(["lead_id", "timestamp", "activity"], kind="stable").reset_index(
        drop=True
    )


def generate_leads(
    seed: int = 0, n_leads: int = 6000, end: str = "2026-11-16"
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Leads under a known logistic conversion rule and activity log: (leads, events, truth)."""
    _check_positive(n_leads=n_leads)
    rng = np.random.default_rng([seed, 23])
    last = pd.Timestamp(end).normalize()
    leads = _lead_features(rng, n_leads)
    age_days = rng.integers(MAX_CONVERSION_LAG_DAYS, HISTORY_DAYS, n_leads)
    leads.insert(0, "created_date", last - pd.to_timedelta(age_days, unit="D"))
    width = max(6, len(str(n_leads)))
    leads.insert(0, "lead_id", [f"L{k + 1:0{width}d}" for k in range(n_leads)])

    leads_truth = {
        "intercept": 0.0,
        "coefficients": dict(LEAD_COEFFICIENTS),
        "transforms": {k: dict(v) for k, v in LEAD_TRANSFORMS.items()},
        "source_effect": dict(SOURCE_EFFECT),
        "industry_effect": dict(INDUSTRY_EFFECT),
    }
    rest = _lead_logit(leads, leads_truth)
    leads_truth["intercept"] = _calibrate_intercept(rest, LEAD_BASE_RATE)
    prob = true_conversion_probability(leads, leads_truth)
    converted = (rng.random(n_leads) < prob).astype(np.int64)
    lag = 1 + np.minimum(np.round(rng.gamma(2.0, 6.0, n_leads)), MAX_CONVERSION_LAG_DAYS - 1)
    conv_date = leads["created_date"] + pd.to_timedelta(lag, unit="D")
    leads["converted"] = converted
    leads["conversion_date"] = conv_date.where(converted == 1)
    leads = leads[LEAD_COLUMNS]
    events = _lead_events(rng, leads)
    leads_truth.update(
        {
            "base_rate": float(converted.mean()),
            "expected_rate": float(prob.mean()),
            "target_rate": LEAD_BASE_RATE,
            "event_window_days": EVENT_WINDOW_DAYS,
            "max_conversion_lag_days": MAX_CONVERSION_LAG_DAYS,
            "rule": "logit p = intercept + sum coef * transform(column) + source + industry",
        }
    )
    return leads, events, {"seed": int(seed), "leads": leads_truth}


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """One table to CSV (dates as ISO text, missing as empty)."""
    frame.to_csv(path, index=False)


def _write_json(obj: Any, path: Path) -> None:
    """Truth dict to pretty JSON."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=True), encoding="utf-8")


def _commit_files(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Move staged files into out_dir; on failure restore what was there before."""
    moved: list[str] = []
    backups: dict[str, Path] = {}
    try:
        for name in names:
            target = out_dir / name
            if target.exists():
                backups[name] = staging / f"{name}.bak"
                os.replace(target, backups[name])
            os.replace(staging / name, target)
            moved.append(name)
    except BaseException:
        for name in moved:
            (out_dir / name).unlink(missing_ok=True)
        for name, backup in backups.items():
            if backup.exists():
                os.replace(backup, out_dir / name)
        raise


def write_demo_data(out_dir: str | Path, seed: int = 0, **sizes: Any) -> dict[str, Path]:
    """Write sales/leads/lead_events CSVs and ground_truth.json atomically; returns their paths."""
    sales_keys = {"n_regions", "stores_per_region", "n_products", "n_weeks", "end"}
    lead_keys = {"n_leads", "end"}
    unknown = set(sizes) - sales_keys - lead_keys
    if unknown:
        raise LodestarError(f"unknown size keys: {sorted(unknown)}", field=sorted(unknown)[0])
    out_dir = Path(out_dir)
    sales, sales_truth = generate_sales(seed, **{k: v for k, v in sizes.items() if k in sales_keys})
    leads, events, leads_truth = generate_leads(
        seed, **{k: v for k, v in sizes.items() if k in lead_keys}
    )
    truth = {"seed": int(seed), "sales": sales_truth["sales"], "leads": leads_truth["leads"]}
    files = {
        "sales": "sales.csv",
        "leads": "leads.csv",
        "lead_events": "lead_events.csv",
        "truth": "ground_truth.json",
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    created = not out_dir.exists()
    try:
        _write_csv(sales, staging / files["sales"])
        _write_csv(leads, staging / files["leads"])
        _write_csv(events, staging / files["lead_events"])
        _write_json(truth, staging / files["truth"])
        out_dir.mkdir(exist_ok=True)
        _commit_files(staging, out_dir, list(files.values()))
    except BaseException:
        if created and out_dir.exists() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {key: out_dir / name for key, name in files.items()}
