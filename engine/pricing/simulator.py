"""What-if simulator: baseline forecast x price response, per week and quarter, with intervals.

The baseline is the sales champion's forecast, read as demand with prices held at their last
observed level: its sample paths, and their mean as the expected units (the planner's quarter
totals add up the same paths). A scenario multiplies it by exp(sum_j e_ij * dlog p_j + promo
lift), so the price effect is applied once (never on top of a forecast that already moved
prices). A scenario without changes returns the baseline exactly. Intervals combine the
forecast's sample paths with one draw of the elasticities per path. The scenario's range and
its plans work by day: periods are cut into segments (`engine.pricing.segments`), so a week
half inside the range counts half, as in the planner's quarters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from engine.core.errors import DataError, NotFoundError
from engine.core.series import select_series
from engine.pricing.prepared import (
    MEASURES,
    TOTAL,
    BaselineView,
    Prepared,
    bands,
    prepared,
    segment_values,
)
from engine.pricing.scenario import PriceChange, Scenario
from engine.pricing.segments import Segments, scenario_segments, segments
from engine.pricing.sources import (
    NO_COST_NOTE,
    BaselineSource,
    PricingSource,
    expected_units,
    market_codes,
    series_prices,
)

__all__ = ["MEASURES", "TOTAL", "WhatIf", "check_priceable", "simulate", "sweep"]


@dataclass(frozen=True)
class WhatIf:
    """Per product (and TOTAL): weekly and quarterly baseline, scenario and change, 95% bands."""

    name: str
    weekly: pd.DataFrame
    quarterly: pd.DataFrame
    summary: pd.DataFrame  # one row per product over the whole range
    notes: tuple[str, ...] = ()  # what a reader must know (e.g. why margin is absent)


def _refuse_implausible(pricing: PricingSource, product: str, k: int) -> None:
    row = pricing.elasticities
    own = row[(row["product"] == product) & (row["kind"] == "own")].iloc[0]
    raise DataError(
        f"price_changes[{k}]: the own elasticity of product '{product}' is implausible "
        f"({own['elasticity']:.2f}, 95% CI {own['lo_95']:.2f} to {own['hi_95']:.2f}), "
        "so the model cannot say what a price change does; retrain with more price variation",
        "product",
    )


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
        _refuse_implausible(pricing, bad[0], k)


def _check_rows(
    pricing: PricingSource, prep: Prepared, own_ok: np.ndarray, rows: np.ndarray, k: int
) -> None:
    """check_priceable for a change's rows, from per-series flags (no table scans)."""
    unknown = rows & (prep.pj < 0)
    if unknown.any():
        first = sorted(set(prep.series_product[unknown]))[0]
        raise NotFoundError(
            f"price_changes[{k}]: the pricing model has no elasticity for product '{first}'",
            "product",
        )
    bad = rows & ~own_ok
    if bad.any():
        _refuse_implausible(pricing, sorted(set(prep.series_product[bad]))[0], k)


def apply_change(prices: np.ndarray, block: Any, change: PriceChange) -> None:
    """Set the prices of a block of (series, periods) as one change says, in place."""
    if change.fraction is not None:
        prices[block] = prices[block] * (1.0 + change.fraction)
    else:
        prices[block] = change.price


