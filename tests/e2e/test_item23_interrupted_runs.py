"""Item 23 fault test: a real server killed (and one stopped) during a background training run.

The run must read `interrupted` after the restart, never `running` forever, and the training
child the dead server left behind must not live on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from engine.core.processes import ProcessRef
from engine.core.settings import Settings
from engine.database.runs import RunRecords
from engine.database.setup import open_database
from engine.registry.store import ModelStore
from tests.e2e.lodestar_process import Server, lodestar_env
from tests.e2e.polling import wait_until

KEY = "e2e-item23-ds-key"
HEADERS = {"X-API-Key": KEY}


TRAINING_STEP_SECONDS = 90
"""How long a training run's step may take to show (runs are slow on two shared cores)."""


def start_run(server: Server, data: Path) -> str:
    answer = httpx.post(
        f"{server.url}/v1/training/runs",
        json={"family": "sales", "data": str(data), "models": "standard"},
        headers=HEADERS,
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    run_id = answer.json()["id"]
    wait_until(lambda: status(server, run_id)["status"] == "running", TRAINING_STEP_SECONDS)
    return run_id


def status(server: Server, run_id: str) -> dict:
    return httpx.get(f"{server.url}/v1/training/runs/{run_id}", headers=HEADERS, timeout=30).json()


def recorded(home: Path, run_id: str) -> dict:
    """The run's record as every worker reads it: a row of the application database."""
    found = RunRecords(lambda: open_database(Settings(home=home).database_uri)).load(run_id)
    assert found is not None, f"no record of run {run_id}"
    return found


def test_item23_a_restart_during_a_run_reports_it_interrupted(
    sales_home: Path, demo_paths: dict[str, Path], start_server: Callable[..., Server]
) -> None:
    home = sales_home

    env = lodestar_env(
        home,
        LODESTAR_API_KEYS=f"data_scientist:{KEY}",
        LODESTAR_DATA_ROOTS=str(demo_paths["sales"].parent),
    )

    first = start_server(env)
    run_id = start_run(first, demo_paths["sales"])
    wait_until(lambda: recorded(home, run_id).get("child") is not None, TRAINING_STEP_SECONDS)
    child = ProcessRef.parse(recorded(home, run_id)["child"])
    first.proc.kill()  # kill -9 the server mid-run
    first.proc.wait()
    assert recorded(home, run_id)["status"] == "running"

    second = start_server(env)
    answer = status(second, run_id)
    assert answer["status"] == "interrupted", answer
    assert "stopped while this run was running" in answer["message"] and answer["finished_at"]
    assert recorded(home, run_id)["status"] == "interrupted"
    listed = httpx.get(f"{second.url}/v1/training/runs", headers=HEADERS, timeout=30).json()
    assert [r["status"] for r in listed["runs"] if r["id"] == run_id] == ["interrupted"]
    wait_until(lambda: child.is_alive() is False, 30)  # the orphaned child was stopped
    store = ModelStore.from_settings(Settings(home=home))
    experiment = store.experiment_id("sales")
    wait_until(  # and whatever it had started in the registry was cleaned up
        lambda: not store.client.search_runs([experiment], "attributes.status = 'RUNNING'"), 30
    )
    assert {v.version for v in store.versions("sales")} == {"1", "2"}

    again = start_run(second, demo_paths["sales"])
    second.stop()  # a clean stop (SIGTERM) during a run
    assert recorded(home, again)["status"] == "interrupted"
    assert "server stopped" in recorded(home, again)["message"]
    third = start_server(env)
    assert status(third, again)["status"] == "interrupted"
