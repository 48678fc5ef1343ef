"""The straightforward dense what-if, kept as the oracle the fast simulator is tested against.

It works day by day: every forecast period is spread evenly over its days, each day gets its own
price (every change whose start..end holds the day), promotion flag, quarter and in-range flag,
every series x path x day is priced, and days are summed into weeks, quarters and the range.
`engine.pricing.simulator.simulate` (which cuts periods into segments instead) must agree with it,
and bench/whatif_speed.py times both. Same demand model as the simulator's module docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.calendar import period_offset, quarter_freq, quarter_label
from engine.core.errors import DataError, NotFoundError
from engine.core.series import select_series
from engine.pricing.scenario import Scenario
from engine.pricing.simulator import MEASURES, TOTAL, WhatIf, apply_change, check_priceable
from engine.pricing.sources import BaselineSource, PricingSource, market_codes, series_prices


def days_of(baseline: BaselineSource) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """(each day of the forecast, its period, 1 / days in its period)."""
    step = period_offset(baseline.freq)
    days, period, weight = [], [], []
    for p, start in enumerate(baseline.dates):
        span = pd.date_range(start, start + step - pd.Timedelta(days=1), freq="D")
        days += list(span)
        period += [p] * len(span)
        weight += [1.0 / len(span)] * len(span)
    return pd.DatetimeIndex(days), np.array(period), np.array(weight)


def scenario_days(scenario: Scenario, days: pd.DatetimeIndex, fiscal: int) -> np.ndarray:
    """Days inside the scenario's start..end or quarters."""
    if scenario.quarters:
        qfreq = quarter_freq(fiscal)
        labels = [quarter_label(q) for q in days.to_period(qfreq)]
        return np.isin(labels, scenario.quarters)
    return within(days, scenario.start, scenario.end)


def within(days: pd.DatetimeIndex, start, end) -> np.ndarray:  # noqa: ANN001 - dates or None
    """Days in start..end, both inclusive, either open."""
    inside = np.ones(len(days), dtype=bool)
    if start is not None:
        inside &= days >= pd.Timestamp(start)
    if end is not None:
        inside &= days <= pd.Timestamp(end)
    return inside


def simulate_dense(
    baseline: BaselineSource, pricing: PricingSource, scenario: Scenario, fiscal: int = 1, seed=0
) -> WhatIf:
    """The dense what-if over every series, path and day: the fast path's oracle and peer."""
    all_days, period, weight = days_of(baseline)
    keep = scenario_days(scenario, all_days, fiscal)
    if not keep.any():
        raise DataError("the scenario's dates miss the forecast", "start")
    days, period, weight = all_days[keep], period[keep], weight[keep]
    index = baseline.index
    p0, cost = series_prices(baseline, pricing)
    prices = np.repeat(p0[:, None], len(days), axis=1)
    for k, change in enumerate(scenario.price_changes):
        rows = select_series(index, change.filters)
        check_priceable(pricing, index["product"].astype(str).iloc[rows], k)
        cols = np.flatnonzero(within(days, change.start, change.end))
        apply_change(prices, np.ix_(rows, cols), change)
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
    grid = np.zeros((n_markets, len(products), len(days)))
    ok = pj >= 0
    grid[mk[ok], pj[ok]] = dlog[ok]

    promo = np.zeros((len(index), len(days)))
    lift = np.zeros(len(index))
    lift_se = np.zeros(len(index))
    for plan in scenario.promotions:
        rows = select_series(index, plan.filters)
        cols = np.flatnonzero(within(days, plan.start, plan.end))
        promo[np.ix_(rows, cols)] = 1.0
        est, se = pricing.promo_lift(products, plan.column)
        lift[rows] = np.where(pj[rows] >= 0, est[np.maximum(pj[rows], 0)], 0.0)
        lift_se[rows] = np.where(pj[rows] >= 0, se[np.maximum(pj[rows], 0)], 0.0)

    est, se, usable = pricing.matrix(products)
    est, se = np.where(usable, est, 0.0), np.where(usable, se, 0.0)
    x = grid[mk[scope]]  # scope x products x days: log price changes the series responds to
    rows_pj = pj[scope]
    effect = np.einsum("nj,njh->nh", est[rows_pj], x) + lift[scope, None] * promo[scope]
    mult = np.exp(effect)

    # a period's expected units and paths, spread evenly over its days
    paths = baseline.paths[scope].astype(float)[:, :, period] * weight
    mean = paths.mean(axis=1)
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

    quarters = [quarter_label(q) for q in days.to_period(quarter_freq(fiscal))]
    return _assemble(
        scenario.name,
        series_product[scope],
        baseline.dates,
        period,
        quarters,
        mean,
        mean * mult,
        paths,
        scen_paths,
        np.repeat(p0[scope, None], len(days), axis=1),
        prices[scope],
        cost[scope],
    )


