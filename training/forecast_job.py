"""Training job for the sales-forecast family: validate, backtest, fit, log, register, promote."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.base import clone

from engine import promotion
from engine.calendar import future_dates, periods_to_cover, quarter_of, season_length
from engine.contracts import SalesHistory, parse_column_mapping, read_table, validate_sales
from engine.metrics import coverage, mase, wape
from engine.panel import Panel, to_panel
from engine.store import ModelStore
from models.forecasters import SeasonalNaive
from models.forecasters.forecast_set import ForecastSet
from models.pyfunc import SalesForecastPyfunc
from training.results import TrainResult

log = logging.getLogger("lodestar.training.forecast")

HOLDOUT = {"D": 91, "W": 13, "M": 3, "Q": 1}
"""One quarter of periods held out for the promotion metric."""
N_PATHS = 500
ACTUALS_DAYS = 100


def load_sales(
    data: str | Path, columns: str | None = None, keys: list[str] | None = None
) -> SalesHistory:
    """Read and validate a sales history file: the one path every job and command uses."""
    return validate_sales(read_table(data, parse_column_mapping(columns)), keys=keys)


def holdout_split(panel: Panel, periods: int) -> tuple[Panel, np.ndarray]:
    """Panel without its last `periods` columns, and those held-out actuals."""
    cut = panel.values.shape[1] - periods
    train = Panel(panel.index, panel.dates[:cut], panel.values[:, :cut], panel.freq)
    return train, panel.values[:, cut:]


def evaluate(estimator: SeasonalNaive, panel: Panel) -> dict[str, float]:
    """Holdout metrics of an unfitted estimator spec on the last quarter of the panel."""
    periods = HOLDOUT[panel.freq[0]]
    if panel.values.shape[1] <= periods + 1:
        return {}
    train, actual = holdout_split(panel, periods)
    model = clone(estimator).fit(train)
    forecast = model.predict(periods)
    paths = model.sample_paths(periods, 200)
    lo80, hi80 = np.quantile(paths, [0.1, 0.9], axis=1)
    lo95, hi95 = np.quantile(paths, [0.025, 0.975], axis=1)
    return {
        "holdout_wape": wape(actual, forecast),
        "holdout_mase": mase(actual, forecast, train.values, season_length(panel.freq)),
        "holdout_coverage_80": coverage(actual, lo80, hi80),
        "holdout_coverage_95": coverage(actual, lo95, hi95),
    }


def horizon_for(last: pd.Timestamp, freq: str, quarters: int) -> int:
    """Periods from the last date through the end of the `quarters`-th quarter after it."""
    target = quarter_of(pd.DatetimeIndex([last]))[0] + quarters
    return periods_to_cover(last, target, freq)


def build_forecast_set(
    estimator: SeasonalNaive, panel: Panel, horizon: int, n_paths: int = N_PATHS
) -> ForecastSet:
    """Fit on the full panel and precompute the future that serving will answer from."""
    model = clone(estimator).fit(panel)
    last = panel.dates[-1]
    recent = panel.dates > last - pd.Timedelta(days=ACTUALS_DAYS)
    return ForecastSet(
        index=panel.index,
        keys=[c for c in panel.index.columns if c != "category"] or list(panel.index.columns),
        freq=panel.freq,
        dates=future_dates(last, horizon, panel.freq),
        mean=model.predict(horizon),
        paths=model.sample_paths(horizon, n_paths),
        actual_dates=panel.dates[recent],
        actuals=panel.values[:, recent],
        model_name=type(estimator).__name__,
        info={"history_start": str(panel.dates[0].date()), "history_end": str(last.date())},
    )


def train_forecast(
    store: ModelStore,
    data: str | Path,
    columns: str | None = None,
    keys: list[str] | None = None,
    horizon_quarters: int = 5,
    force: bool = False,
) -> TrainResult:
    """The `lodestar train forecast` job. Validation happens before any run is created."""
    history = load_sales(data, columns, keys)
    panel = to_panel(history)
    estimator = SeasonalNaive()
    metrics = evaluate(estimator, panel)
    champion_version = store.champion_version("sales")
    champion_score = None
    if champion_version is not None and metrics:
        champion_set = store.load_version("sales", champion_version)
        champion_spec = champion_set.info.get("estimator", SeasonalNaive())
        champion_score = evaluate(champion_spec, panel).get("holdout_wape")
    horizon = horizon_for(panel.dates[-1], panel.freq, horizon_quarters)
    forecast_set = build_forecast_set(estimator, panel, horizon)
    forecast_set.info["estimator"] = clone(estimator)
    with store.run("sales", run_name="forecast") as run:
        run.params(
            {
                "model": type(estimator).__name__,
                **{f"model.{k}": v for k, v in estimator.get_params().items()},
                "data": str(data),
                "keys": ",".join(history.keys),
                "freq": history.freq,
                "n_series": panel.n_series,
                "n_rows": len(history.frame),
                "history_start": forecast_set.info["history_start"],
                "history_end": forecast_set.info["history_end"],
                "horizon": horizon,
            }
        )
        run.metrics(metrics)
        sample = panel.index.head(2)[forecast_set.keys].astype(str)
        signature = infer_signature(sample, forecast_set.predict_frame(sample).head())
        store.log_model(run, SalesForecastPyfunc(), forecast_set, signature, sample)
        decision = promotion.decide(
            "holdout_wape",
            metrics.get("holdout_wape", float("nan")),
            champion_score,
            champion_version,
            force,
        )
        with store.registering("sales", run) as version:
            promotion.apply(store, "sales", run, version, decision)
    log.info("trained sales forecast v%s (%s)", version, decision.reason)
    return TrainResult("sales", run.run_id, version, decision.promoted, decision.reason, metrics)
