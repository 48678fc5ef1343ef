"""Training job for the price-sensitivity family: validate, hold out, fit, log, register, promote.

The promotion metric is the out-of-sample RMSE of log units on the last weeks (with their real
price changes); the champion's specification is refitted and scored on the same split.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.base import clone

from engine.core.calendar import quarter_periods
from engine.core.contracts import Findings, SalesFile, SalesHistory, as_sales_file
from engine.core.errors import DataError
from engine.core.families import PRICING
from engine.registry import promotion
from engine.registry.promotion import TrainResult
from engine.registry.pyfunc import PriceSensitivityPyfunc
from engine.registry.store import ModelStore
from models.pricing import PriceSensitivityModel, PricingSet
from training.pricing.charts import demand_curve_figures

log = logging.getLogger("lodestar.training.pricing")

METRIC = PRICING.promotion_metric


def load_priced_sales(data: SalesFile | str | Path) -> SalesHistory:
    """Read and validate a sales file that must carry prices and a product key."""
    history = as_sales_file(data).read(require_price=True)
    if "product" not in history.keys:
        raise DataError(
            "price sensitivity needs a 'product' key column (map yours with --columns "
            "product=your_column)",
            "product",
        )
    return history


def split_holdout(frame: pd.DataFrame, periods: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows before and on/after the cut that leaves `periods` distinct dates for the holdout."""
    dates = np.sort(frame["date"].unique())
    if len(dates) <= periods + 8:
        return frame, frame.iloc[0:0]
    cut = dates[-periods]
    return frame[frame["date"] < cut], frame[frame["date"] >= cut]


def holdout_rmse(spec: PriceSensitivityModel, train: pd.DataFrame, test: pd.DataFrame) -> float:
    """RMSE of log units on held-out rows (units > 0) for a spec refitted on the train rows."""
    if test.empty:
        return float("nan")
    model = clone(spec).set_params(dml=False).fit(train)
    rows = test[test["units"] > 0]
    pred = model.predict(rows)
    ok = np.isfinite(pred)
    if not ok.any():
        return float("nan")
    err = np.log(rows["units"].to_numpy(dtype=float))[ok] - pred[ok]
    return float(np.sqrt(np.mean(err**2)))


def current_prices(history: SalesHistory) -> pd.DataFrame:
    """Last observed price and cost of every series: what 'prices held' means for a baseline.

    Without a cost column the cost is unknown (NaN), never 0: margins are then not reported.
    """
    frame = history.frame
    keys = history.series_keys
    extra = ["category"] if "category" in frame.columns and "category" not in keys else []
    last = frame.sort_values("date").groupby(keys, sort=True).tail(1)
    out = last[[*keys, *extra, "price", "date"]].copy()
    out["cost"] = last["cost"].to_numpy(dtype=float) if history.has_cost else np.nan
    return out.rename(columns={"date": "last_date"}).reset_index(drop=True)


def train_pricing(
    store: ModelStore,
    data: SalesFile | str | Path,
    controls: list[str] | None = None,
    force: bool = False,
    estimator: PriceSensitivityModel | None = None,
    report: Callable[[Findings], None] | None = None,
) -> TrainResult:
    """The `lodestar train pricing` job. Validation happens before any run is created.

    A partial last period is left out (its low units at ordinary prices would read as a price
    effect); the data's findings go to `report`, the run's parameters and data/findings.csv.
    The holdout is the last quarter's periods (the last year for yearly panels).
    """
    source = as_sales_file(data)
    loaded = load_priced_sales(source)
    findings = Findings().plus(loaded.keys_note()).plus(*loaded.findings)
    if report is not None:
        report(findings)
    history = loaded.complete()
    frame = history.frame
    for col in controls or []:
        if col not in frame.columns:
            raise DataError(f"control column '{col}' is not in the data", "controls")
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
        if frame[col].isna().any():
            raise DataError(f"control column '{col}' must be numeric with no gaps", col)
    markets = [k for k in history.series_keys if k != "product"]
    season = {"fourier_order": 0} if history.freq == "Y" else {}  # a year has no season
    spec = estimator or PriceSensitivityModel(market_keys=markets, controls=controls, **season)
    train, test = split_holdout(frame, quarter_periods(history.freq))
    metrics = {
        METRIC: holdout_rmse(spec, train, test),
        "holdout_rmse_no_price": holdout_rmse(
            clone(spec).set_params(include_prices=False), train, test
        ),
    }
    champion_version = store.champion_version("pricing")
    champion_score = None
    if champion_version is not None:
        champion_set = store.load_version("pricing", champion_version)
        champion_spec = champion_set.info.get("estimator")
        if champion_spec is not None:
            try:
                champion_score = holdout_rmse(champion_spec, train, test)
            except (DataError, KeyError, ValueError) as exc:
                log.warning("champion cannot be re-evaluated on this data: %s", exc)
    model = clone(spec).fit(frame)
    table = model.elasticities_
    pricing_set = PricingSet(
        model=model,
        current=current_prices(history),
        keys=history.series_keys,
        info={
            "estimator": clone(spec),
            "history_start": str(frame["date"].min().date()),
            "history_end": str(frame["date"].max().date()),
            "has_cost": history.has_cost,
        },
    )
    own = table[table["kind"] == "own"]
    metrics.update(
        {
            "n_products": float(len(own)),
            "own_elasticity_median": float(own["elasticity"].median()),
            "share_plausible": float(table["plausible"].mean()) if len(table) else float("nan"),
            "n_confounded": float(own["confounded"].sum()),
        }
    )
    with store.run("pricing", run_name="pricing") as run:
        run.params(
            {
                "model": type(spec).__name__,
                **{f"model.{k}": v for k, v in spec.get_params().items()},
                "data": str(source.path),
                "keys": ",".join(history.keys),
                "freq": history.freq,
                "n_rows": len(frame),
                "holdout_rows": len(test),
                "history_start": pricing_set.info["history_start"],
                "history_end": pricing_set.info["history_end"],
                "date_format": loaded.date_format,
                "key_reasons": loaded.keys_summary(),
                "last_period": "partial: dropped" if loaded.periods_dropped else "complete",
                **findings.params(),
            }
        )
        if len(findings):
            run.table(findings.table(), "data/findings.csv")
        run.metrics(metrics)
        run.table(table, "elasticities.csv")
        for name, figure in demand_curve_figures(pricing_set):
            run.figure(figure, f"demand_curves/{name}.png")
        sample = pd.DataFrame({"product": own["product"].head(2).astype(str).tolist()})
        example = pricing_set.predict_frame(sample).astype({"n_obs": "float64"})
        signature = infer_signature(sample, example)
        store.log_model(run, PriceSensitivityPyfunc(), pricing_set, signature, sample)
        decision = promotion.decide(
            METRIC, metrics[METRIC], champion_score, champion_version, force
        )
        version = store.register("pricing", run)  # complete only once the run has finished
    result = promotion.conclude(store, "pricing", run, version, decision, metrics)
    log.info("trained price sensitivity v%s (%s)", version, decision.reason)
    return result
