"""How fast is the API as users run it (`lodestar serve`), next to `mlflow models serve`?

Trains the three families on the default demo data (288 weekly series, 500 sample paths),
starts both servers on localhost, and drives them over real HTTP with 1 and 4 concurrent
client processes (keep-alive connections). Reports p50/p99 latency and throughput, and our
throughput over the peer's. The peer serves the same registered sales model with
`--env-manager local`; it can only return weekly rows for the series asked for, so it is
measured on its cheapest call (one series) and on one region's series.

    .venv/bin/python bench/serving.py [--seconds 8] [--clients 4]

`--lookup-series 30000` measures instead the quarterly lookup on a large model: a demo-logic
panel of that many weekly series (bench/scale.py's generator) trained with
`lodestar train forecast --models baseline --windows 1`, served by `lodestar serve`, and
asked for quarter totals at every level one client at a time (the answers are precomputed per
level when the champion loads, so a request selects rows; a filtered request sums its series).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results import write_section  # noqa: E402
from engine.core.calendar import quarter_label, quarter_of  # noqa: E402
from engine.core.logs import quiet_libraries  # noqa: E402
from engine.core.settings import Settings  # noqa: E402
from engine.demo import write_demo_data  # noqa: E402
from engine.registry.store import ModelStore  # noqa: E402

KEY = "bench-data-scientist-key"


@dataclass
class Call:
    """One kind of request a client repeats."""

    label: str
    method: str
    url: str
    params: dict[str, str] | None = None
    body: bytes | None = None
    headers: dict[str, str] | None = None


def _client(call: Call, seconds: float, warmup: int) -> tuple[list[float], float]:
    """Repeat `call` on one keep-alive connection for `seconds` after a warm-up.

    Uses the standard library's http.client so the client's own cost stays small next to
    the servers'. Returns the latencies (ms) and the wall time the timed loop took.
    """
    parts = urlsplit(call.url)
    target = parts.path + ("?" + urlencode(call.params) if call.params else "")
    headers = {**(call.headers or {}), "Content-Type": "application/json"}
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def once() -> None:
        conn.request(call.method, target, body=call.body, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{call.label}: {answer.status} {data[:300]!r}")

    out: list[float] = []
    for _ in range(warmup):
        once()
    began = time.perf_counter()
    while not out or time.perf_counter() - began < seconds:
        t0 = time.perf_counter()
        once()
        out.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - began
    conn.close()
    return out, wall


def measure(call: Call, clients: int, seconds: float) -> dict[str, Any]:
    """p50/p99 latency (ms) and requests per second with `clients` concurrent processes."""
    with mp.get_context("fork").Pool(clients) as pool:
        parts = pool.starmap(_client, [(call, seconds, 3)] * clients)
    latencies = np.concatenate([np.asarray(p) for p, _ in parts])
    return {
        "call": call.label,
        "clients": clients,
        "requests": len(latencies),
        "p50_ms": float(np.percentile(latencies, 50)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "rps": sum(len(p) / wall for p, wall in parts),
    }


def _wait(url: str, proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()[-3000:]}")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def train_all(home: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """Demo data at its default size; every family trained into an embedded store."""
    from training.forecasting.job import train_forecast
    from training.leads.job import train_leads
    from training.pricing.job import train_pricing

    paths = write_demo_data(home / "demo", seed=0)
    store = ModelStore.from_settings(Settings(home=home))
    versions = {"sales": train_forecast(store, paths["sales"]).version}
    versions["leads"] = train_leads(store, paths["leads"], events=paths["lead_events"]).version
    versions["pricing"] = train_pricing(store, paths["sales"]).version
    return paths, versions


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=str(ROOT)
    )


def calls(url: str, peer: str, paths: dict[str, Path]) -> tuple[list[Call], list[Call]]:
    """Our calls and the peer's, from the demo data."""
    sales = pd.read_csv(paths["sales"], parse_dates=["date"])
    first = quarter_of(pd.DatetimeIndex([sales["date"].max()]))[0] + 1
    quarter = quarter_label(first)
    auth = {"X-API-Key": KEY}
    one = sales.iloc[0]
    series = {"region": one["region"], "store": one["store"], "product": one["product"]}
    pairs = sales[["store", "product"]].drop_duplicates().head(50)
    what_if = {
        "name": "bench-50",
        "price_changes": [
            {"filter": {"store": s, "product": p}, "percent": float(-10 + (i % 21))}
            for i, (s, p) in enumerate(pairs.itertuples(index=False))
        ],
    }
    leads = pd.read_csv(paths["leads"]).drop(columns=["converted", "conversion_date"])
    batch = json.loads(leads.head(1000).to_json(orient="records"))
    horizon = ",".join(quarter_label(first + i) for i in range(4))
    ours = [
        Call(
            "quarterly forecast by region",
            "GET",
            f"{url}/v1/forecasts",
            {"quarters": quarter, "level": "region"},
            headers=auth,
        ),
        Call(
            "weekly forecast, one series",
            "GET",
            f"{url}/v1/forecasts",
            {"quarters": horizon, "granularity": "week", **series},
            headers=auth,
        ),
        Call(
            f"what-if, {len(what_if['price_changes'])} price points",
            "POST",
            f"{url}/v1/pricing/scenarios",
            body=json.dumps(what_if).encode(),
            headers=auth,
        ),
        Call(
            "score 1,000 leads",
            "POST",
            f"{url}/v1/leads/score",
            body=json.dumps({"leads": batch}).encode(),
            headers=auth,
        ),
    ]

    keys = sales[list(series)].drop_duplicates()
    region_rows = keys[keys["region"] == one["region"]].astype(str).to_numpy().tolist()

    def invocation(frame: dict) -> bytes:
        return json.dumps({"dataframe_split": frame}).encode()

    peers = [
        Call(
            "peer: weekly forecast, one series",
            "POST",
            f"{peer}/invocations",
            body=invocation({"columns": list(series), "data": [list(series.values())]}),
        ),
        Call(
            "peer: weekly forecast, one region's series",
            "POST",
            f"{peer}/invocations",
            body=invocation({"columns": list(series), "data": region_rows}),
        ),
    ]
    return ours, peers


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| server | call | clients | requests | p50 ms | p99 ms | req/s |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        server = "mlflow models serve" if r["call"].startswith("peer") else "lodestar serve"
        call = r["call"].removeprefix("peer: ")
        lines.append(
            f"| {server} | {call} | {r['clients']} | {r['requests']} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['rps']:.0f} |"
        )
    return "\n".join(lines)


