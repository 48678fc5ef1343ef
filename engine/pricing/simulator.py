"""What-if simulator: baseline forecast x price response, per week and quarter, with intervals.

The baseline is the sales champion's forecast, read as demand with prices held at their last
observed level. A scenario multiplies it by exp(sum_j e_ij * dlog p_j + promo lift), so the
price effect is applied once (never on top of a forecast that already moved prices). A
scenario without changes returns the baseline exactly. Intervals combine the forecast's sample
paths with one draw of the elasticities per path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.calendar import quarter_label, quarter_weights
from engine.errors import DataError, NotFoundError
from engine.planning import select_series
from engine.pricing.scenario import Scenario
from engine.pricing.sources import BaselineSource, PricingSource, market_keys, series_prices

MEASURES = ("units", "revenue", "margin")
TOTAL = "TOTAL"


@dataclass(frozen=True)
class WhatIf:
    """Per product (and TOTAL): weekly and quarterly baseline, scenario and change, 95% bands."""

    name: str
    weekly: pd.DataFrame
    quarterly: pd.DataFrame
    summary: pd.DataFrame  # one row per product over the whole range


def _date_mask(
    dates: pd.DatetimeIndex, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> np.ndarray:
    mask = np.ones(len(dates), dtype=bool)
    if start is not None:
        mask &= dates >= start
    if end is not None:
        mask &= dates <= end
    return mask


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(values.astype(str))
    return codes, pd.Index(uniques)


def check_priceable(pricing: PricingSource, products: pd.Series, k: int = 0) -> None:
    """A price change needs a usable own elasticity: unknown is 404, implausible is 422."""
    known = list(pricing.products)
    unknown = sorted(set(products) - set(known))
    if unknown:
        raise NotFoundError(
            f"price_changes[{k}]: the pricing model has no elasticity for product '{unknown[0]}'",
            "product",
        )
    _, _, usable = pricing.matrix(known)
    bad = sorted(p for p in set(products) if not usable[known.index(p), known.index(p)])
    if bad:
        row = pricing.elasticities
        own = row[(row["product"] == bad[0]) & (row["kind"] == "own")].iloc[0]
        raise DataError(
            f"price_changes[{k}]: the own elasticity of product '{bad[0]}' is implausible "
            f"({own['elasticity']:.2f}, 95% CI {own['lo_95']:.2f} to {own['hi_95']:.2f}), "
            "so the model cannot say what a price change does; retrain with more price variation",
            "product",
        )


def scenario_prices(
    baseline: BaselineSource, pricing: PricingSource, scenario: Scenario, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(current price, cost, scenario price series x periods) over the chosen periods."""
    p0, cost = series_prices(baseline, pricing)
    dates = baseline.dates[columns]
    prices = np.repeat(p0[:, None], len(dates), axis=1)
    for k, change in enumerate(scenario.price_changes):
        rows = select_series(baseline.index, change.filter)
        check_priceable(pricing, baseline.index["product"].astype(str).iloc[rows], k)
        cols = np.flatnonzero(_date_mask(dates, change.start, change.end))
        block = np.ix_(rows, cols)
        if change.percent is not None:
            prices[block] = prices[block] * (1.0 + change.percent)
        else:
            prices[block] = change.price
    return p0, cost, prices


