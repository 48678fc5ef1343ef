"""The sales-forecast training job: validate, backtest, fit, log, register, promote if better."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from mlflow.models import infer_signature

from engine.core.calendar import period_offset, periods_for_quarters
from engine.core.contracts import Findings, SalesFile, SalesHistory, as_sales_file
from engine.core.families import SALES
from engine.core.panel import Panel, to_panel
from engine.core.parallel import Runner
from engine.forecasting.answers import stopped_note
from engine.forecasting.backtest import Backtester
from engine.forecasting.orchestrator import ForecastSettings, Outcome, run_forecast
from engine.registry import promotion
from engine.registry.promotion import TrainResult
from engine.registry.pyfunc import SalesForecastPyfunc
from engine.registry.store import ModelStore
from training.forecasting.charts import close, fan_charts
from training.forecasting.findings import run_findings, treatment_params

log = logging.getLogger("lodestar.training.forecasting")

PROMOTION_METRIC = SALES.promotion_metric


def champion_score(
    store: ModelStore,
    panel: Panel,
    settings: ForecastSettings,
    backtester: Backtester,
    keys: list[str],
) -> tuple[str | None, float | None, dict | None]:
    """The champion's spec re-evaluated on this data's windows: (version, WAPE, its spec)."""
    version = store.champion_version("sales")
    if version is None:
        return None, None, None
    payload = store.load_version("sales", version)
    spec = dict(getattr(payload, "info", {}).get("spec") or {"selection": "baseline"})
    same_windows = {"n_windows": settings.n_windows, "window_horizon": settings.window_horizon}
    champ = ForecastSettings(**{**spec, **same_windows, "n_paths": 50, "seed": settings.seed})
    outcome = run_forecast(panel, champ, 0, backtester=backtester, keys=keys)
    return version, outcome.metrics.get(PROMOTION_METRIC), spec


def train_forecast(
    store: ModelStore,
    data: SalesFile | str | Path,
    horizon_quarters: int = 5,
    force: bool = False,
    selection: str = "standard",
    reconciliation: str = "auto",
    n_windows: int = 3,
    runner: Runner | None = None,
    seed: int = 0,
    report: Callable[[Findings], None] | None = None,
) -> TrainResult:
    """The `lodestar train forecast` job. Validation happens before any run is created.

    A partial last period is dropped before fitting and the horizon grows by one period, so the
    forecast covers it whole plus the same future quarters. The data's findings (and the series
    the local models fall back on) go to `report`, the run's parameters and data/findings.csv.
    """
    source = as_sales_file(data)
    history = source.read()
    panel = to_panel(history.complete())
    series_keys = history.series_keys
    settings = ForecastSettings(
        selection=selection, n_windows=n_windows, reconciliation=reconciliation, seed=seed
    )
    runner = runner if runner is not None else Runner()
    backtester = Backtester(runner)
    last = panel.dates[-1] + period_offset(panel.freq) * history.periods_dropped
    requested = periods_for_quarters(last, panel.freq, horizon_quarters)
    horizon = requested + history.periods_dropped
    findings = run_findings(history, panel, selection, n_windows)
    if report is not None:
        report(findings)
    outcome = run_forecast(panel, settings, horizon, runner, backtester, series_keys)
    forecast_set = outcome.forecast_set
    metrics = outcome.metrics
    champ_version, champ_wape, champ_spec = champion_score(
        store, panel, settings, backtester, series_keys
    )
    with store.run("sales", run_name="forecast") as run:
        run.params(_params(settings, history, panel, source.path, horizon, outcome))
        run.params({**treatment_params(history, requested, horizon), **findings.params()})
        if len(findings):
            run.table(findings.table(), "data/findings.csv")
        run.metrics({k: v for k, v in metrics.items() if ".h" not in k})
        for key, value in metrics.items():
            if ".selected.h" in key:
                run.metrics({"backtest_wape_by_step": value}, step=int(key[-2:]))
            if key.startswith("conformal_factor.h"):
                run.metrics({"conformal_factor_by_step": value}, step=int(key[-2:]))
        _log_tables(run, outcome)
        _log_findings(run, outcome)
        figures = fan_charts(panel, forecast_set)
        try:
            for name, fig in figures.items():
                run.figure(fig, f"charts/{name}")
        finally:
            close(figures)
        sample = panel.index.head(2)[forecast_set.keys].astype(str)
        signature = infer_signature(sample, forecast_set.predict_frame(sample).head())
        store.log_model(run, SalesForecastPyfunc(), forecast_set, signature, sample)
        decision = _decide(metrics, champ_version, champ_wape, champ_spec, settings, force)
        version = store.register("sales", run)  # complete only once the run has finished
    result = promotion.conclude(store, "sales", run, version, decision, metrics)
    log.info("trained sales forecast v%s (%s)", version, decision.reason)
    return result


def _decide(
    metrics: dict[str, float],
    champ_version: str | None,
    champ_wape: float | None,
    champ_spec: dict | None,
    settings: ForecastSettings,
    force: bool,
) -> promotion.PromotionDecision:
    """Strictly better backtest WAPE on the same windows wins; the same spec on newer data too."""
    challenger = metrics.get(PROMOTION_METRIC, float("nan"))
    decision = promotion.decide(PROMOTION_METRIC, challenger, champ_wape, champ_version, force)
    same = champ_spec is not None and champ_spec == settings.spec()
    if not decision.promoted and same and champ_wape is not None and challenger <= champ_wape:
        reason = f"same estimator spec as champion v{champ_version}, refitted on this data"
        return promotion.PromotionDecision(
            True, PROMOTION_METRIC, challenger, champ_wape, champ_version, reason
        )
    return decision


def _params(
    settings: ForecastSettings,
    history: SalesHistory,
    panel: Panel,
    data: str | Path,
    horizon: int,
    outcome: Outcome,
) -> dict[str, object]:
    """Run parameters: data, spec, windows, the reconciliation chosen."""
    return {
        "model": "per-series selection by backtest MASE",
        **{f"spec.{k}": v for k, v in settings.spec().items()},
        "candidates": ",".join(
            outcome.forecast_set.info.get("estimators", {}) or ["seasonal_naive"]
        ),
        "reconciliation_chosen": outcome.reconciliation,
        "windows": ",".join(str(panel.dates[w.cut].date()) for w in outcome.windows),
        "data": str(data),
        "keys": ",".join(history.keys),
        "freq": history.freq,
        "n_series": panel.n_series,
        "n_rows": len(history.frame),
        "history_start": str(panel.dates[0].date()),
        "history_end": str(panel.dates[-1].date()),
        "horizon": horizon,
        "n_paths": settings.n_paths,
    }


def _log_findings(run, outcome: Outcome) -> None:
    """Series that stopped more than a season early: a table in the run, one warning line."""
    stopped = outcome.notes.get("stopped_early")
    run.metrics({"n_stopped_early": float(0 if stopped is None else len(stopped))})
    if stopped is None or stopped.empty or outcome.forecast_set is None:
        return
    run.table(stopped, "findings/stopped_early.csv")
    note = stopped_note(outcome.forecast_set, False, "stopped=exclude in GET /v1/forecasts")
    log.warning("%s", note)


def _log_tables(run, outcome: Outcome) -> None:
    """Backtest table and per-series model choice as CSV artifacts."""
    if not outcome.table.empty:
        run.table(outcome.table, "backtest/backtest.csv")
    run.table(outcome.choice, "backtest/selection.csv")
