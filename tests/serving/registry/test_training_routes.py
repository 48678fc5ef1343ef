"""Retraining over HTTP: a background `lodestar train` child, its status, and the swap after."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.database.runs import RunRecords
from engine.database.setup import open_database
from serving.core.auth import Role
from serving.registry.training_runs import DatabaseRecords, TrainingRuns
from tests.serving.api_keys import headers_for

DS = headers_for(Role.data_scientist)


@pytest.fixture
def serving_settings(serving_settings: Settings, demo_paths: dict[str, Path]) -> Settings:
    """The serving settings with the demo data folder as the only training data root."""
    return serving_settings.model_copy(update={"data_roots": [demo_paths["sales"].parent]})


def _finished(client: TestClient, run_id: str, seconds: float = 180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(f"/v1/training/runs/{run_id}", headers=DS).json()
        if status["status"] in ("succeeded", "failed"):
            return status
        time.sleep(0.25)
    raise AssertionError(f"run {run_id} did not finish")


def test_a_run_trains_registers_and_the_server_swaps_to_it(
    client: TestClient, demo_paths: dict[str, Path]
) -> None:
    started = client.post(
        "/v1/training/runs",
        json={
            "family": "sales",
            "data": str(demo_paths["sales"]),
            "force": True,
            "models": "baseline",
        },
        headers=DS,
    )
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] in ("queued", "running") and run["family"] == "sales"
    done = _finished(client, run["id"])
    assert done["status"] == "succeeded", done
    assert done["version"] == "3" and done["exit_code"] == 0
    deadline = time.monotonic() + 20
    version = None
    while time.monotonic() < deadline and version != "3":
        answer = client.get(
            "/v1/forecasts", params={"quarters": "2027Q1", "level": "total"}, headers=DS
        )
        version = answer.json()["model_version"]
        time.sleep(0.1)
    assert version == "3"
    listed = client.get("/v1/training/runs", headers=DS).json()["runs"]
    assert [r["id"] for r in listed] == [run["id"]]
    settings = client.app.state.settings
    other_worker = TrainingRuns(
        {}, records=DatabaseRecords(RunRecords(lambda: open_database(settings.database_uri)))
    )
    assert other_worker.get(run["id"]).to_dict() == done


def test_a_failing_run_reports_why_and_changes_nothing(
    client: TestClient, demo_paths: dict[str, Path]
) -> None:
    started = client.post(
        "/v1/training/runs",
        json={"family": "sales", "data": str(demo_paths["leads"])},
        headers=DS,
    )
    assert started.status_code == 202
    done = _finished(client, started.json()["id"])
    assert done["status"] == "failed" and done["exit_code"] == 2
    assert done["message"].startswith("error") and done["version"] is None
    models = client.get("/v1/models", headers=DS).json()["families"]
    assert next(f for f in models if f["family"] == "sales")["n_versions"] == 2


def test_bad_run_requests_are_422_or_404(client: TestClient, tmp_path: Path) -> None:
    cases = [
        ({"family": "sales", "data": str(tmp_path / "absent.csv")}, 422, "data"),
        ({"family": "weather", "data": "x.csv"}, 422, "body.family"),
        ({"family": "sales"}, 422, "body.data"),
        ({"family": "sales", "data": "x", "keys": ["--force"]}, 422, "keys"),
        ({"family": "sales", "data": "a\x00b"}, 422, "data"),
        ({"family": "leads", "data": "x", "models": "fast"}, 422, "models"),
        ({"family": "sales", "data": "x", "models": "--force"}, 422, "body.models"),
    ]
    for payload, status, field in cases:
        answer = client.post("/v1/training/runs", json=payload, headers=DS)
        assert answer.status_code == status, (payload, answer.text)
        assert answer.json()["field"] == field
    malformed = client.get("/v1/training/runs/unknown", headers=DS)
    assert malformed.status_code == 422 and malformed.json()["field"] == "path.run_id"
    assert client.get("/v1/training/runs/0123456789ab", headers=DS).status_code == 404