def simulate(
    baseline: BaselineSource,
    pricing: PricingSource,
    scenario: Scenario,
    fiscal_start_month: int = 1,
    seed: int = 0,
) -> WhatIf:
    """Run a scenario against the baseline; see the module docstring for the model."""
    columns = np.flatnonzero(_date_mask(baseline.dates, scenario.start, scenario.end))
    if columns.size == 0:
        raise DataError(
            f"the scenario's dates miss the forecast ({baseline.dates[0].date()} to "
            f"{baseline.dates[-1].date()})",
            "start",
        )
    dates = baseline.dates[columns]
    index = baseline.index
    p0, cost, prices = scenario_prices(baseline, pricing, scenario, columns)
    products = list(pricing.products)
    prod_pos = {p: k for k, p in enumerate(products)}
    series_product = index["product"].astype(str).to_numpy()
    priced = ~np.isnan(p0) & np.isin(series_product, products)
    scope = select_series(index, scenario.scope) if scenario.scope else np.arange(len(index))
    scope = scope[priced[scope]]
    if scope.size == 0:
        raise NotFoundError("no priced series in the scenario's scope", "scope")

    dlog = np.log(prices / p0[:, None])
    dlog[~priced] = 0.0
    mkeys = market_keys(index, baseline.keys)
    market = (
        index[mkeys].astype(str).agg("|".join, axis=1)
        if mkeys
        else pd.Series("all", index=index.index)
    )
    mk, markets = _codes(market)
    pj = np.array([prod_pos.get(p, -1) for p in series_product])
    grid = np.zeros((len(markets), len(products), len(dates)))
    ok = pj >= 0
    grid[mk[ok], pj[ok]] = dlog[ok]

    promo = np.zeros((len(index), len(dates)))
    lift = np.zeros(len(index))
    lift_se = np.zeros(len(index))
    for plan in scenario.promotions:
        rows = select_series(index, plan.filter)
        cols = np.flatnonzero(_date_mask(dates, plan.start, plan.end))
        promo[np.ix_(rows, cols)] = 1.0
        est, se = pricing.promo_lift(products, plan.column)
        lift[rows] = np.where(pj[rows] >= 0, est[np.maximum(pj[rows], 0)], 0.0)
        lift_se[rows] = np.where(pj[rows] >= 0, se[np.maximum(pj[rows], 0)], 0.0)

    est, se, usable = pricing.matrix(products)
    est, se = np.where(usable, est, 0.0), np.where(usable, se, 0.0)
    x = grid[mk[scope]]  # scope x products x periods: log price changes the series responds to
    rows_pj = pj[scope]
    effect = np.einsum("nj,njh->nh", est[rows_pj], x) + lift[scope, None] * promo[scope]
    mult = np.exp(effect)

    mean = baseline.mean[scope][:, columns]
    paths = baseline.paths[scope][:, :, columns]
    n_paths = paths.shape[1]
    affected = np.flatnonzero(np.any(x != 0, axis=(1, 2)) | np.any(promo[scope] != 0, axis=1))
    scen_paths = paths.copy()
    if affected.size:
        rng = np.random.default_rng(seed)
        draws = est[None] + se[None] * rng.standard_normal((n_paths, *est.shape))
        lift_draws = lift[scope][affected][None] + lift_se[scope][affected][
            None
        ] * rng.standard_normal((n_paths, affected.size))
        eff_s = np.einsum("snj,njh->snh", draws[:, rows_pj[affected]], x[affected])
        eff_s += lift_draws[:, :, None] * promo[scope][affected][None]
        scen_paths[affected] = paths[affected] * np.exp(eff_s).transpose(1, 0, 2)

    groups = series_product[scope]
    return _assemble(
        scenario.name,
        groups,
        dates,
        baseline.freq,
        fiscal_start_month,
        mean,
        mean * mult,
        paths,
        scen_paths,
        np.repeat(p0[scope, None], len(dates), axis=1),
        prices[scope],
        cost[scope],
    )


def _measures(units: np.ndarray, price: np.ndarray, cost: np.ndarray) -> dict[str, np.ndarray]:
    """units, revenue, margin for (series, [paths,] periods) arrays."""
    if units.ndim == 3:
        price, cost_ = price[:, None, :], cost[:, None, None]
    else:
        cost_ = cost[:, None]
    return {"units": units, "revenue": units * price, "margin": units * (price - cost_)}


