"""Item 24: with a broken store the API answers 503 with the reason, never a false "0 versions".

Loaded champions keep answering and /v1/ready says the server is degraded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from serving.app import create_app
from serving.core.auth import Role
from tests.engine.registry.test_item24_store_errors import corrupt, register_legacy
from tests.serving.api_keys import headers_for
from training.cli.app import main

DS = headers_for(Role.data_scientist)
FORECAST = {"quarters": "2027Q1", "level": "total"}


def read_only_uri(database: Path) -> str:
    """A SQLite URI that opens the database read-only (works even for root, unlike chmod)."""
    return f"sqlite:///file:{database}?mode=ro&uri=true"


@pytest.fixture
def read_only_client(
    serving_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.chdir(tmp_path)  # MLflow makes a folder named after the URI's path here
    store = ModelStore(read_only_uri(serving_settings.home / "mlflow.db"))
    with TestClient(create_app(serving_settings, store)) as client:
        yield client


def test_item24_read_only_store_refuses_moves_with_503_and_still_tells_the_truth(
    read_only_client: TestClient,
) -> None:
    client = read_only_client
    promote = client.post("/v1/models/sales/promote", json={"version": "2"}, headers=DS)
    assert promote.status_code == 503, promote.text
    assert promote.json()["error"] == "StoreUnavailableError"
    assert "readonly database" in promote.json()["message"]

    models = client.get("/v1/models", headers=DS)
    assert models.status_code == 200
    sales = next(f for f in models.json()["families"] if f["family"] == "sales")
    assert sales["n_versions"] == 2 and sales["champion"]["version"] == "1"

    dry = client.post(
        "/v1/models/sales/promote", json={"version": "2", "dry_run": True}, headers=DS
    )
    assert dry.status_code == 200 and dry.json()["champion"] == "1", dry.text
    back = client.post("/v1/models/sales/rollback", json={"version": "2"}, headers=DS)
    assert back.status_code == 503 and "readonly" in back.json()["message"]

    forecast = client.get("/v1/forecasts", params=FORECAST, headers=DS)
    assert forecast.status_code == 200 and forecast.json()["model_version"] == "1"
    ready = client.get("/v1/ready").json()
    assert ready["degraded"] and any("readonly database" in p for p in ready["problems"])


def test_item24_unreadable_store_is_503_everywhere_while_forecasts_go_on(
    client: TestClient,
    serving_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert client.get("/v1/ready").json()["degraded"] is False
    database = serving_settings.home / "mlflow.db"
    saved = corrupt(database)
    calls = [
        ("GET", "/v1/models", None),
        ("POST", "/v1/models/sales/promote", {"version": "2", "dry_run": True}),
        ("POST", "/v1/models/sales/promote", {"version": "2"}),
        ("POST", "/v1/models/sales/rollback", {}),
        ("POST", "/v1/models/leads/rollback", {}),
    ]
    for method, path, body in calls:
        answer = client.request(method, path, json=body, headers=DS)
        assert answer.status_code == 503, (path, body, answer.text)
        assert "not a database" in answer.json()["message"] and answer.json()["field"] == "store"
    forecast = client.get("/v1/forecasts", params=FORECAST, headers=DS)
    assert forecast.status_code == 200 and forecast.json()["model_version"] == "1"
    leads = client.post("/v1/leads/score", json={"leads": [{"lead_id": "L1"}]}, headers=DS)
    assert leads.status_code == 503 and "model store is unavailable" in leads.json()["message"]

    client.app.state.champions.poll_once()
    ready = client.get("/v1/ready")
    assert ready.json()["degraded"] and "not a database" in ready.json()["problems"][0]

    monkeypatch.setattr("training.cli.options.get_settings", lambda: serving_settings)
    with pytest.raises(SystemExit) as done:
        main(["models", "list"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.count("\n") == 1
    assert err.startswith("error [store]: the model store cannot") and "not a database" in err

    database.write_bytes(saved)
    client.app.state.champions.poll_once()
    assert client.get("/v1/ready").json()["degraded"] is False
    assert client.get("/v1/models", headers=DS).status_code == 200


@pytest.fixture
def private_store(settings: Settings) -> ModelStore:
    """A store whose pricing models live in its own artifact folder: v1 champion, v2."""
    store = ModelStore.from_settings(settings)
    register_legacy(store, "pricing", 0.2)
    register_legacy(store, "pricing", 0.1)
    store.set_champion("pricing", "1")
    return store


def test_item24_missing_artifact_folder_is_503_and_degraded(
    settings: Settings, private_store: ModelStore
) -> None:
    with TestClient(create_app(settings, private_store)) as client:
        assert client.get("/v1/pricing/elasticities").status_code == 200
        shutil.rmtree(settings.artifact_root)
        promote = client.post("/v1/models/pricing/promote", json={"version": "2"})
        assert promote.status_code == 503, promote.text
        assert "model files of pricing v2" in promote.json()["message"]
        assert private_store.champion_version("pricing") == "1"
        assert client.get("/v1/pricing/elasticities").status_code == 200
        client.app.state.champions.poll_once()
        ready = client.get("/v1/ready").json()
        assert ready["degraded"] and "model files of pricing v1" in ready["problems"][0]
