"""What a what-if needs from a (baseline, pricing) pair that no scenario changes, computed once.

Series lookups, current prices, market codes and, per reporting scope and date range, the
baseline summed into products and TOTAL (means, sample paths and their 95% bands). A scenario
then only prices the series it moves. Entries hold weak references, so a replaced champion's
arrays are freed; payloads are loaded artefacts and are treated as read-only. The elasticity
matrix is not cached here (it is cheap, and its plausibility flags are the pricing model's).
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.core.intervals import BANDS
from engine.core.series import SeriesLookup
from engine.pricing.segments import Segments
from engine.pricing.sources import (
    BaselineSource,
    PricingSource,
    expected_units,
    market_codes,
    series_prices,
)

MEASURES = ("units", "revenue", "margin")
TOTAL = "TOTAL"
QUANTILES = (BANDS["lo_95"], BANDS["hi_95"])
_PAIRS = 4  # (baseline, pricing) pairs kept
_VIEWS = 8  # (scope, dates) baseline aggregates kept per pair


def bands(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2.5% and 97.5% quantiles over the last axis (numpy's linear rule, float32 sort for speed).

    A float32 C-contiguous input is sorted in place (callers pass scratch arrays).
    """
    n = values.shape[-1]
    if values.dtype == np.float32 and values.flags.c_contiguous:
        values.sort(axis=-1)
        ordered = values
    else:
        ordered = np.sort(np.ascontiguousarray(values, dtype=np.float32), axis=-1)
    out = []
    for q in QUANTILES:
        pos = q * (n - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, n - 1)
        a = ordered[..., lo].astype(float)
        out.append(a + (ordered[..., hi].astype(float) - a) * (pos - lo))
    return out[0], out[1]


@dataclass(frozen=True)
class Span:
    """How period and segment values add up into one span's rows (weeks, quarters, the range).

    `from_periods` weights the touched forecast periods (None: each period is one row, whole),
    `from_segments` the scenario's segments (None: likewise); `days` counts each row's days.
    """

    from_periods: np.ndarray | None
    from_segments: np.ndarray | None
    labels: list
    days: np.ndarray


def span_rows(seg: Segments) -> dict[str, Span]:
    """Weekly, quarterly and summary rows of a scenario's segments (see `Span`)."""
    to_periods = seg.to_periods()  # segments x touched periods
    weighted = seg.share[:, None] * to_periods
    period_share = weighted.sum(axis=0)
    whole = bool(np.all(period_share == 1.0))
    ones = np.ones((len(seg.period), 1))
    return {
        "weekly": Span(
            None if whole else np.diag(period_share),
            None if seg.aligned else to_periods,
            list(seg.periods()),
            np.rint(seg.days @ to_periods),
        ),
        "quarterly": Span(
            weighted.T @ seg.quarter_weights,
            seg.quarter_weights,
            seg.quarter_labels,
            np.rint(seg.days @ seg.quarter_weights),  # whole days, split at quarter bounds
        ),
        "summary": Span(period_share[:, None], ones, ["all"], seg.days @ ones),
    }


def segment_values(
    units: np.ndarray, paths: np.ndarray, series: np.ndarray, seg: Segments
) -> tuple[np.ndarray, np.ndarray]:
    """(expected units, paths) of some series over the segments: their period's times the share.

    `units` is series x periods (`expected_units`), `paths` series x paths x periods.
    """
    if seg.aligned and len(seg.period) == units.shape[1]:
        return units[series], paths[series]
    mean = units[series][:, seg.period]
    paths = paths[series][:, :, seg.period]
    if np.all(seg.share == 1.0):
        return mean, paths
    return mean * seg.share, paths * seg.share


@dataclass(frozen=True)
class BaselineView:
    """The baseline of one scope over one date range, summed into products and TOTAL.

    Margin is absent from `mean`, `paths`, `lo` and `hi` when the pricing model has no cost.
    """

    labels: list[str]  # products in scope (sorted) then TOTAL
    group: np.ndarray  # per scope series: its product's position in labels
    onehot: np.ndarray  # labels x scope series
    dates: pd.DatetimeIndex  # the forecast periods the range touches
    spans: dict[str, Span]  # weekly, quarterly, summary
    mean: dict[tuple[str, str], np.ndarray]  # (span, measure) -> labels x periods
    paths: dict[tuple[str, str], np.ndarray]  # (span, measure) -> labels x periods x paths, f32
    lo: dict[tuple[str, str], np.ndarray]
    hi: dict[tuple[str, str], np.ndarray]


