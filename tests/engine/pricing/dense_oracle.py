"""The straightforward dense what-if, kept as the oracle the fast simulator is tested against.

It applies each change with its own lookups, prices every series x path x period and sums all of
them into products; `engine.pricing.simulator.simulate` must agree with it (and the benchmark
bench/whatif_speed.py times both). Same model as the simulator's module docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.calendar import quarter_label, quarter_weights
from engine.core.errors import NotFoundError
from engine.core.series import select_series
from engine.pricing.scenario import Scenario
from engine.pricing.simulator import (
    MEASURES,
    TOTAL,
    WhatIf,
    _date_mask,
    apply_change,
    check_priceable,
    scenario_columns,
)
from engine.pricing.sources import BaselineSource, PricingSource, market_codes, series_prices


def scenario_prices(
    baseline: BaselineSource, pricing: PricingSource, scenario: Scenario, columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(current price, cost, scenario price series x periods) over the chosen periods."""
    p0, cost = series_prices(baseline, pricing)
    dates = baseline.dates[columns]
    prices = np.repeat(p0[:, None], len(dates), axis=1)
    for k, change in enumerate(scenario.price_changes):
        rows = select_series(baseline.index, change.filters)
        check_priceable(pricing, baseline.index["product"].astype(str).iloc[rows], k)
        cols = np.flatnonzero(_date_mask(dates, change.start, change.end))
        block = np.ix_(rows, cols)
        apply_change(prices, block, change)
    return p0, cost, prices


def simulate_dense(
    baseline: BaselineSource, pricing: PricingSource, scenario: Scenario, fiscal: int = 1, seed=0
) -> WhatIf:
    """The dense what-if over every series and path: the fast path's oracle and peer."""
    columns = scenario_columns(baseline, scenario)
    dates = baseline.dates[columns]
    index = baseline.index
    p0, cost, prices = scenario_prices(baseline, pricing, scenario, columns)
    products = list(pricing.products)
    prod_pos = {p: k for k, p in enumerate(products)}
    series_product = index["product"].astype(str).to_numpy()
    priced = ~np.isnan(p0) & np.isin(series_product, products)
    scope = (
        select_series(index, scenario.scope_filters) if scenario.scope else np.arange(len(index))
    )
    scope = scope[priced[scope]]
    if scope.size == 0:
        raise NotFoundError("no priced series in the scenario's scope", "scope")

    dlog = np.log(prices / p0[:, None])
    dlog[~priced] = 0.0
    mk, n_markets = market_codes(index, baseline.keys)
    pj = np.array([prod_pos.get(p, -1) for p in series_product])
    grid = np.zeros((n_markets, len(products), len(dates)))
    ok = pj >= 0
    grid[mk[ok], pj[ok]] = dlog[ok]

    promo = np.zeros((len(index), len(dates)))
    lift = np.zeros(len(index))
    lift_se = np.zeros(len(index))
    for plan in scenario.promotions:
        rows = select_series(index, plan.filters)
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
        fiscal,
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
