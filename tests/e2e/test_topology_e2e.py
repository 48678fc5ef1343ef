"""The team topology started for real (issue 15 item 2), from training/cli/topology.py's commands:
PostgreSQL (Debian's binaries), `mlflow server` on PostgreSQL with proxied artifacts, a Dask
scheduler with two worker processes, `lodestar serve --workers 2`, and the scheduled retrain's
command. Training runs over the tracking server through the cluster; a promotion reaches both
API workers within the refresh interval, and no request fails while the champion moves.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.lodestar_process import REPO, free_port
from tests.e2e.test_serving_e2e import KEYS, _next_quarter
from tests.postgres import PostgresServer
from training.cli.topology import REFRESH_SECONDS, Addresses, Service, services

PROGRAMS = {
    "lodestar": [sys.executable, "-m", "training.cli"],
    "mlflow": [sys.executable, "-m", "mlflow"],
    "dask": [sys.executable, "-m", "dask"],
}
"""The topology's programs, run from this checkout with this interpreter."""


def local_addresses(postgres: PostgresServer, root: Path, sales: Path) -> Addresses:
    """The topology on localhost: fresh databases on the test server, free ports."""
    mlflow_port, scheduler_port, api_port = free_port(), free_port(), free_port()
    return Addresses(
        tracking_database=postgres.create_database(),
        application_database=postgres.create_database(),
        artifacts=str(root / "mlflow-artifacts"),
        mlflow_host="127.0.0.1",
        mlflow_port=mlflow_port,
        mlflow_allowed_hosts=f"127.0.0.1,127.0.0.1:{mlflow_port}",
        tracking_uri=f"http://127.0.0.1:{mlflow_port}",
        scheduler_host="127.0.0.1",
        scheduler_port=scheduler_port,
        scheduler_address=f"tcp://127.0.0.1:{scheduler_port}",
        api_host="127.0.0.1",
        api_port=api_port,
        sales_data=str(sales),
    )


