"""Event ingestion over HTTP: events/s through POST /v1/leads/events and the latency from the
event that makes a lead sales-qualified to its signed webhook arriving at a local receiver.

A real `lodestar serve` (one uvicorn worker, SQLite database under a temporary home, API keys
on, a signed rubric, no leads model: rubric points only) and a real HTTP receiver in this
process. Each lead gets a download, then a form fill (which makes it sales-qualified and
alerts its owner). Run: .venv/bin/python -m bench.lead_events [--leads 500] [--clients 4]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import numpy as np

from bench.results import write_section
from bench.serving import _free_port, start
from serving.core.auth import hash_key

KEYS = {"marketing": "bench-marketing-key", "sales": "bench-sales-key"}
RUBRIC = {
    "name": "bench rubric",
    "tiers": {"warm": 10, "hot": 20, "sales-qualified": 40},
    "rules": [{"when": "downloads >= 1", "points": 15}, {"when": "form_fills >= 1", "points": 30}],
}


def receiver(arrivals: dict[str, float]) -> ThreadingHTTPServer:
    """A webhook receiver that notes when each alert's event arrived (and answers 204)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            arrivals[json.loads(body)["event_id"]] = time.perf_counter()
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=500)
    parser.add_argument("--clients", type=int, default=4)
    opts = parser.parse_args()
    arrivals: dict[str, float] = {}
    hook = receiver(arrivals)
    with tempfile.TemporaryDirectory(prefix="lodestar-bench-events-") as tmp:
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LODESTAR_", "MLFLOW_"))}
        keys = ",".join(f"planner:{t}-bench:{t}:sha256:{hash_key(k)}" for t, k in KEYS.items())
        env |= {
            "LODESTAR_HOME": str(Path(tmp) / "home"),
            "LODESTAR_API_KEYS": keys,
            "LODESTAR_LEAD_WEBHOOK_URL": f"http://127.0.0.1:{hook.server_address[1]}/hook",
            "LODESTAR_LEAD_WEBHOOK_SECRET": "bench-secret",
        }
        server = start(
            [sys.executable, "-m", "training.cli", "serve", "--port", str(port)],
            env,
            Path(tmp) / "lodestar.log",
        )
        url = f"http://127.0.0.1:{port}"
        try:
            body = run(url, opts.leads, opts.clients, arrivals)
        finally:
            server.terminate()
            server.wait(timeout=30)
            hook.shutdown()
    print(body)
    write_section("lead_events", body)


def run(url: str, n_leads: int, clients: int, arrivals: dict[str, float]) -> str:
    sales = {"X-API-Key": KEYS["sales"]}
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    made = httpx.post(
        f"{url}/v1/leads/rubrics", json={"rubric": RUBRIC}, headers={"X-API-Key": KEYS["marketing"]}
    ).json()
    for key in KEYS.values():
        httpx.post(
            f"{url}/v1/leads/rubrics/{made['version']}/sign-off",
            json={},
            headers={"X-API-Key": key},
        ).raise_for_status()
    leads = [{"lead_id": f"B{i:05d}", "owner": f"rep{i % 7}"} for i in range(n_leads)]
    httpx.post(f"{url}/v1/leads/records", json={"leads": leads}, headers=sales).raise_for_status()
    sent: dict[str, float] = {}
    latency: list[float] = []
    lock = threading.Lock()

    def send(i: int, activity: str) -> None:
        event_id = f"{activity}-{i}"
        event = {
            "event_id": event_id,
            "lead_id": f"B{i:05d}",
            "activity": activity,
            "occurred_at": "2026-11-20T10:00:00Z",
        }
        with httpx.Client(timeout=30) as client:
            start_at = time.perf_counter()
            answer = client.post(f"{url}/v1/leads/events", json={"events": [event]}, headers=sales)
            done = time.perf_counter()
        answer.raise_for_status()
        with lock:
            latency.append(done - start_at)
            if answer.json()["alerts"]:
                sent[event_id] = start_at

    began = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda i: send(i, "download"), range(n_leads)))
        list(pool.map(lambda i: send(i, "form_fill"), range(n_leads)))
    elapsed = time.perf_counter() - began
    wait_until = time.monotonic() + 120
    while len(arrivals) < len(sent) and time.monotonic() < wait_until:
        time.sleep(0.1)
    alert_ms = np.array([(arrivals[e] - sent[e]) * 1000 for e in sent if e in arrivals])
    request_ms = np.array(latency) * 1000
    n_events = 2 * n_leads
    lines = [
        "| measure | value |",
        "|---|---|",
        f"| events posted (one per request, {clients} clients) | {n_events} |",
        f"| events/s | {n_events / elapsed:,.0f} |",
        f"| request latency p50 / p99 (ms) | {np.percentile(request_ms, 50):.1f} / "
        f"{np.percentile(request_ms, 99):.1f} |",
        f"| alerts expected / delivered | {len(sent)} / {len(alert_ms)} |",
        f"| event to webhook arrival p50 / p99 (ms) | {np.percentile(alert_ms, 50):.1f} / "
        f"{np.percentile(alert_ms, 99):.1f} |",
    ]
    note = (
        "- one `lodestar serve` worker, SQLite, rubric points only (no leads model loaded), "
        "webhooks signed and sent by the server's background worker to a receiver in the "
        f"benchmark process; machine load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    return "\n".join(lines) + "\n\n" + note


if __name__ == "__main__":
    main()
