"""The lead-conversion training job: features, split, fit, calibrate, log, register, promote."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from mlflow.models import ModelSignature, infer_signature
from mlflow.types.schema import AnyType, ColSpec, Schema
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from engine.core.contracts import (
    LeadTable,
    parse_column_spec,
    read_table,
    validate_events,
    validate_leads,
)
from engine.core.errors import DataError
from engine.core.families import LEADS
from engine.leads.features import activity_counts, leak_warnings, training_cutoffs, with_activity
from engine.leads.metrics import calibration_table, classification_report, gains_table
from engine.registry import promotion
from engine.registry.promotion import TrainResult
from engine.registry.pyfunc import LeadConversionPyfunc
from engine.registry.store import ModelStore
from models.leads import LeadConversionModel, LeadScorer, parse_thresholds
from models.leads.reasons import score_of
from models.leads.tiers import thresholds_from_precision
from training.leads.charts import calibration_figure, gains_figure

log = logging.getLogger("lodestar.training.leads")

VALIDATION_SHARE = 0.2
PROMOTION_METRIC = LEADS.promotion_metric
"""A proper scoring rule: it rewards ranking and calibration together (lower is better)."""
SEGMENTS = ("source", "region")
MIN_CLASS = 5


def load_leads(
    data: str | Path,
    columns: str | None = None,
    exclude: list[str] | None = None,
    events: str | Path | None = None,
    window_days: float | None = None,
    date_format: str | None = None,
) -> LeadTable:
    """Read and validate leads with outcomes; with an event log, counts as of each cut-off.

    Every date column (created_date, conversion_date, the log's timestamp) is read with one
    format: `date_format` (or the mapping file's), else the one its whole column allows.
    """
    spec = parse_column_spec(columns, date_format)
    table = validate_leads(
        read_table(data, spec.mapping),
        require_outcome=True,
        exclude=exclude,
        date_formats=spec.date_formats,
    )
    if events is not None:
        log_frame = validate_events(read_table(events), spec.date_formats.for_column("timestamp"))
        cutoff = training_cutoffs(table, window_days)
        counts = activity_counts(log_frame, table.frame["lead_id"], cutoff)
        table = with_activity(table, counts)
    return table


def split_leads(table: LeadTable, share: float = VALIDATION_SHARE, seed: int = 0) -> tuple:
    """(train index, validation index, how): newest leads validate when created_date exists."""
    frame, y = table.frame, table.frame["converted"].to_numpy()
    if min(y.sum(), len(y) - y.sum()) < MIN_CLASS:
        raise DataError(
            f"need at least {MIN_CLASS} converted and {MIN_CLASS} unconverted leads to train "
            f"(have {int(y.sum())} converted of {len(y)})",
            "converted",
        )
    if table.has_created_date:
        order = frame.sort_values(["created_date", "lead_id"], kind="stable").index
        cut = int(round(len(order) * (1 - share)))
        train, val = order[:cut], order[cut:]
        yv = frame.loc[val, "converted"]
        if 0 < yv.sum() < len(yv) and 0 < frame.loc[train, "converted"].sum() < len(train):
            cutoff = frame.loc[val, "created_date"].min().date()
            return train, val, f"time split: validation = leads created from {cutoff}"
    train, val = train_test_split(frame.index, test_size=share, stratify=y, random_state=seed)
    return pd.Index(train), pd.Index(val), "stratified random split"


def lead_hashes(ids: pd.Series) -> np.ndarray:
    """Compact fingerprints of lead ids, so a later run can tell which leads a model has seen."""
    return np.sort(pd.util.hash_pandas_object(ids.astype(str), index=False).to_numpy())


def conversion_lag_days(frame: pd.DataFrame) -> float:
    """Median days from creation to conversion among converted leads (0 when unknown)."""
    if "created_date" not in frame.columns or "conversion_date" not in frame.columns:
        return 0.0
    lag = (frame["conversion_date"] - frame["created_date"]).dt.days.dropna()
    return float(lag.median()) if len(lag) else 0.0


def champion_probability(
    store: ModelStore, train: pd.DataFrame, val: pd.DataFrame
) -> tuple[str | None, np.ndarray | None, str]:
    """The champion's probabilities on this run's validation leads (refit if it saw them)."""
    version = store.champion_version("leads")
    if version is None:
        return None, None, "no champion"
    scorer: LeadScorer = store.load_version("leads", version)
    missing = [f for f in scorer.features if f not in val.columns]
    if missing:
        return version, None, f"champion v{version} needs column '{missing[0]}' absent here"
    seen = scorer.info.get("trained_ids")
    overlap = seen is not None and np.isin(lead_hashes(val["lead_id"]), seen).any()
    model = scorer.model
    note = f"champion v{version} re-scored on the same validation leads"
    if overlap:
        model = clone(scorer.model).fit(train[scorer.features], train["converted"].to_numpy())
        note = f"champion v{version} refit on this training split (it had seen validation leads)"
    return version, model.predict_proba(val[scorer.features])[:, 1], note


def train_leads(
    store: ModelStore,
    data: str | Path,
    columns: str | None = None,
    exclude: list[str] | None = None,
    events: str | Path | None = None,
    force: bool = False,
    tiers: str | None = None,
    window_days: float | None = None,
    estimator: LeadConversionModel | None = None,
    date_format: str | None = None,
) -> TrainResult:
    """The `lodestar train leads` job. Validation happens before any run is created."""
    table = load_leads(data, columns, exclude, events, window_days, date_format)
    given_tiers = parse_thresholds(tiers) if tiers else None
    frame, features = table.frame, table.features
    train_idx, val_idx, how = split_leads(table)
    train, val = frame.loc[train_idx], frame.loc[val_idx]
    y_train, y_val = train["converted"].to_numpy(), val["converted"].to_numpy()
    leaks = leak_warnings(train, features, y_train)
    for col, auc in leaks.items():
        log.warning("feature '%s' alone has AUC %.3f: is it recorded after the outcome?", col, auc)

    spec = estimator if estimator is not None else LeadConversionModel()
    model = clone(spec).fit(train[features], y_train)
    baseline = LeadConversionModel(learner="logistic").fit(train[features], y_train)
    p_val = model.predict_proba(val[features])[:, 1]
    p_base = baseline.predict_proba(val[features])[:, 1]
    metrics = classification_report(y_val, p_val)
    metrics.update({f"baseline_{k}": v for k, v in classification_report(y_val, p_base).items()})
    score_val = score_of(p_val)
    tier_rule = given_tiers or thresholds_from_precision(y_val, score_val)
    info = {
        "estimator": clone(spec),
        "trained_ids": lead_hashes(train["lead_id"]),
        "lag_days": conversion_lag_days(train),
        "segments": [c for c in SEGMENTS if c in features],
        "split": how,
        "calibration": model.calibration_,
        "leak_warnings": leaks,
        "trained_through": str(train["created_date"].max().date())
        if table.has_created_date
        else None,
    }
    scorer = LeadScorer(model, tier_rule, info)
    tiers_val = tier_rule.assign(score_val)
    for name in ("warm", "hot", "sales-qualified"):
        at_least = pd.Series(tiers_val).isin(_tiers_from(name)).to_numpy()
        metrics[f"tier_{name}_threshold"] = tier_rule.as_dict()[name]
        metrics[f"tier_{name}_share"] = float(at_least.mean())
        if at_least.any():
            metrics[f"tier_{name}_precision"] = float(y_val[at_least].mean())

    champion_version, champion_p, note = champion_probability(store, train, val)
    champion_score = None
    if champion_p is not None:
        champion_score = classification_report(y_val, champion_p)[PROMOTION_METRIC]
    decision = promotion.decide(
        PROMOTION_METRIC, metrics[PROMOTION_METRIC], champion_score, champion_version, force
    )
    if champion_version is not None and champion_p is None and not force:
        decision = dataclasses.replace(
            decision, promoted=False, reason=f"{note}; not compared, use --force to promote"
        )

    with store.run("leads", run_name="leads") as run:
        run.params(
            {
                "model": "LeadConversionModel",
                **{f"model.{k}": v for k, v in spec.get_params().items()},
                "baseline": "LeadConversionModel(learner='logistic')",
                "data": str(data),
                "events": str(events) if events else "none",
                "date_formats": ",".join(f"{k}={v}" for k, v in table.date_formats.items())
                or "none",
                "excluded": ",".join(table.excluded) or "none",
                "features": ",".join(features),
                "split": how,
                "n_train": len(train),
                "n_validation": len(val),
                "calibration": model.calibration_,
                "tiers": tier_rule.describe(),
                "champion_comparison": note,
            }
        )
        run.tags(
            {
                "lodestar.tiers": tier_rule.describe(),
                "lodestar.leak_warnings": ", ".join(f"{k} (AUC {v})" for k, v in leaks.items())
                or "none",
            }
        )
        run.metrics(metrics)
        run.dict({"tiers": tier_rule.as_dict(), "targets": tier_rule.targets}, "tiers.json")
        if leaks:
            run.dict(leaks, "leak_warnings.json")
        curves = {"Lodestar": p_val, "logistic baseline": p_base}
        for name, fig in (
            ("calibration.png", calibration_figure(y_val, curves)),
            ("gains.png", gains_figure(y_val, curves)),
        ):
            run.figure(fig, f"plots/{name}")
        run.table(calibration_table(y_val, p_val), "validation/calibration.csv")
        run.table(gains_table(y_val, p_val), "validation/gains.csv")
        sample = _example(train[["lead_id", *features]].head(3), model)
        signature = lead_signature(features, scorer.predict_frame(sample))
        store.log_model(run, LeadConversionPyfunc(), scorer, signature, sample)
        version = store.register("leads", run)  # complete only once the run has finished
    result = promotion.conclude(store, "leads", run, version, decision, metrics)
    log.info("trained lead conversion v%s (%s)", version, decision.reason)
    return result


def lead_signature(features: list[str], output: pd.DataFrame) -> ModelSignature:
    """Inputs by name (lead_id optional; any type, so integer counts and NaNs both pass)."""
    inputs = Schema(
        [ColSpec(AnyType(), "lead_id", required=False)]
        + [ColSpec(AnyType(), name) for name in features]
    )
    return ModelSignature(inputs=inputs, outputs=infer_signature(None, output).outputs)


def _tiers_from(name: str) -> list[str]:
    order = ["warm", "hot", "sales-qualified"]
    return order[order.index(name) :]


def _example(frame: pd.DataFrame, model: LeadConversionModel) -> pd.DataFrame:
    """Input example with plain types: numbers as float, categories as text."""
    out = frame.copy()
    for col in model.numeric_features_:
        out[col] = out[col].astype(float)
    for col in model.categorical_features_:
        out[col] = out[col].astype(object).where(out[col].notna(), None).astype(str)
    return out.reset_index(drop=True)