def _group_sum(onehot: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum series (axis 0) of a series x paths x periods array into groups, via one matmul."""
    n, n_paths, h = values.shape
    return (onehot @ values.reshape(n, n_paths * h)).reshape(len(onehot), n_paths, h)


def _assemble(
    name: str,
    groups: np.ndarray,
    dates: pd.DatetimeIndex,
    freq: str,
    fiscal_start_month: int,
    base_mean: np.ndarray,
    scen_mean: np.ndarray,
    base_paths: np.ndarray,
    scen_paths: np.ndarray,
    base_price: np.ndarray,
    scen_price: np.ndarray,
    cost: np.ndarray,
) -> WhatIf:
    """Sum series into products and TOTAL, then weeks into quarters and the whole range."""
    labels = [*sorted(set(groups)), TOTAL]
    onehot = np.array(
        [(groups == g) if g != TOTAL else np.ones(len(groups), bool) for g in labels], float
    )
    bm, sm_ = _measures(base_mean, base_price, cost), _measures(scen_mean, scen_price, cost)
    bp, sp = _measures(base_paths, base_price, cost), _measures(scen_paths, scen_price, cost)
    weights = quarter_weights(dates, freq, fiscal_start_month)
    agg = {}
    for m in MEASURES:  # product x [paths x] periods, summed over series once
        agg[m] = (
            onehot @ bm[m],
            onehot @ sm_[m],
            _group_sum(onehot, bp[m]),
            _group_sum(onehot, sp[m]),
        )
    spans = {
        "weekly": (None, list(dates)),
        "quarterly": (weights.to_numpy(), [quarter_label(q) for q in weights.columns]),
        "summary": (np.ones((len(dates), 1)), ["all"]),
    }
    out = {}
    for span, (w, period_labels) in spans.items():
        frame = pd.DataFrame(
            {
                "product": np.repeat(labels, len(period_labels)),
                "period": np.tile(np.array(period_labels, dtype=object), len(labels)),
            }
        )
        for m in MEASURES:
            base, scen, b_paths, s_paths = agg[m]
            if w is not None:
                base, scen = base @ w, scen @ w
                b_paths, s_paths = b_paths @ w, s_paths @ w
            lo, hi = np.quantile(s_paths, [0.025, 0.975], axis=1)
            dlo, dhi = np.quantile(s_paths - b_paths, [0.025, 0.975], axis=1)
            frame[f"baseline_{m}"] = base.ravel()
            frame[m] = scen.ravel()
            frame[f"{m}_lo_95"] = lo.ravel()
            frame[f"{m}_hi_95"] = hi.ravel()
            frame[f"change_{m}"] = (scen - base).ravel()
            frame[f"change_{m}_lo_95"] = dlo.ravel()
            frame[f"change_{m}_hi_95"] = dhi.ravel()
        key = {"weekly": "date", "quarterly": "quarter", "summary": None}[span]
        if key is None:
            frame = frame.drop(columns="period")
        else:
            frame = frame.rename(columns={"period": key})
        out[span] = frame
    return WhatIf(name, out["weekly"], out["quarterly"], out["summary"])


def sweep(
    baseline: BaselineSource,
    pricing: PricingSource,
    target: dict[str, list[str]],
    percents: np.ndarray,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    n_draws: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """Many what-ifs at once: one uniform percent price change of `target`, totals per product.

    Vectorised over the points (a 50-point demand curve is one pass); intervals come from
    elasticity draws around the baseline mean, so use `simulate` for full forecast bands.
    """
    columns = np.flatnonzero(_date_mask(baseline.dates, start, end))
    if columns.size == 0:
        raise DataError("the sweep's dates miss the forecast", "start")
    index = baseline.index
    products = list(pricing.products)
    prod_pos = {p: k for k, p in enumerate(products)}
    p0, cost = series_prices(baseline, pricing)
    series_product = index["product"].astype(str).to_numpy()
    pj = np.array([prod_pos.get(p, -1) for p in series_product])
    priced = ~np.isnan(p0) & (pj >= 0)
    rows = select_series(index, target)
    check_priceable(pricing, index["product"].astype(str).iloc[rows])
    targeted = np.zeros(len(index), dtype=bool)
    targeted[rows] = True
    mkeys = market_keys(index, baseline.keys)
    market = (
        index[mkeys].astype(str).agg("|".join, axis=1)
        if mkeys
        else pd.Series("all", index=index.index)
    )
    mk, markets = _codes(market)
    hit = np.zeros((len(markets), len(products)))
    ok = targeted & priced
    hit[mk[ok], pj[ok]] = 1.0
    keep = np.flatnonzero(priced)
    x = hit[mk[keep]]  # series x products: which prices move in the series' market
    est, se, usable = pricing.matrix(products)
    est, se = np.where(usable, est, 0.0), np.where(usable, se, 0.0)
    base_units = baseline.mean[keep][:, columns].sum(axis=1)
    a = np.einsum("nj,nj->n", est[pj[keep]], x)
    rng = np.random.default_rng(seed)
    draws = est[None] + se[None] * rng.standard_normal((n_draws, *est.shape))
    a_s = np.einsum("snj,nj->sn", draws[:, pj[keep]], x)
    lk = np.log1p(np.asarray(percents, dtype=float) / 100.0)  # points
    price = p0[keep][None, :] * np.where(targeted[keep][None, :], np.exp(lk)[:, None], 1.0)
    units = base_units[None] * np.exp(lk[:, None] * a[None])  # points x series
    units_s = base_units[None, None] * np.exp(
        lk[:, None, None] * a_s[None]
    )  # points x draws x series
    labels = [*sorted(set(series_product[keep])), TOTAL]
    onehot = np.array(
        [(series_product[keep] == g) if g != TOTAL else np.ones(keep.size, bool) for g in labels],
        float,
    )
    out = []
    for m in MEASURES:
        factor = {"units": 1.0, "revenue": price, "margin": price - cost[keep][None]}[m]
        point = (units * factor) @ onehot.T  # points x groups
        sampled = (units_s * (factor[:, None] if m != "units" else 1.0)) @ onehot.T
        base = (
            base_units * ({"units": 1.0, "revenue": p0[keep], "margin": p0[keep] - cost[keep]}[m])
        ) @ onehot.T
        lo, hi = np.quantile(sampled, [0.025, 0.975], axis=1)
        out.append((m, point, lo, hi, base))
    frame = pd.DataFrame(
        {
            "percent": np.repeat(np.asarray(percents, dtype=float), len(labels)),
            "product": labels * len(lk),
        }
    )
    for m, point, lo, hi, base in out:
        frame[f"baseline_{m}"] = np.tile(base, len(lk))
        frame[m] = point.ravel()
        frame[f"{m}_lo_95"] = lo.ravel()
        frame[f"{m}_hi_95"] = hi.ravel()
    return frame