def scenario_prices(
    prep: Prepared,
    pricing: PricingSource,
    scenario: Scenario,
    seg: Segments,
    usable: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(scenario price series x segments, which series' price moves) over the scenario's range."""
    own_ok = np.zeros(len(prep.pj), dtype=bool)
    known = prep.pj >= 0
    own_ok[known] = np.diag(usable)[prep.pj[known]]
    prices = np.repeat(prep.p0[:, None], len(seg.period), axis=1)
    touched = np.zeros(len(prep.pj), dtype=bool)
    for k, change in enumerate(scenario.price_changes):
        rows = prep.lookup.mask(change.filters)
        _check_rows(pricing, prep, own_ok, rows, k)
        cols = seg.select(change.start, change.end)
        if not cols.any():
            continue
        block = rows if cols.all() else np.ix_(np.flatnonzero(rows), np.flatnonzero(cols))
        apply_change(prices, block, change)
        touched |= rows
    return prices, touched


def simulate(
    baseline: BaselineSource,
    pricing: PricingSource,
    scenario: Scenario,
    fiscal_start_month: int = 1,
    seed: int = 0,
) -> WhatIf:
    """Run a scenario against the baseline; see the module docstring for the model.

    A scenario whose prices move so far that units or revenue overflow (a price of 1e-13, or
    hundreds of stacked cuts) is refused, naming the change that breaks it: no infinite or
    missing number is ever answered.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = _simulate(baseline, pricing, scenario, fiscal_start_month, seed)
        if _finite(result):
            return result
        raise _breaking_change(baseline, pricing, scenario, fiscal_start_month, seed)


def _finite(result: WhatIf) -> bool:
    """Every units, revenue and (with cost) margin figure of the result is a finite number."""
    for frame in (result.weekly, result.quarterly, result.summary):
        for m in MEASURES:
            values = frame[_measure_columns(m)].to_numpy(dtype=float)
            if m == "margin" and np.isnan(values).all():
                continue  # absent without cost
            if not np.isfinite(values).all():
                return False
    return True


def _breaking_change(
    baseline: BaselineSource,
    pricing: PricingSource,
    scenario: Scenario,
    fiscal_start_month: int,
    seed: int,
) -> DataError:
    """The error naming a change k such that changes[:k] give finite results and [:k+1] do not.

    Found by bisection over the number of changes kept (a few re-runs, on the error path only).
    """

    def breaks(n: int) -> bool:
        head = scenario.model_copy(update={"price_changes": scenario.price_changes[:n]})
        return not _finite(_simulate(baseline, pricing, head, fiscal_start_month, seed))

    if breaks(0):
        return DataError(
            "promotions: the promotion lifts make units overflow; check the promotion plan",
            "promotions",
        )
    good, bad = 0, len(scenario.price_changes)
    while bad - good > 1:
        middle = (good + bad) // 2
        good, bad = (good, middle) if breaks(middle) else (middle, bad)
    k = good
    change = scenario.price_changes[k]
    what = f"price {change.price:g}" if change.price is not None else f"percent {change.percent:g}"
    return DataError(
        f"price_changes[{k}] ({what}): with this change the prices move so far from the current "
        "ones that units or revenue are no longer finite numbers; the elasticities cannot be "
        "extrapolated that far",
        f"price_changes[{k}]",
    )


def _simulate(
    baseline: BaselineSource,
    pricing: PricingSource,
    scenario: Scenario,
    fiscal_start_month: int,
    seed: int,
) -> WhatIf:
    """`simulate` without the finiteness check.

    Only the series the scenario moves are priced path by path; every other series (and every
    product with none of them) is the cached baseline, so a no-change scenario is it exactly.
    """
    seg, notes = scenario_segments(baseline.dates, baseline.freq, scenario, fiscal_start_month)
    prep = prepared(baseline, pricing)
    n_seg = len(seg.period)
    products = prep.products
    est, se, usable = pricing.matrix(products)
    est, se = np.where(usable, est, 0.0), np.where(usable, se, 0.0)
    prices, touched = scenario_prices(prep, pricing, scenario, seg, usable)
    pj, priced = prep.pj, prep.priced
    scope = prep.lookup.rows(scenario.scope_filters) if scenario.scope else np.arange(len(pj))
    scope = scope[priced[scope]]
    if scope.size == 0:
        raise NotFoundError("no priced series in the scenario's scope", "scope")
    view = prep.view(baseline, scope, seg)
    if not prep.has_cost:
        notes.append(NO_COST_NOTE)

    # log price changes per market x product x period (all zero where nothing moves)
    moved = touched & priced
    grid = np.zeros((prep.n_markets, len(products), n_seg))
    grid[prep.mk[moved], pj[moved]] = np.log(prices[moved] / prep.p0[moved, None])
    promo = np.zeros((scope.size, n_seg))
    lift = np.zeros(scope.size)
    lift_se = np.zeros(scope.size)
    where = np.full(len(pj), -1)
    where[scope] = np.arange(scope.size)
    for plan in scenario.promotions:
        rows = prep.lookup.rows(plan.filters)
        cols = np.flatnonzero(seg.select(plan.start, plan.end))
        rows = where[rows][where[rows] >= 0]  # positions within the scope
        promo[np.ix_(rows, cols)] = 1.0
        l_est, l_se = pricing.promo_lift(products, plan.column)
        lift[rows] = l_est[pj[scope[rows]]]
        lift_se[rows] = l_se[pj[scope[rows]]]

    # series whose market sees a price move or that run a promotion: the draws follow them
    live_market = np.asarray(grid.any(axis=(1, 2)))
    candidates = np.flatnonzero(live_market[prep.mk[scope]] | promo.any(axis=1))
    if candidates.size == 0:
        return _result(scenario.name, view, {}, prep, notes)
    rng = np.random.default_rng(seed)
    draws = est[None] + se[None] * rng.standard_normal((baseline.paths.shape[1], *est.shape))
    lift_draws = lift[candidates][None] + lift_se[candidates][None] * rng.standard_normal(
        (baseline.paths.shape[1], candidates.size)
    )
    # of those, the ones whose units or price actually respond (others equal the baseline)
    x = grid[prep.mk[scope[candidates]]]  # candidates x products x periods
    rows_pj = pj[scope[candidates]]
    reach = (est[rows_pj] != 0) | (se[rows_pj] != 0)
    responds = np.any(reach[:, :, None] & (x != 0), axis=(1, 2))
    promoted = promo[candidates].any(axis=1) & (
        (lift[candidates] != 0) | (lift_se[candidates] != 0)
    )
    live = np.flatnonzero(responds | promoted | touched[scope[candidates]])
    if live.size == 0:
        return _result(scenario.name, view, {}, prep, notes)
    series = scope[candidates[live]]
    x, rows_pj = x[live], rows_pj[live]
    promo_l = promo[candidates[live]]
    effect = np.einsum("nj,njh->nh", est[rows_pj], x) + lift[candidates[live], None] * promo_l
    mean, paths = segment_values(prep.units, baseline.paths, series, seg)
    # scenario plans change on few dates: price the distinct period columns, then spread
    n, n_prod, h = x.shape
    stacked = np.concatenate([x.reshape(n * n_prod, h), promo_l], axis=0)
    distinct, spread = _distinct_columns(stacked)
    xk = distinct[: n * n_prod].reshape(n, n_prod, -1)
    promo_k = distinct[n * n_prod :]
    ratio = np.matmul(draws.transpose(1, 0, 2)[rows_pj], xk)  # live x paths x distinct
    if promo_l.any():
        ratio += lift_draws[:, live].T[:, :, None] * promo_k[:, None, :]
    np.exp(ratio, out=ratio)
    member = view.group[candidates[live]]
    groups = np.append(np.unique(member), len(view.labels) - 1)  # moved products, TOTAL
    onehot = (member[None, :] == groups[:, None]).astype(float)
    onehot[-1] = 1.0
    price, p0, cost = prices[series], prep.p0[series], prep.cost[series]
    if ratio.shape[2] == 1 and np.all(price == price[:, :1]):
        # one response and one price per series over the range: no per-path scenario array
        summed = _steady_sums(onehot, ratio[:, :, 0], paths, price[:, 0], p0, cost)
    else:
        scen = np.empty(paths.shape)  # C order: the group sums read it row-wise
        np.take(ratio, spread, axis=2, out=scen)
        scen *= paths
        summed = _path_sums(onehot, scen, paths, price, p0, cost)
    scen_mean = mean * np.exp(effect)
    d_units = scen_mean - mean
    d_rev = scen_mean * price - mean * p0[:, None]
    delta = {
        "groups": groups,
        "units": (onehot @ d_units, summed["units"]),
        "revenue": (onehot @ d_rev, summed["revenue"]),
    }
    if prep.has_cost:
        delta["margin"] = (onehot @ (d_rev - d_units * cost[:, None]), summed["margin"])
    return _result(scenario.name, view, delta, prep, notes)


def _distinct_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(run columns, column -> run) with matrix == runs[:, spread]; runs of equal columns."""
    if matrix.shape[1] == 0:
        return matrix, np.zeros(0, dtype=int)
    new = np.ones(matrix.shape[1], dtype=bool)
    new[1:] = np.any(matrix[:, 1:] != matrix[:, :-1], axis=0)
    return matrix[:, new], np.cumsum(new) - 1


def _steady_sums(
    onehot: np.ndarray,
    ratio: np.ndarray,
    base: np.ndarray,
    price: np.ndarray,
    p0: np.ndarray,
    cost: np.ndarray,
) -> dict[str, np.ndarray]:
    """_path_sums when each series has one response ratio per path and one price.

    Scenario minus baseline of a group is sum_n (w_s[n] ratio[n, p] - w_b[n]) base[n, p, :],
    one small matmul per path (batched), so the scenario paths are never formed.
    """
    n, n_paths, h = base.shape
    w_s = np.stack([np.ones(n), price, price - cost])  # units, revenue, margin
    w_b = np.stack([np.ones(n), p0, p0 - cost])
    by_path = base.transpose(1, 0, 2)  # paths x series x periods (a view)
    out = np.zeros((3, len(onehot), n_paths, h))
    for k, row in enumerate(onehot[:-1]):
        members = np.flatnonzero(row)
        # the scenario-minus-baseline weight is formed in float64 (no cancellation later);
        # the matmul runs in the paths' precision (float32 paths feed float32 bands anyway)
        coef = w_s[:, members, None] * ratio[members][None] - w_b[:, members, None]
        block = by_path[:, members]
        coef = coef.astype(block.dtype).transpose(2, 0, 1)
        out[:, k] = np.matmul(coef, block).transpose(1, 0, 2)
    out[:, -1] = out[:, :-1].sum(axis=1)
    return {m: out[i] for i, m in enumerate(MEASURES)}


def _path_sums(
    onehot: np.ndarray,
    scen: np.ndarray,
    base: np.ndarray,
    price: np.ndarray,
    p0: np.ndarray,
    cost: np.ndarray,
) -> dict[str, np.ndarray]:
    """Scenario minus baseline units, revenue, margin per path, summed into groups.

    Each product group is a few small matmuls over its own series (TOTAL is their sum), and
    units times a price constant over the periods is a weighted sum, so per-path products are
    only formed for series whose scenario price varies within the range.
    """
    n, n_paths, h = base.shape
    flat_s, flat_b = scen.reshape(n, -1), base.reshape(n, -1)
    steady = np.all(price == price[:, :1], axis=1)
    ps = np.where(steady, price[:, 0], 0.0)
    w_s = np.stack([np.ones(n), ps, np.where(steady, ps - cost, -cost)])
    w_b = np.stack([np.ones(n), p0, p0 - cost])
    out = np.zeros((3, len(onehot), n_paths * h))
    for k, row in enumerate(onehot[:-1]):
        members = np.flatnonzero(row)
        out[:, k] = w_s[:, members] @ flat_s[members] - w_b[:, members] @ flat_b[members]
        moving = members[~steady[members]]
        if moving.size:  # revenue of series whose price changes mid-range: price per period
            extra = (scen[moving] * price[moving, None, :]).sum(axis=0).ravel()
            out[1, k] += extra
            out[2, k] += extra
    out[:, -1] = out[:, :-1].sum(axis=1)
    shape = (len(onehot), n_paths, h)
    return {m: out[i].reshape(shape) for i, m in enumerate(MEASURES)}


def _result(name: str, view: BaselineView, delta: dict, prep: Prepared, notes: list[str]) -> WhatIf:
    """Baseline view plus the moved groups' changes, as weekly, quarterly and summary frames.

    Each row also carries its days inside the range, the volume-weighted average price
    (revenue / units) and the margin as a percent of revenue, for the baseline and the scenario.
    """
    groups = delta.get("groups", np.zeros(0, dtype=int))
    labels = view.labels
    out = {}
    for span, rows in view.spans.items():
        key = {"weekly": "date", "quarterly": "quarter", "summary": None}[span]
        n_rows = len(rows.labels)
        columns = {"product": np.repeat(np.array(labels, dtype=object), n_rows)}
        if key == "date":
            columns[key] = np.tile(view.dates.values, len(labels))
        elif key is not None:
            columns[key] = np.tile(np.array(rows.labels, dtype=object), len(labels))
        columns["days"] = np.tile(rows.days, len(labels))
        for m in MEASURES:
            if (span, m) not in view.mean:  # margin without cost: absent, never invented
                for col in _measure_columns(m):
                    columns[col] = np.full(len(columns["product"]), np.nan)
                continue
            base = view.mean[span, m]
            scen, lo, hi = base.copy(), view.lo[span, m].copy(), view.hi[span, m].copy()
            dlo, dhi = np.zeros_like(base), np.zeros_like(base)
            if groups.size:
                d_mean, d_paths = delta[m]
                w = rows.from_segments
                if w is not None:
                    d_mean, d_paths = d_mean @ w, d_paths @ w
                # groups x periods x paths, float32 scratch that bands() sorts in place
                d_paths = np.ascontiguousarray(d_paths.transpose(0, 2, 1), dtype=np.float32)
                base_paths = view.paths[span, m]
                if groups.size < len(labels):
                    base_paths = base_paths[groups]
                scen[groups] = base[groups] + d_mean
                lo[groups], hi[groups] = bands(base_paths + d_paths)
                dlo[groups], dhi[groups] = bands(d_paths)
            values = (base, scen, lo, hi, scen - base, dlo, dhi)
            for col, value in zip(_measure_columns(m), values, strict=True):
                columns[col] = value.ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            for prefix in ("baseline_", ""):
                units, revenue = columns[f"{prefix}units"], columns[f"{prefix}revenue"]
                columns[f"{prefix}price"] = np.where(units > 0, revenue / units, np.nan)
                columns[f"{prefix}margin_pct"] = np.where(
                    revenue > 0, 100.0 * columns[f"{prefix}margin"] / revenue, np.nan
                )
        out[span] = pd.DataFrame(columns)
    return WhatIf(name, out["weekly"], out["quarterly"], out["summary"], tuple(notes))


def _measure_columns(m: str) -> list[str]:
    """The output columns of one measure, in their order."""
    return [
        f"baseline_{m}",
        m,
        f"{m}_lo_95",
        f"{m}_hi_95",
        f"change_{m}",
        f"change_{m}_lo_95",
        f"change_{m}_hi_95",
    ]


@np.errstate(over="ignore", invalid="ignore", divide="ignore")
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
    seg = segments(baseline.dates, baseline.freq, start, end)
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
    mk, n_markets = market_codes(index, baseline.keys)
    hit = np.zeros((n_markets, len(products)))
    ok = targeted & priced
    hit[mk[ok], pj[ok]] = 1.0
    keep = np.flatnonzero(priced)
    x = hit[mk[keep]]  # series x products: which prices move in the series' market
    est, se, usable = pricing.matrix(products)
    est, se = np.where(usable, est, 0.0), np.where(usable, se, 0.0)
    base_units = segment_values(expected_units(baseline), baseline.paths, keep, seg)[0].sum(axis=1)
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
    for m in MEASURES if pricing.has_cost else MEASURES[:2]:
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
    if not pricing.has_cost:  # margin without cost: absent, never invented
        for col in ("baseline_margin", "margin", "margin_lo_95", "margin_hi_95"):
            frame[col] = np.nan
    # overflow above runs silently (errstate) and is refused here once, naming the field
    absent = {"product"} if pricing.has_cost else {"product", *(c for c in frame if "margin" in c)}
    if not np.isfinite(frame.drop(columns=list(absent)).to_numpy(dtype=float)).all():
        raise DataError(
            "percents: a price change this large makes units or revenue overflow; the "
            "elasticities cannot be extrapolated that far",
            "percents",
        )
    return frame
