"""Backtest every candidate on rolling origins, pick per series by MASE, reconcile, simulate paths.

Shared by the training job (which logs and registers the result) and the batch CLI (which writes
a CSV). Ensemble forecasts are the mean of their members' forecasts from the same fits, so the
ensemble costs nothing extra.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from engine.backtest import Window, rolling_origins
from engine.calendar import future_dates
from engine.calendar import season_length as season_length_for
from engine.hierarchy import (
    Hierarchy,
    aggregate,
    bottom_up_matrix,
    build_hierarchy,
    default_levels,
    level_name,
    mint_matrix,
    reconcile,
)
from engine.metrics import coverage, mase_per_series, mase_scale, smape_per_series, wape
from engine.panel import Panel
from models.forecasters import SeasonalNaive
from models.forecasters.ensemble import combine_forecasts
from models.forecasters.forecast_set import ForecastSet
from models.forecasters.paths import PathSampler, bias_ratios, log_errors, match_means
from training.forecast.candidates import GLOBAL, candidate_specs, ensemble_members
from training.parallel import Runner, chunks

log = logging.getLogger("lodestar.training.forecast")

WINDOW_PERIODS = {"D": 91, "W": 13, "M": 3, "Q": 1}
"""One quarter of periods: the backtest horizon and the step between origins."""
ACTUALS_DAYS = 100
RECONCILIATIONS = ("auto", "bottom_up", "mint_shrink")


@dataclass
class ForecastSettings:
    """Model selection, backtest and interval settings; stored with the model as its spec."""

    selection: str = "standard"
    n_windows: int = 3
    window_horizon: int | None = None
    reconciliation: str = "auto"
    n_paths: int = 500
    seed: int = 0
    levels: list[list[str]] | None = None
    known_drivers: bool = False
    """Backtests pass the real future prices/promotions (True) or hold them like production."""

    def spec(self) -> dict[str, Any]:
        """What a later run needs to re-evaluate this model on its own windows."""
        return {
            "selection": self.selection,
            "n_windows": self.n_windows,
            "window_horizon": self.window_horizon,
            "reconciliation": self.reconciliation,
            "levels": self.levels,
            "known_drivers": self.known_drivers,
        }


@dataclass
class Outcome:
    """What a backtest (and optionally the final fit) produced."""

    metrics: dict[str, float]
    table: pd.DataFrame
    choice: pd.DataFrame
    reconciliation: str
    windows: list[Window]
    forecast_set: ForecastSet | None = None
    notes: dict[str, Any] = field(default_factory=dict)


def _fit_predict(
    spec: Any, panel: Panel, windows: list[Window], final_horizon: int, known: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """One estimator on one panel: forecasts per backtest window, then the final forecast.

    Unless `known`, backtests do not see the window's real prices and promotions: the final
    forecast will not know them either, so errors and intervals stay honest.
    """
    h = windows[0].horizon if windows else 0
    out = np.zeros((len(windows), panel.n_series, h))
    for k, window in enumerate(windows):
        train = panel.head(window.cut)
        planned = panel.exog_slice(window.cut, window.cut + window.horizon) if known else None
        out[k] = clone(spec).fit(train).predict(window.horizon, planned)
    final = None
    if final_horizon:
        final = clone(spec).fit(panel).predict(final_horizon)
    return out, final


class Backtester:
    """Runs candidates on one panel's windows, caching results so a champion re-run is cheap."""

    def __init__(self, runner: Runner, known_drivers: bool = False) -> None:
        self.runner = runner
        self.known_drivers = known_drivers
        self.cache: dict[tuple, tuple[np.ndarray, np.ndarray | None]] = {}

    def run(
        self,
        tag: str,
        panel: Panel,
        specs: dict[str, Any],
        windows: list[Window],
        final_horizon: int,
    ) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        """Backtest and final forecasts for each spec (ensemble combined from its members)."""
        direct = {n: s for n, s in specs.items() if n != "ensemble"}
        todo = {
            n: s for n, s in direct.items() if not self._cached(tag, n, s, windows, final_horizon)
        }
        tasks, owners = [], []
        n_chunks = max(1, self.runner.n_jobs if self.runner.n_jobs > 0 else 4) * 2
        for name, spec in todo.items():
            if name in GLOBAL:
                tasks.append((spec, panel, windows, final_horizon, self.known_drivers))
                owners.append((name, np.arange(panel.n_series)))
                continue
            for rows in chunks(panel.n_series, n_chunks):
                idx = np.arange(rows.start, rows.stop)
                tasks.append((spec, panel.subset(idx), windows, final_horizon, self.known_drivers))
                owners.append((name, idx))
        results = self.runner.map(_fit_predict, tasks, desc=f"backtest {tag}")
        h = windows[0].horizon if windows else 0
        for name, spec in todo.items():
            bt = np.zeros((len(windows), panel.n_series, h))
            final = np.zeros((panel.n_series, final_horizon)) if final_horizon else None
            for (owner, idx), (part_bt, part_final) in zip(owners, results, strict=True):
                if owner == name:
                    bt[:, idx] = part_bt
                    if final is not None:
                        final[idx] = part_final
            self.cache[self._key(tag, name, spec, windows)] = (bt, final)
        out = {n: self.cache[self._key(tag, n, s, windows)] for n, s in direct.items()}
        members = ensemble_members(specs)
        if members:
            bt = combine_forecasts(np.stack([out[m][0] for m in members]))
            finals = [out[m][1] for m in members]
            final = combine_forecasts(np.stack(finals)) if finals[0] is not None else None
            out["ensemble"] = (bt, final)
        return out

    def _key(self, tag: str, name: str, spec: Any, windows: list[Window]) -> tuple:
        return (tag, name, repr(spec), tuple(windows))

    def _cached(
        self, tag: str, name: str, spec: Any, windows: list[Window], final_horizon: int
    ) -> bool:
        hit = self.cache.get(self._key(tag, name, spec, windows))
        return hit is not None and (not final_horizon or hit[1] is not None)