def _measures(units: np.ndarray, price: np.ndarray, cost: np.ndarray) -> dict[str, np.ndarray]:
    """units, revenue, margin for (series, [paths,] days) arrays."""
    if units.ndim == 3:
        price, cost_ = price[:, None, :], cost[:, None, None]
    else:
        cost_ = cost[:, None]
    return {"units": units, "revenue": units * price, "margin": units * (price - cost_)}


def _group_sum(onehot: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum series (axis 0) of a series x paths x days array into groups, via one matmul."""
    n, n_paths, h = values.shape
    return (onehot @ values.reshape(n, n_paths * h)).reshape(len(onehot), n_paths, h)


def _indicator(keys: list, labels: list) -> np.ndarray:
    """(days x labels) 1 where a day's key is the label."""
    return (np.array(keys, dtype=object)[:, None] == np.array(labels, dtype=object)).astype(float)


def _assemble(
    name: str,
    groups: np.ndarray,
    dates: pd.DatetimeIndex,
    period: np.ndarray,
    quarters: list[str],
    base_mean: np.ndarray,
    scen_mean: np.ndarray,
    base_paths: np.ndarray,
    scen_paths: np.ndarray,
    base_price: np.ndarray,
    scen_price: np.ndarray,
    cost: np.ndarray,
) -> WhatIf:
    """Sum series into products and TOTAL, then days into weeks, quarters and the whole range."""
    labels = [*sorted(set(groups)), TOTAL]
    onehot = np.array(
        [(groups == g) if g != TOTAL else np.ones(len(groups), bool) for g in labels], float
    )
    bm, sm_ = _measures(base_mean, base_price, cost), _measures(scen_mean, scen_price, cost)
    bp, sp = _measures(base_paths, base_price, cost), _measures(scen_paths, scen_price, cost)
    agg = {}
    for m in MEASURES:  # product x [paths x] days, summed over series once
        agg[m] = (
            onehot @ bm[m],
            onehot @ sm_[m],
            _group_sum(onehot, bp[m]),
            _group_sum(onehot, sp[m]),
        )
    weeks = sorted(set(period))
    quarter_labels = list(dict.fromkeys(quarters))
    spans = {
        "weekly": (_indicator(list(period), weeks), list(dates[weeks])),
        "quarterly": (_indicator(quarters, quarter_labels), quarter_labels),
        "summary": (np.ones((len(period), 1)), ["all"]),
    }
    out = {}
    for span, (w, period_labels) in spans.items():
        frame = pd.DataFrame(
            {
                "product": np.repeat(labels, len(period_labels)),
                "period": np.tile(np.array(period_labels, dtype=object), len(labels)),
                "days": np.tile(w.sum(axis=0), len(labels)),
            }
        )
        for m in MEASURES:
            base, scen, b_paths, s_paths = agg[m]
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
        for prefix in ("baseline_", ""):
            frame[f"{prefix}price"] = frame[f"{prefix}revenue"] / frame[f"{prefix}units"]
            frame[f"{prefix}margin_pct"] = (
                100 * frame[f"{prefix}margin"] / frame[f"{prefix}revenue"]
            )
        key = {"weekly": "date", "quarterly": "quarter", "summary": None}[span]
        if key is None:
            frame = frame.drop(columns="period")
        else:
            frame = frame.rename(columns={"period": key})
        out[span] = frame
    return WhatIf(name, out["weekly"], out["quarterly"], out["summary"])


def assert_agrees_with_dense(fast: WhatIf, dense: WhatIf, mean_tolerance: float) -> None:
    """Every span of `fast` has the oracle's columns, the same labels and, per float column,
    values within a relative `mean_tolerance` of its largest value (1e-6 for the 95% bands)."""
    for span in ("weekly", "quarterly", "summary"):
        a, b = getattr(fast, span), getattr(dense, span)
        assert list(a.columns) == list(b.columns)
        for col in a.columns:
            if a[col].dtype.kind != "f":
                assert (a[col].astype(str) == b[col].astype(str)).all(), col
                continue
            scale = np.abs(b[col]).max() + 1e-9
            # means are float64 sums; bands come from a float32 sort of the summed paths
            tol = 1e-6 if "_95" in col else mean_tolerance
            assert np.abs(a[col] - b[col]).max() <= tol * scale, (span, col)
