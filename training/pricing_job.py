"""Training job for the price-sensitivity family: validate, hold out, fit, log, register, promote.

The promotion metric is the out-of-sample RMSE of log units on the last weeks (with their real
price changes); the champion's specification is refitted and scored on the same split.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.base import clone

from engine import promotion
from engine.contracts import SalesHistory, parse_column_mapping, read_table, validate_sales
from engine.errors import DataError, NoChampionError, NotFoundError
from engine.pricing import parse_recommendation, parse_scenario, recommend_prices, simulate
from engine.store import ModelStore
from models.pricing import PriceSensitivityModel, PricingSet
from models.pyfunc import PriceSensitivityPyfunc
from training.results import TrainResult

log = logging.getLogger("lodestar.training.pricing")

HOLDOUT_PERIODS = {"D": 91, "W": 13, "M": 3, "Q": 1}
METRIC = "holdout_rmse_log_units"
MAX_CURVES = 24
"""Demand-curve PNGs logged per run (first products only, to keep runs small)."""


def demand_curve_figures(pricing_set: Any) -> Iterator[tuple[str, Any]]:
    """(product, figure) per product: expected units relative to today over 70-130% of price."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = pricing_set.elasticities
    own = table[table["kind"] == "own"].head(MAX_CURVES)
    ratio = np.linspace(0.7, 1.3, 61)
    for row in own.itertuples(index=False):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        if np.isfinite(row.elasticity):
            ax.plot(ratio * 100, 100 * ratio**row.elasticity, label=f"e = {row.elasticity:.2f}")
            if np.isfinite(row.lo_95) and np.isfinite(row.hi_95):
                a, b = 100 * ratio**row.lo_95, 100 * ratio**row.hi_95
                ax.fill_between(ratio * 100, np.minimum(a, b), np.maximum(a, b), alpha=0.25)
        status = "" if row.plausible else " (implausible)"
        ax.set_title(f"{row.product}: demand curve{status}")
        ax.set_xlabel("price, % of current")
        ax.set_ylabel("units, % of current")
        ax.axvline(100, color="grey", lw=0.5)
        ax.legend(loc="upper right")
        fig.tight_layout()
        yield str(row.product), fig
        plt.close(fig)


def load_priced_sales(
    data: str | Path, columns: str | None = None, keys: list[str] | None = None
) -> SalesHistory:
    """Read and validate a sales file that must carry prices and a product key."""
    history = validate_sales(
        read_table(data, parse_column_mapping(columns)), keys=keys, require_price=True
    )
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
    """Last observed price and cost of every series: what 'prices held' means for a baseline."""
    frame = history.frame
    keys = history.series_keys
    extra = ["category"] if "category" in frame.columns and "category" not in keys else []
    last = frame.sort_values("date").groupby(keys, sort=True).tail(1)
    out = last[[*keys, *extra, "price", "date"]].copy()
    out["cost"] = last["cost"].to_numpy(dtype=float) if history.has_cost else 0.0
    return out.rename(columns={"date": "last_date"}).reset_index(drop=True)


def train_pricing(
    store: ModelStore,
    data: str | Path,
    columns: str | None = None,
    keys: list[str] | None = None,
    controls: list[str] | None = None,
    force: bool = False,
    estimator: PriceSensitivityModel | None = None,
) -> TrainResult:
    """The `lodestar train pricing` job. Validation happens before any run is created."""
    history = load_priced_sales(data, columns, keys)
    frame = history.frame
    for col in controls or []:
        if col not in frame.columns:
            raise DataError(f"control column '{col}' is not in the data", "controls")
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
        if frame[col].isna().any():
            raise DataError(f"control column '{col}' must be numeric with no gaps", col)
    markets = [k for k in history.series_keys if k != "product"]
    spec = estimator or PriceSensitivityModel(market_keys=markets, controls=controls)
    train, test = split_holdout(frame, HOLDOUT_PERIODS[history.freq[0]])
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
                "data": str(data),
                "keys": ",".join(history.keys),
                "freq": history.freq,
                "n_rows": len(frame),
                "holdout_rows": len(test),
                "history_start": pricing_set.info["history_start"],
                "history_end": pricing_set.info["history_end"],
            }
        )
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
        with store.registering("pricing", run) as version:
            promotion.apply(store, "pricing", run, version, decision)
    log.info("trained price sensitivity v%s (%s)", version, decision.reason)
    return TrainResult("pricing", run.run_id, version, decision.promoted, decision.reason, metrics)


# -- batch answers for the CLI: scenario files in, tables out -----------------------------------
def read_scenario_file(path: str | Path) -> dict[str, Any]:
    """A scenario or recommendation request from a JSON or TOML file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"scenario file '{path}' does not exist", "scenario")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        doc = json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"scenario file '{path}' cannot be parsed: {exc}", "scenario") from exc
    if not isinstance(doc, dict):
        raise DataError(f"scenario file '{path}' must hold one object", "scenario")
    return doc


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write CSV (or JSON records for .json) via a temp file + rename, never half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix.lower() == ".json":
            frame.to_json(tmp, orient="records", date_format="iso", indent=2)
        else:
            frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def elasticity_table(store: ModelStore, products: list[str] | None = None) -> pd.DataFrame:
    """The champion's elasticities: one row per product and per cross/competitor pair."""
    version, pricing_set = store.load_champion("pricing")
    table = pricing_set.elasticities
    if products:
        unknown = sorted(set(products) - set(pricing_set.products))
        if unknown:
            raise NotFoundError(f"unknown product '{unknown[0]}'", "product")
        table = table[table["product"].isin(products)]
    return table.assign(model_version=version).reset_index(drop=True)


def what_if_table(
    store: ModelStore, raw: dict[str, Any], fiscal_start_month: int = 1
) -> pd.DataFrame:
    """Weekly, quarterly and whole-range rows of a what-if, in one long table (`span` column)."""
    _, forecast_set = store.load_champion("sales")
    _, pricing_set = store.load_champion("pricing")
    result = simulate(forecast_set, pricing_set, parse_scenario(raw), fiscal_start_month)
    weekly = result.weekly.rename(columns={"date": "period"}).assign(span="week")
    weekly["period"] = pd.to_datetime(weekly["period"]).dt.strftime("%Y-%m-%d")
    quarterly = result.quarterly.rename(columns={"quarter": "period"}).assign(span="quarter")
    summary = result.summary.assign(span="total", period="all")
    table = pd.concat([summary, quarterly, weekly], ignore_index=True)
    front = ["span", "period", "product"]
    return table[front + [c for c in table.columns if c not in front]]


def recommendation_table(store: ModelStore, raw: dict[str, Any]) -> pd.DataFrame:
    """Recommended prices for a request file; the sales champion sizes the volumes if present."""
    _, pricing_set = store.load_champion("pricing")
    try:
        _, forecast_set = store.load_champion("sales")
    except NoChampionError:
        forecast_set = None
    table, joint = recommend_prices(pricing_set, parse_recommendation(raw), forecast_set)
    return table.assign(joint=joint)
