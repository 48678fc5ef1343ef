"""What-if speed on the default demo data: the fast simulator against the dense reference.

Trains the sales forecast and pricing champions on the default demo data (288 weekly series,
500 sample paths), then times one scenario of 50 per-series price changes (the serving
benchmark's) three ways, each beside its peer in the same run:
  - engine: `engine.pricing.simulator.simulate` (warm and first call) vs the dense oracle in tests/
    (the dense path every series x path x period, which the fast one replaced);
  - API: POST /v1/pricing/scenarios in process (TestClient, no network), p50 and p99;
  - no-change scenario (all cached baseline) vs the dense path.

Run: .venv/bin/python -m bench.whatif_speed [--home DIR_WITH_TRAINED_STORE] [--runs 100]
(writes its section of bench/RESULTS.md)
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bench.results import write_section
from engine.core.logs import quiet_libraries
from engine.core.settings import Settings
from engine.demo import write_demo_data
from engine.pricing.scenario import Scenario, parse_scenario
from engine.pricing.simulator import simulate
from engine.registry.store import ModelStore
from tests.engine.pricing.dense_oracle import simulate_dense

KEY = "bench-whatif-key"


def champions(home: Path) -> ModelStore:
    """A store with sales and pricing champions on the default demo data (trained if absent)."""
    store = ModelStore.from_settings(Settings(home=home))
    if store.champion_version("sales") and store.champion_version("pricing"):
        return store
    from training.forecasting.job import train_forecast
    from training.pricing.job import train_pricing

    paths = write_demo_data(home / "demo", seed=0)
    train_forecast(store, paths["sales"])
    train_pricing(store, paths["sales"])
    return store


def scenario_body(index: pd.DataFrame) -> dict:
    """50 price points, one per (store, product) pair, -10% to +10%."""
    pairs = index[["store", "product"]].drop_duplicates().head(50)
    changes = [
        {"filter": {"store": str(s), "product": str(p)}, "percent": float(-10 + (i % 21))}
        for i, (s, p) in enumerate(pairs.itertuples(index=False))
    ]
    return {"name": "bench-50", "price_changes": changes}


def timings(fn: Callable[[], object], runs: int) -> np.ndarray:
    out = np.empty(runs)
    for k in range(runs):
        t0 = time.perf_counter()
        fn()
        out[k] = time.perf_counter() - t0
    return out


def ms(x: float) -> str:
    return f"{x * 1e3:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    quiet_libraries()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        store = champions(home)
        sales = store.load_version("sales", store.champion_version("sales"))
        pricing = store.load_version("pricing", store.champion_version("pricing"))
        body = scenario_body(sales.index)
        scenario = parse_scenario(body)
        nothing = parse_scenario({"name": "none"})

        t0 = time.perf_counter()
        simulate(sales, pricing, scenario)
        first = time.perf_counter() - t0
        fast = timings(lambda: simulate(sales, pricing, scenario), args.runs)
        dense_runs = max(5, args.runs // 20)
        dense = timings(lambda: simulate_dense(sales, pricing, scenario), dense_runs)
        quiet = timings(lambda: simulate(sales, pricing, nothing), args.runs)
        dense_quiet = timings(lambda: simulate_dense(sales, pricing, nothing), dense_runs)
        handler = _handler(sales, pricing, body, args.runs)
        api, api_quiet = _api(home, store, body, args.runs)
        gc.freeze()  # what a server would do once its champions are loaded: no full-heap GCs
        frozen = _handler(sales, pricing, body, args.runs)

    n, n_paths, h = sales.paths.shape
    load = os.getloadavg()[0]
    rows = [
        ("engine, 50 price changes", fast, dense),
        ("engine, no change", quiet, dense_quiet),
    ]
    table = [
        "| what-if | fast p50 ms | fast p99 ms | dense p50 ms | dense / fast (p50) |",
        "|---|---|---|---|---|",
    ]
    for label, ours, peer in rows:
        p50, p99, peer50 = np.median(ours), np.quantile(ours, 0.99), np.median(peer)
        table.append(f"| {label} | {ms(p50)} | {ms(p99)} | {ms(peer50)} | {peer50 / p50:.0f}x |")
    table.append(
        f"| engine, first call (builds the baseline cache) | {ms(first)} | | "
        f"{ms(np.median(dense))} | {np.median(dense) / first:.1f}x |"
    )
    api_table = [
        "| POST /v1/pricing/scenarios | p50 ms | p99 ms | p99 / engine p99 |",
        "|---|---|---|---|",
        f"| router handler only (parse, simulate, JSON), 50 price changes | "
        f"{ms(np.median(handler))} | {ms(np.quantile(handler, 0.99))} | "
        f"{np.quantile(handler, 0.99) / np.quantile(fast, 0.99):.1f}x |",
        f"| router handler after gc.freeze(), 50 price changes | "
        f"{ms(np.median(frozen))} | {ms(np.quantile(frozen, 0.99))} | "
        f"{np.quantile(frozen, 0.99) / np.quantile(fast, 0.99):.1f}x |",
        f"| TestClient (in process), 50 price changes | {ms(np.median(api))} | "
        f"{ms(np.quantile(api, 0.99))} | "
        f"{np.quantile(api, 0.99) / np.quantile(fast, 0.99):.1f}x |",
        f"| TestClient (in process), no change | {ms(np.median(api_quiet))} | "
        f"{ms(np.quantile(api_quiet, 0.99))} | "
        f"{np.quantile(api_quiet, 0.99) / np.quantile(quiet, 0.99):.1f}x |",
    ]
    text = (
        f"Default demo data: {n} series x {h} weeks x {n_paths} paths; one scenario of "
        f"{len(body['price_changes'])} per-series price changes; {args.runs} warm runs "
        f"(dense peer: {dense_runs}); load average {load:.1f} on {os.cpu_count()} shared cores."
        "\n\n" + "\n".join(table) + "\n\n" + "\n".join(api_table)
    )
    print(text)
    write_section("whatif_speed", "## What-if speed\n\n" + text)


def _handler(sales: object, pricing: object, body: dict, runs: int) -> np.ndarray:
    """The endpoint function itself: request model in, JSON bytes out (no HTTP, no auth)."""
    from types import SimpleNamespace

    from serving.pricing.routes import post_what_if

    request = Scenario.model_validate(body)
    sales_champion = SimpleNamespace(payload=sales, version="1")
    pricing_champion = SimpleNamespace(payload=pricing, version="1")
    settings = Settings()
    return timings(
        lambda: post_what_if(request, sales_champion, pricing_champion, settings).body, runs
    )


def _api(home: Path, store: ModelStore, body: dict, runs: int) -> tuple[np.ndarray, np.ndarray]:
    """Request latency through the app in process (auth on, one pricing key)."""
    from fastapi.testclient import TestClient

    from serving.app import create_app

    settings = Settings(home=home, api_keys=f"pricing:{KEY}", auth_enabled=True)
    headers = {"X-API-Key": KEY}
    with TestClient(create_app(settings, store)) as client:
        url = "/v1/pricing/scenarios"
        assert client.post(url, json=body, headers=headers).status_code == 200
        busy = timings(lambda: client.post(url, json=body, headers=headers), runs)
        quiet = timings(lambda: client.post(url, json={"name": "none"}, headers=headers), runs)
    return busy, quiet


if __name__ == "__main__":
    main()
