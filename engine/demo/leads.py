"""Demo leads: attributes, activity events and conversions from a known logistic rule.

Pure and deterministic given ``seed``; the truth dict holds the rule so tests can check recovery.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from engine.core.contracts.leads import ACTIVITY_COUNTS
from engine.demo.common import REGION_NAMES, _check_positive

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

_TRANSFORM_FNS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "identity": lambda x: x,
    "log1p": np.log1p,
    "log": np.log,
    "per10": lambda x: x / 10.0,
}


def _leads_truth(truth: dict) -> dict:
    """Accept the full truth dict or just its ``leads`` part."""
    return truth.get("leads", truth)


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