class Prepared:
    """Scenario-independent arrays of one (baseline, pricing) pair."""

    def __init__(self, baseline: BaselineSource, pricing: PricingSource) -> None:
        index = baseline.index
        self.lookup = SeriesLookup(index)
        self.p0, self.cost = series_prices(baseline, pricing)
        self.units = expected_units(baseline)  # series x periods
        self.has_cost = pricing.has_cost
        self.measures = MEASURES if self.has_cost else MEASURES[:2]  # no margin without cost
        self.products = list(pricing.products)
        prod_pos = {p: k for k, p in enumerate(self.products)}
        self.series_product = index["product"].astype(str).to_numpy()
        self.pj = np.array([prod_pos.get(p, -1) for p in self.series_product], dtype=int)
        self.priced = ~np.isnan(self.p0) & (self.pj >= 0)
        self.mk, self.n_markets = market_codes(index, baseline.keys)
        self._views: OrderedDict[tuple, BaselineView] = OrderedDict()

    def view(self, baseline: BaselineSource, scope: np.ndarray, seg: Segments) -> BaselineView:
        """The baseline aggregates of `scope` over the segments' range, built on first use."""
        key = (
            scope.tobytes(),
            seg.period.tobytes(),
            seg.share.tobytes(),
            seg.quarter_weights.tobytes(),
            tuple(seg.quarter_labels),
        )
        view = self._views.get(key)
        if view is None:
            view = _build_view(self, baseline, scope, seg)
            self._views[key] = view
            while len(self._views) > _VIEWS:
                self._views.popitem(last=False)
        self._views.move_to_end(key)
        return view


def _build_view(
    prep: Prepared,
    baseline: BaselineSource,
    scope: np.ndarray,
    seg: Segments,
) -> BaselineView:
    columns = seg.periods()
    dates = baseline.dates[columns]
    groups = prep.series_product[scope]
    labels = [*sorted(set(groups)), TOTAL]
    pos = {g: k for k, g in enumerate(labels)}
    group = np.array([pos[g] for g in groups], dtype=int)
    onehot = np.zeros((len(labels), scope.size))
    onehot[group, np.arange(scope.size)] = 1.0
    onehot[-1] = 1.0
    every = scope.size == len(baseline.index) and np.array_equal(scope, np.arange(scope.size))
    whole = columns.size == len(baseline.dates)
    mean = prep.units if every else prep.units[scope]
    mean = mean if whole else mean[:, columns]
    paths = baseline.paths if every else baseline.paths[scope]
    paths = paths if whole else paths[:, :, columns]
    n, n_paths, h = paths.shape
    flat = paths.reshape(n, n_paths * h)  # a view when the paths are contiguous
    p0, cost = prep.p0[scope], prep.cost[scope]
    factor = {"units": 1.0, "revenue": p0, "margin": p0 - cost}
    spans = span_rows(seg)
    agg_mean, agg_paths, lo, hi = {}, {}, {}, {}
    for m in prep.measures:
        weighted = onehot * factor[m]  # price is constant over the baseline
        # units per series, priced per series: same sums as pricing each series' array
        wm = onehot @ (mean * factor[m][:, None]) if m != "units" else onehot @ mean
        wp = (weighted @ flat).reshape(len(labels), n_paths, h)
        for span, rows in spans.items():
            w = rows.from_periods
            span_mean = wm if w is None else wm @ w
            span_paths = wp if w is None else wp @ w
            # labels x periods x paths in float32: the layout and precision bands sort in
            span_paths = np.ascontiguousarray(span_paths.transpose(0, 2, 1), dtype=np.float32)
            agg_mean[span, m] = span_mean
            agg_paths[span, m] = span_paths
            lo[span, m], hi[span, m] = bands(span_paths.copy())
    return BaselineView(labels, group, onehot, dates, spans, agg_mean, agg_paths, lo, hi)


_CACHE: OrderedDict[tuple[int, int], tuple[weakref.ref, weakref.ref, Prepared]] = OrderedDict()


def prepared(baseline: BaselineSource, pricing: PricingSource) -> Prepared:
    """The cached Prepared of this exact pair of payload objects (built on first use)."""
    key = (id(baseline), id(pricing))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is baseline and hit[1]() is pricing:
        _CACHE.move_to_end(key)
        return hit[2]
    prep = Prepared(baseline, pricing)
    try:
        _CACHE[key] = (weakref.ref(baseline), weakref.ref(pricing), prep)
    except TypeError:  # objects without weak references are simply not cached
        return prep
    while len(_CACHE) > _PAIRS:
        _CACHE.popitem(last=False)
    return prep
