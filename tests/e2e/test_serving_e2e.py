"""The serving layer over a real `lodestar serve` process and a real MLflow SQLite store:
keyed forecasts, JSON logs without keys, readiness, and champion swaps under live traffic.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd

from engine.core.calendar import quarter_label, quarter_of
from engine.core.families import FAMILIES
from engine.core.settings import Settings
from engine.registry.store import ModelStore
from tests.e2e.conftest import KEYS
from tests.e2e.lodestar_process import Server, lodestar_env
from tests.e2e.polling import wait_until
from training.cli.demo import DEMO_STEPS
from training.forecasting.job import train_forecast

FAST = {"selection": "baseline", "n_windows": 1}
"""Serving tests need a sales model, not the best one: the quickest selection."""


def _env(home: Path, **extra: str) -> dict[str, str]:
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    return lodestar_env(home, LODESTAR_API_KEYS=keys, **extra)


def _next_quarter(sales_path: Path) -> str:
    last = pd.read_csv(sales_path, usecols=["date"], parse_dates=["date"])["date"].max()
    return quarter_label(quarter_of(pd.DatetimeIndex([last]))[0] + 1)


def test_keyed_forecasts_csv_and_logs_over_http(
    tmp_path: Path, demo_paths: dict[str, Path], start_server: Callable[..., Server]
) -> None:
    home = tmp_path / "home"
    store = ModelStore.from_settings(Settings(home=home))
    assert train_forecast(store, demo_paths["sales"], **FAST).version == "1"
    server = start_server(_env(home), tmp_path / "server.log")
    quarter = _next_quarter(demo_paths["sales"])
    params = {"quarters": quarter, "level": "region"}
    planner = {"X-API-Key": KEYS["planner"]}

    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/v1/forecasts", params=params).status_code == 401
        answer = http.get("/v1/forecasts", params=params, headers=planner)
        assert answer.status_code == 200, answer.text
        assert answer.json()["model_version"] == "1" and len(answer.json()["forecasts"]) == 2
        bearer = {"Authorization": f"Bearer {KEYS['planner']}"}
        as_csv = http.get("/v1/forecasts", params=params, headers={**bearer, "Accept": "text/csv"})
        header = "region,quarter,mean,lo_80,hi_80,lo_95,hi_95,actual_to_date,actual_share,status"
        assert as_csv.text.splitlines()[0] == header
        assert http.get("/v1/models", headers=planner).status_code == 403
        models = http.get("/v1/models", headers={"X-API-Key": KEYS["data_scientist"]}).json()
        assert models["families"][0]["champion"]["version"] == "1"
        ready = http.get("/v1/ready")
        assert ready.status_code == 503
        assert ready.json() == {
            "ready": False,
            "degraded": False,
            "problems": [],
            "loaded": ["sales"],
            "versions": {"sales": "1"},
        }
        assert "/v1/forecasts" in http.get("/openapi.json").json()["paths"]

    time.sleep(0.3)
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 7
    assert all(r["request_id"] and r["duration_ms"] >= 0 for r in requests)
    assert {r["status"] for r in requests} >= {200, 401, 403}
    assert "NO API KEYS" not in server.log_text()
    for key in KEYS.values():
        assert key not in server.log_text()


def test_ready_when_every_trained_family_is_loaded(
    tmp_path: Path, demo_paths: dict[str, Path], start_server: Callable[..., Server]
) -> None:
    home = tmp_path / "home"
    store = ModelStore.from_settings(Settings(home=home))
    trained = {train_forecast(store, demo_paths["sales"], **FAST).family}
    for label, step in DEMO_STEPS:  # every other family the demo trains
        if "sales" not in label:
            trained.add(step(store, demo_paths).family)
    server = start_server(_env(home), tmp_path / "server.log")
    answer = httpx.get(f"{server.url}/v1/ready", timeout=30)
    ready = answer.json()
    assert ready["loaded"] == sorted(trained)
    assert ready["ready"] is (trained == set(FAMILIES))
    assert answer.status_code == (200 if ready["ready"] else 503)


def test_promotion_under_live_traffic_fails_no_request(
    tmp_path: Path, demo_paths: dict[str, Path], start_server: Callable[..., Server]
) -> None:
    home = tmp_path / "home"
    store = ModelStore.from_settings(Settings(home=home))
    train_forecast(store, demo_paths["sales"], **FAST)
    assert train_forecast(store, demo_paths["sales"], force=True, **FAST).version == "2"
    store.set_champion("sales", "1")
    server = start_server(_env(home, LODESTAR_REFRESH_SECONDS="0.2"), tmp_path / "server.log")
    params = {"quarters": _next_quarter(demo_paths["sales"]), "level": "total"}
    headers = {"X-API-Key": KEYS["planner"]}
    stop = threading.Event()
    seen: list[list[str]] = [[] for _ in range(4)]
    failures: list[str] = []

    def client_loop(out: list[str]) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while not stop.is_set():
                try:
                    answer = http.get("/v1/forecasts", params=params, headers=headers)
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text}")
                else:
                    out.append(answer.json()["model_version"])

    threads = [threading.Thread(target=client_loop, args=(out,)) for out in seen]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: all(len(out) >= 5 for out in seen))
        store.set_champion("sales", "2")  # another process promotes: the poller must notice
        wait_until(lambda: all(out and out[-1] == "2" for out in seen))
        rollback = httpx.post(
            f"{server.url}/v1/models/sales/rollback",
            headers={"X-API-Key": KEYS["data_scientist"]},
            timeout=60,
        )
        assert rollback.status_code == 200 and rollback.json()["champion"] == "1"
        wait_until(lambda: all(out and out[-1] == "1" for out in seen))
        count = sum(len(out) for out in seen)
        wait_until(lambda: sum(len(out) for out in seen) > count + 20)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    for out in seen:
        switches = [v for i, v in enumerate(out) if i == 0 or out[i - 1] != v]
        assert switches == ["1", "2", "1"], switches
