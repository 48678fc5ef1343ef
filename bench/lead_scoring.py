"""Lead scoring on real data: Lodestar's calibrated boosting vs a logistic baseline, and speed.

Data (see ../shared/data/SOURCES.md): UCI bank marketing (target y, `duration` excluded: it is
known only after the call) and the X Education leads (target Converted; "Select" = missing;
the sales-staff columns Tags, Lead Quality, Last Activity, Last Notable Activity excluded).
Run: .venv/bin/python -m bench.lead_scoring
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from bench.results import write_section
from engine.core.contracts import LeadTable, parse_column_mapping, read_table, validate_leads
from engine.core.settings import Settings
from engine.leads.features import leak_warnings
from engine.leads.metrics import classification_report
from engine.leads.rubric import Rubric, rubric_from_toml
from engine.leads.suggest import ranking_report, suggest_rubric
from models.leads import LeadConversionModel, LeadScorer, thresholds_from_precision
from models.leads.reasons import score_of
from training.leads.job import split_leads

THROUGHPUT_ROWS = 100_000
XED_STAFF_COLUMNS = ["Tags", "Lead Quality", "Last Activity", "Last Notable Activity"]


def data_dir() -> Path:
    path = Settings().data_dir
    if not path.is_absolute():
        path = (Path(__file__).resolve().parent.parent / path).resolve()
    return path


def bank(root: Path) -> tuple[LeadTable, pd.DataFrame]:
    raw = read_table(
        root / "bank_marketing/bank-additional-full.csv.gz", parse_column_mapping("converted=y")
    )
    return validate_leads(raw, require_outcome=True, exclude=["duration"]), raw


def x_education(root: Path) -> tuple[LeadTable, pd.DataFrame]:
    mapping = parse_column_mapping("lead_id=Prospect ID,converted=Converted")
    raw = read_table(root / "leads/Leads.csv.gz", mapping).replace("Select", np.nan)
    table = validate_leads(raw, require_outcome=True, exclude=["Lead Number", *XED_STAFF_COLUMNS])
    return table, raw


def evaluate(name: str, table: LeadTable) -> tuple[list[dict], LeadScorer, LeadConversionModel]:
    """Fit both models on the training split; metrics on the validation split."""
    train_idx, val_idx, how = split_leads(table)
    frame, features = table.frame, table.features
    train, val = frame.loc[train_idx], frame.loc[val_idx]
    y_train, y_val = train["converted"].to_numpy(), val["converted"].to_numpy()
    rows = []
    fitted = {}
    for label, model in (
        ("Lodestar (HGB, calibrated)", LeadConversionModel()),
        ("logistic baseline", LeadConversionModel(learner="logistic")),
    ):
        start = time.perf_counter()
        model.fit(train[features], y_train)
        seconds = time.perf_counter() - start
        p = model.predict_proba(val[features])[:, 1]
        report = classification_report(y_val, p)
        rows.append(
            {
                "data": name,
                "model": label,
                "ROC-AUC": report["roc_auc"],
                "PR-AUC": report["pr_auc"],
                "Brier": report["brier"],
                "ECE": report["ece"],
                "top-decile lift": report["lift_top_decile"],
                "calibration": model.calibration_,
                "fit s": seconds,
                "split": f"{how}, {len(train)} train / {len(val)} validation",
            }
        )
        fitted[label] = (model, p)
    lodestar, p = fitted["Lodestar (HGB, calibrated)"]
    tiers = thresholds_from_precision(y_val, score_of(p))
    return rows, LeadScorer(lodestar, tiers, {}), fitted["logistic baseline"][0]


HAND_RUBRICS = Path(__file__).resolve().parent / "rubrics"
"""Rubric files (bank.toml, xed.toml) a marketer might write by hand from the data
dictionaries, before seeing outcomes."""


def rubric_comparison(name: str, key: str, table: LeadTable) -> list[dict]:
    """Suggested rubric vs hand rubric vs the model on the validation split: ROC-AUC and the
    precision (conversion rate) and share of leads per tier."""
    train_idx, val_idx, _ = split_leads(table)
    frame = table.frame
    train, val = frame.loc[train_idx], frame.loc[val_idx]
    y_train, y_val = train["converted"].to_numpy(), val["converted"].to_numpy()
    suggested = suggest_rubric(train, y_train, table.features)
    hand = rubric_from_toml((HAND_RUBRICS / f"{key}.toml").read_text(encoding="utf-8"))
    model = LeadConversionModel().fit(train[table.features], y_train)
    p_train = model.predict_proba(train[table.features])[:, 1]
    p_val = model.predict_proba(val[table.features])[:, 1]
    model_tiers = thresholds_from_precision(y_train, score_of(p_train))
    views = [
        (f"suggested ({len(suggested.rules)} rules)", *_points(suggested, val)),
        (f"hand ({len(hand.rules)} rules)", *_points(hand, val)),
        ("model (HGB, calibrated)", p_val, model_tiers.assign(score_of(p_val))),
    ]
    rows = []
    for label, score, tiers in views:
        report = ranking_report(y_val, score, tiers)
        row = {"data": name, "ranker": label, "ROC-AUC": report["roc_auc"]}
        for tier in ("warm", "hot", "sales-qualified"):
            part = report["tiers"][tier]
            row[f"{tier} precision"] = part["precision"]
            row[f"{tier} share"] = part["share"]
        rows.append(row)
    return rows


def _points(rubric: Rubric, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    scores = rubric.evaluate(frame)
    return scores.points.astype(float), scores.tiers


def throughput(table: LeadTable, scorer: LeadScorer, baseline: LeadConversionModel) -> list[dict]:
    """Leads per second on one batch of 100k (bank rows resampled); best of 3 (reasons: 1)."""
    batch = table.frame.sample(THROUGHPUT_ROWS, replace=True, random_state=0).reset_index(drop=True)
    batch["lead_id"] = [f"B{i}" for i in range(len(batch))]
    features = batch[scorer.features]
    out = []
    timings = [
        ("logistic baseline: probability", lambda: baseline.predict_proba(features)),
        ("Lodestar: probability", lambda: scorer.model.predict_proba(features)),
        ("Lodestar: probability + score + tier", lambda: scorer.score_batch(batch, reasons=False)),
        ("Lodestar: full output with top-3 reasons", lambda: scorer.score_batch(batch)),
    ]
    for threads in (1, None):
        with threadpool_limits(threads):
            base_seconds = None
            for label, call in timings:
                repeats = 1 if "reasons" in label else 3
                call()  # warm-up
                best = float("inf")
                for _ in range(repeats):
                    start = time.perf_counter()
                    call()
                    best = min(best, time.perf_counter() - start)
                base_seconds = base_seconds or best
                out.append(
                    {
                        "scoring (100k leads, one batch)": label,
                        "threads": str(threads or f"default ({os.cpu_count()})"),
                        "seconds": best,
                        "leads/s": THROUGHPUT_ROWS / best,
                        "x logistic time": best / base_seconds,
                    }
                )
    return out


def markdown(frame: pd.DataFrame, formats: dict) -> str:
    """A pipe table; numbers formatted per column."""
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for _, row in frame.iterrows():
        cells = [formats.get(c, str)(row[c]) for c in frame.columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    root = data_dir()
    bank_table, _ = bank(root)
    xed_table, xed_raw = x_education(root)
    rows_bank, scorer, baseline = evaluate("bank marketing (no duration)", bank_table)
    rows_xed, _, _ = evaluate("X Education leads (no staff columns)", xed_table)
    metrics = pd.DataFrame(rows_bank + rows_xed)
    rubrics = pd.DataFrame(
        rubric_comparison("bank marketing (no duration)", "bank", bank_table)
        + rubric_comparison("X Education leads (no staff columns)", "xed", xed_table)
    )
    load_before = os.getloadavg()[0]
    speed = pd.DataFrame(throughput(bank_table, scorer, baseline))
    load = (
        f"- machine shared with other jobs: 1-minute load average {load_before:.1f} before and "
        f"{os.getloadavg()[0]:.1f} after timing on {os.cpu_count()} cores (OpenMP threads "
        "fight the other jobs when the machine is busy, hence the single-thread rows)"
    )

    full = validate_leads(xed_raw, require_outcome=True, exclude=["Lead Number"])
    xed_leaks = leak_warnings(full.frame, full.features, full.frame["converted"].to_numpy())
    bank_all = validate_leads(
        read_table(
            root / "bank_marketing/bank-additional-full.csv.gz", parse_column_mapping("converted=y")
        ),
        require_outcome=True,
    )
    bank_leaks = leak_warnings(
        bank_all.frame, bank_all.features, bank_all.frame["converted"].to_numpy()
    )

    fmt = {c: "{:.4f}".format for c in ("ROC-AUC", "PR-AUC", "Brier", "ECE")}
    fmt |= {"top-decile lift": "{:.2f}".format, "fit s": "{:.1f}".format}
    table_md = markdown(metrics.drop(columns=["split"]), fmt)
    speed_md = markdown(
        speed,
        {
            "seconds": "{:.3f}".format,
            "leads/s": "{:,.0f}".format,
            "x logistic time": "{:.1f}".format,
        },
    )
    splits = "\n".join(
        f"- {d}: {s}" for d, s in metrics.drop_duplicates("data")[["data", "split"]].to_numpy()
    )
    leaks = (
        f"- leak check (single-feature AUC >= 0.8) with every column kept: bank marketing "
        f"{bank_leaks or 'none'}; X Education {xed_leaks or 'none'}"
    )
    tiers = f"- bank marketing default {scorer.tiers.describe()}"
    share = {c: (lambda v: "—" if pd.isna(v) else f"{v:.1%}") for c in rubrics.columns[3:]}
    rubrics_md = markdown(rubrics, {"ROC-AUC": "{:.4f}".format, **share})
    body = "\n\n".join(
        [
            "### Accuracy and calibration on the validation split",
            table_md,
            splits + "\n" + leaks + "\n" + tiers,
            "### Points rubrics: suggested from the data vs written by hand vs the model",
            rubrics_md,
            "- same validation split as above; tier precision = conversion rate of the leads "
            "in that tier, share = their part of the validation leads; the suggested rubric's "
            "thresholds and the model's tiers come from precision targets on the training leads",
            "### Scoring throughput (bank marketing model, 100k leads in one batch)",
            speed_md,
            load,
        ]
    )
    print(body)
    write_section("lead_scoring", body)


if __name__ == "__main__":
    main()