class Processes:
    """Services started as subprocesses, each logging to its own file; all stopped at the end."""

    def __init__(self, root: Path, base_env: dict[str, str]) -> None:
        self.root = root
        self.base_env = base_env
        self.started: list[tuple[str, subprocess.Popen[str]]] = []

    def start(self, name: str, service: Service) -> list[subprocess.Popen[str]]:
        command = [*PROGRAMS[service.command[0]], *service.command[1:]]
        env = {**self.base_env, **service.environment}
        out = []
        for k in range(service.replicas):
            log = (self.root / f"{name}-{k}.log").open("w")
            proc = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
            )
            self.started.append((f"{name}-{k}", proc))
            out.append(proc)
        return out

    def run(self, service: Service) -> subprocess.CompletedProcess[str]:
        """A one-off command (the retrain) to its end."""
        command = [*PROGRAMS[service.command[0]], *service.command[1:]]
        env = {**self.base_env, **service.environment}
        return subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300
        )

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text()

    def check_alive(self) -> None:
        for name, proc in self.started:
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited:\n{self.log(name)[-3000:]}")

    def stop(self) -> None:
        for _, proc in reversed(self.started):
            proc.terminate()
        for _, proc in self.started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    env = {**os.environ, "LODESTAR_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}
    env.pop("MLFLOW_TRACKING_URI", None)
    started = Processes(tmp_path, env)
    yield started
    started.stop()


def _wait_until(condition: Callable[[], bool], seconds: float, check: Callable[[], None]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        check()
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


def test_team_topology_trains_on_the_cluster_and_moves_both_api_workers(
    tmp_path: Path,
    postgres_server: PostgresServer,
    demo_paths: dict[str, Path],
    processes: Processes,
) -> None:
    at = local_addresses(postgres_server, tmp_path, demo_paths["sales"])
    topology = services(at)
    keys = ",".join(f"{role}:{key}" for role, key in KEYS.items())
    api = Service(
        topology["api"].command, {**topology["api"].environment, "LODESTAR_API_KEYS": keys}
    )
    processes.start("mlflow", topology["mlflow"])
    processes.start("dask-scheduler", topology["dask-scheduler"])
    processes.start("dask-worker", topology["dask-worker"])
    processes.start("api", api)
    _wait_until(lambda: _answers(f"{at.tracking_uri}/health"), 300, processes.check_alive)
    _wait_until(lambda: _listening(at.scheduler_port), 60, processes.check_alive)
    from dask.distributed import Client

    with Client(at.scheduler_address, timeout=30) as client:
        client.wait_for_workers(2, timeout=60)
        assert len(client.scheduler_info()["workers"]) == 2

    first = processes.run(topology["retrain"])
    assert first.returncode == 0, first.stderr[-3000:]
    assert "v1" in first.stdout and "now champion" in first.stdout, first.stdout
    api_url = f"http://127.0.0.1:{at.api_port}"
    _wait_until(lambda: _answers(f"{api_url}/v1/health"), 300, processes.check_alive)

    seen: list[tuple[str, int, str]] = []  # (request id, status, version or body)
    stop = threading.Event()
    params = {"quarters": _next_quarter(demo_paths["sales"]), "level": "total"}

    def client_loop() -> None:
        # a new connection per request, so both server workers take requests
        while not stop.is_set():
            request_id = uuid.uuid4().hex
            headers = {"X-API-Key": KEYS["planner"], "X-Request-ID": request_id}
            try:
                answer = httpx.get(
                    f"{api_url}/v1/forecasts", params=params, headers=headers, timeout=30
                )
            except httpx.HTTPError as exc:
                seen.append((request_id, 0, repr(exc)))
                continue
            body = answer.json()["model_version"] if answer.status_code == 200 else answer.text
            seen.append((request_id, answer.status_code, body))

    def versions_by_worker() -> dict[int, list[str]]:
        pid_of = {}
        for line in processes.log("api-0").splitlines():
            if line.startswith("{") and '"request_id"' in line:
                entry = json.loads(line)
                pid_of[entry["request_id"]] = entry["pid"]
        out: dict[int, list[str]] = {}
        for request_id, status, version in list(seen):
            if status == 200 and request_id in pid_of:
                out.setdefault(pid_of[request_id], []).append(version)
        return out

    def every_worker_answers(version: str) -> Callable[[], bool]:
        def check() -> bool:
            found = versions_by_worker()
            return len(found) == 2 and all(out[-1] == version for out in found.values())

        return check

    threads = [threading.Thread(target=client_loop) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        _wait_until(every_worker_answers("1"), 240, processes.check_alive)
        settled = len(seen)  # from here on, with v1 served by both workers, nothing may fail
        second = processes.run(topology["retrain"])  # the scheduled retrain, a week later
        assert second.returncode == 0, second.stderr[-3000:]
        assert "v2" in second.stdout, second.stdout
        champion = (
            httpx.get(
                f"{api_url}/v1/models/sales/history",
                headers={"X-API-Key": KEYS["data_scientist"]},
                timeout=30,
            )
            .json()
            .get("champion")
        )
        target = "1" if champion == "2" else "2"
        # both workers serve the champion the retrain left (it may have promoted v2 itself)
        # before the move, so each of them visibly switches to the target
        _wait_until(every_worker_answers(str(champion)), 60, processes.check_alive)
        asked = time.monotonic()
        promoted = httpx.post(
            f"{api_url}/v1/models/sales/promote",
            json={"version": target},
            headers={"X-API-Key": KEYS["data_scientist"]},
            timeout=60,
        )
        assert promoted.status_code == 200, promoted.text
        moved_at = time.monotonic()
        load_seconds = moved_at - asked  # the promoting worker loaded the version first
        _wait_until(every_worker_answers(target), 60, processes.check_alive)
        took = time.monotonic() - moved_at
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    failures = [(status, body) for _, status, body in seen[settled:] if status != 200]
    assert failures == []
    # the other worker notices within one refresh interval, then loads the version as the
    # promoting worker did: a busy machine stretches the load, never the polling
    bound = float(REFRESH_SECONDS) + load_seconds + 2
    assert took <= bound, f"both workers moved after {took:.1f} s (bound {bound:.1f} s)"
    for out in versions_by_worker().values():
        switches = [v for i, v in enumerate(out) if i == 0 or out[i - 1] != v]
        assert switches[-1] == target and len(switches) >= 2, switches