def make_windows(panel: Panel, settings: ForecastSettings) -> list[Window]:
    """Rolling origins one quarter apart, each forecasting one quarter (or the set horizon)."""
    h = settings.window_horizon or WINDOW_PERIODS[panel.freq[0]]
    m = season_length_for(panel.freq)
    min_train = max(8, min(2 * m, panel.n_periods // 2))
    return rolling_origins(panel.n_periods, h, settings.n_windows, step=h, min_train=min_train)


ENSEMBLE_MARGIN = 0.1
"""A single model must beat the ensemble's backtest MASE by 10% to be chosen over it: with a few
short windows the per-series winner is partly luck, and combinations are the safer bet."""
TOTAL_WEIGHT = 1.0
"""Selection scores add the error of each window's horizon total (in MASE units) to the per-period
MASE: planners consume quarter totals, and a model can track weeks well yet miss the volume."""


def select_per_series(
    forecasts: dict[str, np.ndarray], actual: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the best candidate per series by MASE over all windows, and the score table."""
    names = list(forecasts)
    flat_actual = np.concatenate(list(actual), axis=1)
    scores = np.column_stack(
        [
            mase_per_series(flat_actual, np.concatenate(list(forecasts[n]), axis=1), scale)
            for n in names
        ]
    )
    filled = np.where(np.isfinite(scores), scores, np.inf)
    filled = filled + TOTAL_WEIGHT * _total_errors(forecasts, actual, scale, names)
    choice = np.argmin(filled, axis=1)
    if "ensemble" in names:
        k = names.index("ensemble")
        close = filled[:, k] <= filled[np.arange(len(choice)), choice] * (1 + ENSEMBLE_MARGIN)
        choice[close & np.isfinite(filled[:, k])] = k
    no_score = ~np.isfinite(filled).any(axis=1)
    if no_score.any():
        fallback = names.index("seasonal_naive") if "seasonal_naive" in names else 0
        choice[no_score] = fallback
    return choice, scores


def _total_errors(
    forecasts: dict[str, np.ndarray], actual: np.ndarray, scale: np.ndarray, names: list[str]
) -> np.ndarray:
    """Mean absolute error of each window's horizon total, in MASE units (series x candidates).

    Windows with a missing actual are skipped; a series with none scores 0 (MASE alone decides).
    """
    complete = np.isfinite(actual).all(axis=2)
    totals = np.where(complete, np.nansum(actual, axis=2), np.nan)
    steps = actual.shape[2]
    count = complete.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cols = [
            np.nansum(np.abs(totals - forecasts[n].sum(axis=2)), axis=0)
            / (np.maximum(count, 1) * scale * steps)
            for n in names
        ]
    out = np.where(count[:, None] > 0, np.column_stack(cols), np.nan)
    return np.where(np.isfinite(out), out, 0.0)


def checked_bias_ratios(actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """Bias ratios, or ones when ratios from earlier windows made the last window's totals worse.

    With few short windows a per-series volume ratio can be noise (a promotion in one window); it
    is kept only if it passes this out-of-sample check on horizon totals.
    """
    ratio = bias_ratios(actual, forecast)
    if len(actual) < 2:
        return ratio
    trial = bias_ratios(actual[:-1], forecast[:-1])
    last_a, last_f = actual[-1], forecast[-1]
    complete = np.isfinite(last_a).all(axis=1)
    q_a = np.where(complete, np.nansum(last_a, axis=1), np.nan)
    with_ratio = wape(q_a, (last_f * trial[:, None]).sum(axis=1))
    without = wape(q_a, last_f.sum(axis=1))
    return ratio if with_ratio < without else np.ones_like(ratio)


def _pick(results: dict[str, tuple], choice: np.ndarray, part: int) -> np.ndarray:
    """Per-series chosen candidate's forecasts (part 0: backtest, 1: final)."""
    names = list(results)
    stack = np.stack([results[n][part] for n in names])
    if part == 0:
        return stack[choice, :, np.arange(len(choice))].transpose(1, 0, 2)
    return stack[choice, np.arange(len(choice))]


def upper_panel(panel: Panel, hierarchy: Hierarchy) -> Panel:
    """Aggregate series of every level above the bottom (no drivers: they don't add up)."""
    n_upper = hierarchy.S.shape[0] - panel.n_series
    S_up = hierarchy.S[:n_upper]
    values = aggregate(S_up, panel.values)
    present = aggregate(S_up, (~np.isnan(panel.values)).astype(float)) > 0
    values = np.where(present, values, np.nan)
    return Panel(
        hierarchy.labels.iloc[:n_upper].reset_index(drop=True), panel.dates, values, panel.freq
    )


def run_forecast(
    panel: Panel,
    settings: ForecastSettings,
    horizon: int,
    runner: Runner | None = None,
    backtester: Backtester | None = None,
    keys: list[str] | None = None,
) -> Outcome:
    """Backtest, select, reconcile and (horizon > 0) fit the final forecast set."""
    runner = runner or Runner()
    backtester = backtester or Backtester(runner, settings.known_drivers)
    keys = keys or [c for c in panel.index.columns if c != "category"]
    windows = make_windows(panel, settings)
    if not windows:
        return _too_short(panel, settings, horizon, keys)
    specs = candidate_specs(settings.selection)
    names = list(specs) if "ensemble" in specs else [n for n in specs if n != "ensemble"]
    m = season_length_for(panel.freq)
    hierarchy = build_hierarchy(panel.index, default_levels(panel.index, keys, settings.levels))
    upper = upper_panel(panel, hierarchy)
    actual_b = np.stack([panel.values[:, w.cut : w.cut + w.horizon] for w in windows])
    actual_u = np.stack([upper.values[:, w.cut : w.cut + w.horizon] for w in windows])
    scale_b = mase_scale(panel.values[:, : windows[0].cut], m)
    scale_u = mase_scale(upper.values[:, : windows[0].cut], m)

    res_b = backtester.run("bottom", panel, specs, windows, horizon)
    res_b = {n: res_b[n] for n in names}
    choice_b, scores_b = select_per_series({n: r[0] for n, r in res_b.items()}, actual_b, scale_b)
    sel_b = _pick(res_b, choice_b, 0)
    upper_specs = {n: s for n, s in specs.items() if n not in GLOBAL} or specs
    upper_specs = {**upper_specs}
    if "ensemble" in upper_specs and len(ensemble_members(upper_specs)) < 2:
        upper_specs.pop("ensemble")
    res_u = backtester.run("upper", upper, upper_specs, windows, horizon)
    choice_u, _ = select_per_series({n: r[0] for n, r in res_u.items()}, actual_u, scale_u)
    sel_u = _pick(res_u, choice_u, 0)

    base_all = np.concatenate([sel_u, sel_b], axis=1)  # windows x all x h
    actual_all = np.concatenate([actual_u, actual_b], axis=1)
    residuals = (actual_all - base_all).transpose(0, 2, 1).reshape(-1, base_all.shape[1])
    G = {
        "bottom_up": bottom_up_matrix(hierarchy.S),
        "mint_shrink": mint_matrix(hierarchy.S, residuals),
    }
    level_scores = {
        method: _level_wapes(hierarchy, G_m, base_all, actual_all) for method, G_m in G.items()
    }
    method = settings.reconciliation
    if method == "auto":
        method = _auto_method(level_scores, level_name(hierarchy.levels[-1]))
    recon_b = np.stack([reconcile(G[method], base_all[k]) for k in range(len(windows))])

    metrics, table = _metrics(
        res_b, recon_b, actual_b, scale_b, windows, panel, hierarchy, level_scores, method
    )
    errors = log_errors(actual_b, recon_b)
    metrics.update(_coverage(errors, recon_b, actual_b, settings))
    counts = pd.Series(np.array(names)[choice_b]).value_counts()
    for name in names:
        metrics[f"selected_share.{name}"] = float(counts.get(name, 0) / panel.n_series)
    choice = panel.index[keys].copy()
    choice["model"] = np.array(names)[choice_b]
    choice["backtest_mase"] = scores_b[np.arange(panel.n_series), choice_b]
    outcome = Outcome(metrics, table, choice, method, windows)
    outcome.notes = {"level_scores": level_scores, "upper_choice": np.array(list(res_u))[choice_u]}
    if horizon:
        final_all = np.concatenate([_pick(res_u, choice_u, 1), _pick(res_b, choice_b, 1)])
        mean = reconcile(G[method], final_all)
        paths = PathSampler().fit(errors).sample(mean, settings.n_paths, settings.seed)
        paths = match_means(paths, mean * checked_bias_ratios(actual_b, recon_b)[:, None])
        outcome.forecast_set = _forecast_set(panel, keys, mean, paths, horizon)
        outcome.forecast_set.info.update(
            {
                "spec": settings.spec(),
                "estimators": specs,
                "reconciliation": method,
                "selected": choice,
                "hierarchy_levels": [level_name(lv) for lv in hierarchy.levels],
            }
        )
    return outcome


def _auto_method(level_scores: dict[str, dict[str, float]], bottom: str) -> str:
    """Best mean WAPE over levels among methods no worse than bottom-up at the bottom level.

    Planners edit and sum the bottom series, so upper-level gains must not cost bottom accuracy.
    """
    floor = level_scores["bottom_up"].get(bottom, np.inf)
    allowed = [m for m, s in level_scores.items() if m == "bottom_up" or s.get(bottom, 0) <= floor]
    return min(allowed, key=lambda k: np.nanmean(list(level_scores[k].values())))


def _level_wapes(
    hierarchy: Hierarchy, G: np.ndarray, base_all: np.ndarray, actual_all: np.ndarray
) -> dict[str, float]:
    """WAPE at every level of the reconciled backtest forecasts."""
    recon = np.stack([hierarchy.S @ reconcile(G, base_all[k]) for k in range(len(base_all))])
    out = {}
    for level in hierarchy.levels:
        name = level_name(level)
        rows = hierarchy.level_rows(name)
        out[name] = wape(actual_all[:, rows], recon[:, rows])
    return out


def _metrics(
    res_b: dict[str, tuple],
    recon_b: np.ndarray,
    actual_b: np.ndarray,
    scale_b: np.ndarray,
    windows: list[Window],
    panel: Panel,
    hierarchy: Hierarchy,
    level_scores: dict[str, dict[str, float]],
    method: str,
) -> tuple[dict[str, float], pd.DataFrame]:
    """Per-model, per-step and per-level metrics, and the long backtest table."""
    metrics: dict[str, float] = {}
    rows = []
    forecasts = {**{n: r[0] for n, r in res_b.items()}, "selected": recon_b}
    for name, fc in forecasts.items():
        flat_a = np.concatenate(list(actual_b), axis=1)
        flat_f = np.concatenate(list(fc), axis=1)
        metrics[f"backtest_wape.{name}"] = wape(actual_b, fc)
        metrics[f"backtest_mase.{name}"] = float(
            np.nanmean(mase_per_series(flat_a, flat_f, scale_b))
        )
        metrics[f"backtest_smape.{name}"] = float(np.nanmean(smape_per_series(flat_a, flat_f)))
        q_a, q_f = np.nansum(actual_b, axis=2), fc.sum(axis=2)
        metrics[f"backtest_quarter_wape.{name}"] = wape(q_a, q_f)
        for k, window in enumerate(windows):
            for step in range(window.horizon):
                a, f = actual_b[k, :, step], fc[k, :, step]
                rows.append(
                    {
                        "model": name,
                        "level": level_name(hierarchy.levels[-1]),
                        "window_start": panel.dates[window.cut].date().isoformat(),
                        "step": step + 1,
                        "wape": wape(a, f),
                        "smape": float(np.nanmean(smape_per_series(a[:, None], f[:, None]))),
                        "mase": float(np.nanmean(mase_per_series(a[:, None], f[:, None], scale_b))),
                    }
                )
    metrics["backtest_wape"] = metrics["backtest_wape.selected"]
    metrics["backtest_mase"] = metrics["backtest_mase.selected"]
    metrics["backtest_smape"] = metrics["backtest_smape.selected"]
    for step in range(recon_b.shape[2]):
        metrics[f"backtest_wape.selected.h{step + 1:02d}"] = wape(
            actual_b[:, :, step], recon_b[:, :, step]
        )
    for method_name, scores in level_scores.items():
        for level, value in scores.items():
            key = f"backtest_wape.level.{level.replace(' x ', '_x_')}"
            if method_name == method:
                metrics[key] = value
                rows.append(
                    {
                        "model": "selected",
                        "level": level,
                        "window_start": "all",
                        "step": 0,
                        "wape": value,
                        "smape": np.nan,
                        "mase": np.nan,
                    }
                )
            metrics[f"reconciliation.{method_name}.{level.replace(' x ', '_x_')}"] = value
    return metrics, pd.DataFrame(rows)


def _coverage(
    errors: np.ndarray, recon_b: np.ndarray, actual_b: np.ndarray, settings: ForecastSettings
) -> dict[str, float]:
    """Coverage of intervals built from earlier windows, checked on the last window."""
    if len(errors) < 2:
        return {}
    sampler = PathSampler().fit(errors[:-1])
    paths = sampler.sample(recon_b[-1], 400, settings.seed + 1)
    ratio = checked_bias_ratios(actual_b[:-1], recon_b[:-1])
    paths = match_means(paths, recon_b[-1] * ratio[:, None])
    actual = actual_b[-1]
    out = {}
    for level, (lo, hi) in {"80": (0.10, 0.90), "95": (0.025, 0.975)}.items():
        lo_p, hi_p = np.quantile(paths, [lo, hi], axis=1)
        out[f"coverage_{level}"] = coverage(actual, lo_p, hi_p)
        complete = ~np.isnan(actual).any(axis=1)
        q_paths = paths.sum(axis=2)
        q_lo, q_hi = np.quantile(q_paths, [lo, hi], axis=1)
        out[f"quarter_coverage_{level}"] = coverage(
            np.where(complete, actual.sum(axis=1), np.nan), q_lo, q_hi
        )
        t_paths = paths.sum(axis=(0, 2))
        t_lo, t_hi = np.quantile(t_paths, [lo, hi])
        out[f"total_quarter_in_{level}"] = float(t_lo <= np.nansum(actual) <= t_hi)
    return out


def _forecast_set(
    panel: Panel, keys: list[str], mean: np.ndarray, paths: np.ndarray, horizon: int
) -> ForecastSet:
    """The payload serving answers from."""
    last = panel.dates[-1]
    recent = panel.dates > last - pd.Timedelta(days=ACTUALS_DAYS)
    return ForecastSet(
        index=panel.index,
        keys=keys,
        freq=panel.freq,
        dates=future_dates(last, horizon, panel.freq),
        mean=mean,
        paths=paths,
        actual_dates=panel.dates[recent],
        actuals=panel.values[:, recent],
        model_name="selected_per_series",
        info={"history_start": str(panel.dates[0].date()), "history_end": str(last.date())},
    )


def _too_short(panel: Panel, settings: ForecastSettings, horizon: int, keys: list[str]) -> Outcome:
    """History too short for any backtest window: seasonal naive with its own intervals."""
    log.warning("history of %d periods is too short to backtest: seasonal naive", panel.n_periods)
    choice = panel.index[keys].copy()
    choice["model"] = "seasonal_naive"
    outcome = Outcome({}, pd.DataFrame(), choice, "bottom_up", [])
    if horizon:
        model = SeasonalNaive().fit(panel)
        fs = _forecast_set(
            panel,
            keys,
            model.predict(horizon),
            model.sample_paths(horizon, settings.n_paths),
            horizon,
        )
        fs.info.update({"spec": settings.spec(), "reconciliation": "bottom_up", "selected": choice})
        outcome.forecast_set = fs
    return outcome
