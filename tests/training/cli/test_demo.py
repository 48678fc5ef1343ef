"""The README's first command: demo data through every family, then a quarterly plan."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from engine.core.families import FAMILIES
from engine.registry.store import ModelStore
from training.cli.demo import run_demo


def test_demo_trains_every_family_and_prints_the_plan(tmp_path: Path, store: ModelStore) -> None:
    sizes = {
        "n_regions": 2,
        "stores_per_region": 2,
        "n_products": 4,
        "n_weeks": 110,
        "n_leads": 600,
    }
    report = run_demo(store, tmp_path / "demo", seed=2, sizes=sizes)
    for family in FAMILIES:
        assert store.champion_version(family) == "1", family
    assert report.count("version 1, now champion (there was none)") == len(FAMILIES)
    assert "(no champion)" not in report
    table = report.split("Quarterly unit forecast", 1)[1].splitlines()
    regions = sorted(pd.read_csv(tmp_path / "demo" / "sales.csv")["region"].unique())
    header, rows = table[1], table[3 : 4 + len(regions)]
    assert header.split()[0] == "quarter" and len(header.split()) == 5
    labels = [r.split()[0] for r in rows]
    assert labels == [*regions, "TOTAL"]
    totals = [float(x.replace(",", "")) for x in rows[len(regions)].split()[1::2]]
    by_region = [
        [float(x.replace(",", "")) for x in row.split()[1::2]] for row in rows[: len(regions)]
    ]
    for q, total in enumerate(totals):
        assert abs(sum(r[q] for r in by_region) - total) <= 2 + 1e-6 * total
    assert "mlflow ui --backend-store-uri sqlite:///" in report
