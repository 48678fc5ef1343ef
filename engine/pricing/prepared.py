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

from engine.core.calendar import quarter_label, quarter_weights
from engine.core.intervals import BANDS
from engine.core.series import SeriesLookup
from engine.pricing.sources import BaselineSource, PricingSource, market_codes, series_prices

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
class BaselineView:
    """The baseline of one scope over one date range, summed into products and TOTAL.

    Margin is absent from `mean`, `paths`, `lo` and `hi` when the pricing model has no cost.
    """

    labels: list[str]  # products in scope (sorted) then TOTAL
    group: np.ndarray  # per scope series: its product's position in labels
    onehot: np.ndarray  # labels x scope series
    dates: pd.DatetimeIndex
    spans: dict[str, tuple[np.ndarray | None, list]]  # span -> (period weights, period labels)
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
        self.has_cost = pricing.has_cost
        self.measures = MEASURES if self.has_cost else MEASURES[:2]  # no margin without cost
        self.products = list(pricing.products)
        prod_pos = {p: k for k, p in enumerate(self.products)}
        self.series_product = index["product"].astype(str).to_numpy()
        self.pj = np.array([prod_pos.get(p, -1) for p in self.series_product], dtype=int)
        self.priced = ~np.isnan(self.p0) & (self.pj >= 0)
        self.mk, self.n_markets = market_codes(index, baseline.keys)
        self._views: OrderedDict[tuple, BaselineView] = OrderedDict()

    def view(
        self,
        baseline: BaselineSource,
        scope: np.ndarray,
        columns: np.ndarray,
        fiscal_start_month: int,
    ) -> BaselineView:
        """The baseline aggregates of `scope` over `columns`, built on first use."""
        key = (scope.tobytes(), columns.tobytes(), fiscal_start_month)
        view = self._views.get(key)
        if view is None:
            view = _build_view(self, baseline, scope, columns, fiscal_start_month)
            self._views[key] = view
            while len(self._views) > _VIEWS:
                self._views.popitem(last=False)
        self._views.move_to_end(key)
        return view


def _build_view(
    prep: Prepared,
    baseline: BaselineSource,
    scope: np.ndarray,
    columns: np.ndarray,
    fiscal_start_month: int,
) -> BaselineView:
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
    mean = baseline.mean if every else baseline.mean[scope]
    mean = mean if whole else mean[:, columns]
    paths = baseline.paths if every else baseline.paths[scope]
    paths = paths if whole else paths[:, :, columns]
    n, n_paths, h = paths.shape
    flat = paths.reshape(n, n_paths * h)  # a view when the paths are contiguous
    p0, cost = prep.p0[scope], prep.cost[scope]
    factor = {"units": 1.0, "revenue": p0, "margin": p0 - cost}
    weights = quarter_weights(dates, baseline.freq, fiscal_start_month)
    spans = {
        "weekly": (None, list(dates)),
        "quarterly": (weights.to_numpy(), [quarter_label(q) for q in weights.columns]),
        "summary": (np.ones((len(dates), 1)), ["all"]),
    }
    agg_mean, agg_paths, lo, hi = {}, {}, {}, {}
    for m in prep.measures:
        weighted = onehot * factor[m]  # price is constant over the baseline
        # units per series, priced per series: same sums as pricing each series' array
        wm = onehot @ (mean * factor[m][:, None]) if m != "units" else onehot @ mean
        wp = (weighted @ flat).reshape(len(labels), n_paths, h)
        for span, (w, _) in spans.items():
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
