"""How fast are plans over HTTP: creating one, and an override on the total with its
disaggregation to every level (the default demo hierarchy: 288 series x 4 quarters)?

Trains a sales forecast on the default demo data (quick selection: the plan's speed does not
depend on which forecaster won), starts `lodestar serve` on the embedded SQLite database and,
when PostgreSQL's binaries are installed, on a PostgreSQL server started for the run, and
drives each with one keep-alive client. Targets (issue 11): override p99 under 50 ms, plan
creation under 2 s.

    .venv/bin/python bench/planning.py [--overrides 400]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from engine.core.logs import quiet_libraries  # noqa: E402
from engine.core.settings import Settings  # noqa: E402
from engine.demo import write_demo_data  # noqa: E402
from engine.registry.store import ModelStore  # noqa: E402
from serving.core.auth import hash_key  # noqa: E402
from tests.e2e.lodestar_process import Server, lodestar_env  # noqa: E402
from tests.postgres import PostgresServer, postgres_bin  # noqa: E402

KEY = "bench-planner-key"
QUARTERS = "2027Q1..2027Q4"


def train(home: Path) -> int:
    """Default-size demo data and a sales champion; returns the number of series."""
    from training.forecasting.job import train_forecast

    paths = write_demo_data(home / "demo", seed=0)
    store = ModelStore.from_settings(Settings(home=home))
    train_forecast(store, paths["sales"], selection="baseline", n_windows=1)
    _, payload = store.load_champion("sales")
    return len(payload.index)


def percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.asarray(samples) * 1000
    return {"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99))}


def drive(url: str, overrides: int, creations: int) -> dict[str, Any]:
    """Create plans (timed), then override the total quarter after quarter (timed)."""
    headers = {"X-API-Key": KEY}
    with httpx.Client(base_url=url, timeout=120, headers=headers) as http:
        created = []
        for k in range(creations):
            started = time.perf_counter()
            answer = http.post("/v1/plans", json={"name": f"bench-{k}", "quarters": QUARTERS})
            created.append(time.perf_counter() - started)
            assert answer.status_code == 201, answer.text
        plan = answer.json()
        pid, quarters = plan["id"], plan["quarters"]
        cells = http.get(f"/v1/plans/{pid}/versions/baseline").json()["cells"]
        url_override = f"/v1/plans/{pid}/versions/baseline/overrides"
        timings, changed = [], []
        for k in range(overrides + 20):
            body = {
                "cell": {},
                "quarter": quarters[k % len(quarters)],
                "percent": 1.0 if k % 2 == 0 else -1.0,
                "reason": "other",
            }
            started = time.perf_counter()
            answer = http.post(url_override, json=body)
            elapsed = time.perf_counter() - started
            assert answer.status_code == 200, answer.text
            if k >= 20:  # warm-up: connection, caches
                timings.append(elapsed)
                changed.append(answer.json()["cells_changed"])
    return {
        "cells": len(cells),
        "create": created,
        "override": percentiles(timings),
        "cells_changed": int(statistics.median(changed)),
        "n": len(timings),
    }


def run_backend(home: Path, name: str, database_url: str | None, args: argparse.Namespace) -> dict:
    extra = {"LODESTAR_API_KEYS": f"planner:bench:sha256:{hash_key(KEY)}"}
    if database_url:
        extra["LODESTAR_DATABASE_URL"] = database_url
    server = Server(lodestar_env(home, **extra), home / f"serve-{name}.log")
    try:
        return {"backend": name, **drive(server.url, args.overrides, args.creations)}
    finally:
        server.stop()


def table(rows: list[dict[str, Any]], n_series: int, load: float) -> str:
    lines = [
        f"Default demo hierarchy: {n_series} series, {rows[0]['cells']} cells per version "
        "(every level x 4 quarters). One keep-alive client over HTTP on localhost; "
        f"machine load average {load:.1f} at the end of the run (2 shared cores).",
        "",
        "| database | plan creation (median / max) | override on the total p50 | p99 | "
        "cells changed per override | overrides timed |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {statistics.median(r['create']):.2f} s / {max(r['create']):.2f} s "
            f"| {r['override']['p50']:.1f} ms | {r['override']['p99']:.1f} ms "
            f"| {r['cells_changed']} | {r['n']} |"
        )
    lines += [
        "",
        "Targets: override p99 under 50 ms, plan creation under 2 s. An override locks its "
        "version, reads the quarter's cells, disaggregates by baseline share, re-sums every "
        "level and writes the changed cells, the override and its audit line in one transaction.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overrides", type=int, default=400)
    parser.add_argument("--creations", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="Do not update RESULTS.md.")
    args = parser.parse_args()
    quiet_libraries()
    home = Path(tempfile.mkdtemp(prefix="lodestar-bench-planning-"))
    n_series = train(home)
    rows = [run_backend(home, "SQLite (embedded)", None, args)]
    bin_dir = postgres_bin()
    if bin_dir is not None:
        pg = PostgresServer(bin_dir)
        try:
            rows.append(run_backend(home, "PostgreSQL 15", pg.create_database(), args))
        finally:
            pg.stop()
    else:
        print("PostgreSQL binaries absent: only SQLite measured", file=sys.stderr)
    text = table(rows, n_series, os.getloadavg()[0])
    print(text)
    if not args.no_write:
        write_section("planning", "## Plans: override and plan creation over HTTP\n\n" + text)
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