def register_seasonal_naive(home: Path, sales: pd.DataFrame, horizon_quarters: int) -> None:
    """Register a champion ForecastSet for the sales without training (for lookup timing only).

    Mean: the same weeks a year earlier; 500 float32 paths around it; the recent actuals as a
    trained set keeps them. Its shape and levels are what a trained model of this size has.
    """
    from engine.core.calendar import future_dates, periods_for_quarters
    from engine.core.contracts import validate_sales
    from engine.core.panel import to_panel
    from engine.registry.pyfunc import SalesForecastPyfunc
    from models.forecasting.forecast_set import ForecastSet

    panel = to_panel(validate_sales(sales))
    horizon = periods_for_quarters(panel.dates[-1], panel.freq, horizon_quarters)
    values = np.nan_to_num(panel.values)
    season = values[:, -52:]
    mean = np.tile(season, (1, -(-horizon // 52)))[:, :horizon]
    rng = np.random.default_rng(0)
    paths = np.empty((len(values), 500, horizon), dtype=np.float32)
    for start in range(0, len(values), 1000):  # in chunks: bounded working memory
        block = mean[start : start + 1000]
        noise = rng.lognormal(0.0, 0.2, (len(block), 500, horizon)).astype(np.float32)
        paths[start : start + 1000] = block[:, None, :] * noise
    recent = panel.dates > panel.dates[-1] - pd.Timedelta(days=182)
    forecast_set = ForecastSet(
        index=panel.index,
        keys=["region", "store", "product"],
        freq=panel.freq,
        dates=future_dates(panel.dates[-1], horizon, panel.freq),
        mean=paths.mean(axis=1, dtype=np.float64),
        paths=paths,
        actual_dates=panel.dates[recent],
        actuals=panel.values[:, recent],
        model_name="seasonal_naive",
    )
    store = ModelStore.from_settings(Settings(home=home))
    with store.run("sales", run_name="lookup-bench") as run:
        store.log_model(run, SalesForecastPyfunc(), forecast_set)
        version = store.register("sales", run)
    store.set_champion("sales", version, who="bench")


def lookup_at_scale(
    n_series: int, seconds: float, horizon_quarters: int, synthetic: bool = False
) -> str:
    """p50/p99 of quarterly lookups at every level on a model of n_series series, as markdown."""
    import psutil

    from bench.scale import make_sales

    with tempfile.TemporaryDirectory(prefix="lodestar-bench-lookup-") as tmp:
        home, data = Path(tmp) / "home", Path(tmp) / "sales.csv"
        sales = make_sales(n_series, 120)
        if not synthetic:
            sales.to_csv(data, index=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LODESTAR_", "MLFLOW_"))}
        env |= {"LODESTAR_HOME": str(home), "LODESTAR_API_KEYS": f"data_scientist:{KEY}"}
        if synthetic:
            print(f"registering a {n_series:,}-series model (seasonal naive paths) ...", flush=True)
            began = time.perf_counter()
            register_seasonal_naive(home, sales, horizon_quarters)
            how = (
                "a seasonal-naive forecast set (500 lognormal paths around last year's weeks) "
                "built and registered directly, not trained"
            )
        else:
            print(f"training {n_series:,} series (baseline) ...", flush=True)
            began = time.perf_counter()
            trained = subprocess.run(
                [
                    sys.executable, "-m", "training.cli", "train", "forecast", "--data", str(data),
                    "--models", "baseline", "--windows", "1",
                    "--horizon-quarters", str(horizon_quarters),
                ],  # fmt: skip
                env=env, cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            if trained.returncode != 0:
                raise RuntimeError(trained.stderr[-3000:])
            how = "trained with `lodestar train forecast --models baseline --windows 1`"
        train_seconds = time.perf_counter() - began
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "lodestar.log"
        began = time.perf_counter()
        server = start(
            [sys.executable, "-m", "training.cli", "serve", "--port", str(port)], env, log
        )
        try:
            while "sales" not in _loaded(url):
                if server.poll() is not None or time.perf_counter() - began > 1800:
                    raise RuntimeError(f"server did not load the model:\n{log.read_text()[-3000:]}")
                time.sleep(1)
            load_seconds = time.perf_counter() - began
            rss = psutil.Process(server.pid).memory_info().rss / 1024**3
            first = quarter_of(pd.DatetimeIndex([sales["date"].max()]))[0] + 1
            quarter = quarter_label(first)
            store = str(sales["store"].iloc[0])
            auth = {"X-API-Key": KEY}
            asks = [
                ("total", {"level": "total"}),
                ("by region", {"level": "region"}),
                ("by store", {"level": "store"}),
                ("by product", {"level": "product"}),
                (
                    f"one store's products (filter store={store})",
                    {"level": "product", "store": store},
                ),
            ]
            rows = []
            for label, params in asks:
                call = Call(
                    label,
                    "GET",
                    f"{url}/v1/forecasts",
                    {"quarters": quarter, **params},
                    headers=auth,
                )
                rows.append(measure(call, 1, seconds))
                print(f"    {rows[-1]}", flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    lines = [
        f"### Quarterly lookup at {n_series:,} series",
        "",
        f"Demo-logic weekly panel of {n_series:,} series (bench/scale.py's shapes); model: {how}, "
        f"{horizon_quarters} quarters ahead, in {train_seconds:.0f} s; `lodestar serve` "
        f"(one worker) loaded it in {load_seconds:.0f} s "
        f"and holds {rss:.2f} GiB. One client, keep-alive, {seconds:.0f} s per row, quarter "
        f"{quarter}.",
        "",
        "| request | requests | p50 ms | p99 ms | target p99 < 20 ms |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        verdict = "met" if r["p99_ms"] < 20 else f"missed by {r['p99_ms'] - 20:.1f} ms"
        lines.append(
            f"| {r['call']} | {r['requests']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {verdict} |"
        )
    return "\n".join(lines)


def _loaded(url: str) -> list[str]:
    try:
        return list(httpx.get(f"{url}/v1/ready", timeout=5).json().get("loaded", []))
    except (httpx.HTTPError, ValueError):
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lookup-series", type=int, default=0, help="measure lookups only")
    parser.add_argument("--horizon-quarters", type=int, default=5)
    parser.add_argument(
        "--synthetic", action="store_true", help="register a seasonal-naive set, do not train"
    )
    opts = parser.parse_args()
    quiet_libraries()
    if opts.lookup_series:
        body = lookup_at_scale(
            opts.lookup_series, opts.seconds, opts.horizon_quarters, opts.synthetic
        )
        print(body)
        write_section("serving-lookup", body)
        return
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-serving-") as tmp:
        home = Path(tmp) / "home"
        print("training the three families on the default demo data ...", flush=True)
        paths, versions = train_all(home)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LODESTAR_", "MLFLOW_"))}
        env |= {"LODESTAR_HOME": str(home), "LODESTAR_API_KEYS": f"data_scientist:{KEY}"}
        port, peer_port = _free_port(), _free_port()
        ours = start(
            [sys.executable, "-m", "training.cli", "serve", "--port", str(port)],
            env,
            Path(tmp) / "lodestar.log",
        )
        bin_dir = str(Path(sys.executable).parent)  # mlflow execs `uvicorn` from PATH
        peer_env = {
            **env,
            "MLFLOW_TRACKING_URI": Settings(home=home).tracking_uri,
            "PATH": bin_dir + os.pathsep + env.get("PATH", ""),
        }
        mlflow_bin = str(Path(bin_dir) / "mlflow")
        peer = start(
            [
                mlflow_bin,
                "models",
                "serve",
                "-m",
                "models:/lodestar-sales-forecast@champion",
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                str(peer_port),
            ],
            peer_env,
            Path(tmp) / "peer.log",
        )
        try:
            url, peer_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{peer_port}"
            _wait(f"{url}/v1/ready", ours, Path(tmp) / "lodestar.log")
            ready = httpx.get(f"{url}/v1/ready").json()
            _wait(f"{peer_url}/ping", peer, Path(tmp) / "peer.log")
            our_calls, peer_calls = calls(url, peer_url, paths)
            rows = []
            for call in [*our_calls, *peer_calls]:
                for clients in sorted({1, opts.clients}):
                    print(f"  {call.label}, {clients} client(s) ...", flush=True)
                    rows.append(measure(call, clients, opts.seconds))
                    print(f"    {rows[-1]}", flush=True)
        finally:
            for proc in (ours, peer):
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    body = report(rows, versions, ready, opts)
    print(body)
    write_section("serving", body)


def report(rows: list[dict], versions: dict, ready: dict, opts: argparse.Namespace) -> str:
    """Markdown: the table, the ratios to the peer and what was measured."""
    by = {(r["call"], r["clients"]): r for r in rows}
    n = opts.clients
    ours_q = by[("quarterly forecast by region", n)]["rps"]
    ours_w = by[("weekly forecast, one series", n)]["rps"]
    peer_one = by[("peer: weekly forecast, one series", n)]["rps"]
    peer_region = by[("peer: weekly forecast, one region's series", n)]["rps"]
    what_if = next(r for r in rows if r["call"].startswith("what-if") and r["clients"] == 1)
    quarterly_1 = by[("quarterly forecast by region", 1)]
    lines = [
        "## Serving: `lodestar serve` vs `mlflow models serve` over HTTP on localhost",
        "",
        f"Default demo data (288 weekly series x 500 sample paths; models sales v"
        f"{versions['sales']}, leads v{versions['leads']}, pricing v{versions['pricing']}; "
        f"ready={ready['ready']}). One uvicorn worker each; API keys on for ours; clients are "
        "separate processes (stdlib http.client) on keep-alive connections, "
        f"{opts.seconds:.0f} s per row, on the same 2-core machine as the servers.",
        "",
        table(rows),
        "",
        "| ratio (throughput, {n} clients) | value |".replace("{n}", str(n)),
        "|---|---:|",
        f"| our quarterly forecast by region / peer's one-series weekly call | "
        f"{ours_q / peer_one:.1f}x |",
        f"| our quarterly forecast by region / peer's one-region weekly call | "
        f"{ours_q / peer_region:.1f}x |",
        f"| our one-series weekly call / peer's one-series weekly call (same rows) | "
        f"{ours_w / peer_one:.1f}x |",
        "",
        f"Targets: quarterly forecast p99 {quarterly_1['p99_ms']:.1f} ms with one client "
        f"(target < 20 ms); {what_if['call']} p99 {what_if['p99_ms']:.1f} ms with one client "
        "(target < 30 ms); throughput vs peer >= 5x.",
        "The peer cannot aggregate: a planner's regional quarter total needs the region's "
        "weekly rows from it plus client-side summing (and its intervals would be wrong to add), "
        "so the one-series call is its cheapest, most favourable request.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
