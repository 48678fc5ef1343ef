"""Demo data with known ground truth: sales and leads generators, and the files the demo writes.

Everything is deterministic given ``seed``; ``write_demo_data`` is the only I/O.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from engine.core.errors import LodestarError
from engine.demo.leads import generate_leads, true_conversion_probability
from engine.demo.sales import generate_sales, holiday_weeks, true_log_demand

__all__ = [
    "generate_leads",
    "generate_sales",
    "holiday_weeks",
    "true_conversion_probability",
    "true_log_demand",
    "write_demo_data",
]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """One table to CSV (dates as ISO text, missing as empty)."""
    frame.to_csv(path, index=False)


def _write_json(obj: Any, path: Path) -> None:
    """Truth dict to pretty JSON."""
    path.write_text(json.dumps(obj, indent=2, sort_keys=True), encoding="utf-8")


def _commit_files(staging: Path, out_dir: Path, names: list[str]) -> None:
    """Move staged files into out_dir; on failure restore what was there before."""
    moved: list[str] = []
    backups: dict[str, Path] = {}
    try:
        for name in names:
            target = out_dir / name
            if target.exists():
                backups[name] = staging / f"{name}.bak"
                os.replace(target, backups[name])
            os.replace(staging / name, target)
            moved.append(name)
    except BaseException:
        for name in moved:
            (out_dir / name).unlink(missing_ok=True)
        for name, backup in backups.items():
            if backup.exists():
                os.replace(backup, out_dir / name)
        raise


def write_demo_data(out_dir: str | Path, seed: int = 0, **sizes: Any) -> dict[str, Path]:
    """Write sales/leads/lead_events CSVs and ground_truth.json atomically; returns their paths."""
    sales_keys = {"n_regions", "stores_per_region", "n_products", "n_weeks", "end"}
    lead_keys = {"n_leads", "end"}
    unknown = set(sizes) - sales_keys - lead_keys
    if unknown:
        raise LodestarError(f"unknown size keys: {sorted(unknown)}", field=sorted(unknown)[0])
    out_dir = Path(out_dir)
    sales, sales_truth = generate_sales(seed, **{k: v for k, v in sizes.items() if k in sales_keys})
    leads, events, leads_truth = generate_leads(
        seed, **{k: v for k, v in sizes.items() if k in lead_keys}
    )
    truth = {"seed": int(seed), "sales": sales_truth["sales"], "leads": leads_truth["leads"]}
    files = {
        "sales": "sales.csv",
        "leads": "leads.csv",
        "lead_events": "lead_events.csv",
        "truth": "ground_truth.json",
    }
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    created = not out_dir.exists()
    try:
        _write_csv(sales, staging / files["sales"])
        _write_csv(leads, staging / files["leads"])
        _write_csv(events, staging / files["lead_events"])
        _write_json(truth, staging / files["truth"])
        out_dir.mkdir(exist_ok=True)
        _commit_files(staging, out_dir, list(files.values()))
    except BaseException:
        if created and out_dir.exists() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {key: out_dir / name for key, name in files.items()}
