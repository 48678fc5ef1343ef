"""Data scientists' model lifecycle over the app: list, promote, roll back, safely."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from engine.registry.store import ModelStore
from serving.core.auth import Role
from tests.serving.api_keys import headers_for

DS = headers_for(Role.data_scientist)
FORECAST = {"quarters": "2027Q1", "level": "total"}


def test_list_shows_champion_and_challengers_with_metrics_and_data_range(
    client: TestClient,
) -> None:
    answer = client.get("/v1/models", headers=DS)
    assert answer.status_code == 200
    families = {f["family"]: f for f in answer.json()["families"]}
    assert set(families) == {"sales", "leads", "pricing"}
    sales = families["sales"]
    assert sales["loaded_version"] == "1" and sales["n_versions"] == 2
    assert sales["champion"]["version"] == "1" and sales["champion"]["is_champion"]
    assert [c["version"] for c in sales["challengers"]] == ["2"]
    champ = sales["champion"]
    assert champ["metrics"] and all(isinstance(v, float) for v in champ["metrics"].values())
    assert champ["data_start"] < champ["data_end"] and champ["trained_at"]
    assert families["leads"]["champion"] is None and families["leads"]["loaded_version"] is None


def test_dry_run_shows_the_comparison_and_moves_nothing(
    client: TestClient, serving_store: ModelStore
) -> None:
    answer = client.post(
        "/v1/models/sales/promote", json={"version": "2", "dry_run": True}, headers=DS
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["moved"] is False and body["dry_run"] is True and body["champion"] == "1"
    assert body["comparison"]
    for row in body["comparison"]:
        if row["champion"] is not None and row["challenger"] is not None:
            assert row["difference"] == pytest.approx(row["challenger"] - row["champion"])
    assert serving_store.champion_version("sales") == "1"


def test_promote_moves_the_alias_and_this_server_answers_from_it_at_once(
    client: TestClient, serving_store: ModelStore
) -> None:
    assert client.get("/v1/forecasts", params=FORECAST, headers=DS).json()["model_version"] == "1"
    answer = client.post("/v1/models/sales/promote", json={"version": "2"}, headers=DS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["moved"] and body["previous_champion"] == "1" and body["champion"] == "2"
    assert body["loaded_version"] == "2" and body["comparison"]
    assert serving_store.champion_version("sales") == "2"
    assert client.get("/v1/forecasts", params=FORECAST, headers=DS).json()["model_version"] == "2"

    back = client.post("/v1/models/sales/rollback", headers=DS)
    assert back.status_code == 200, back.text
    assert back.json()["champion"] == "1" and back.json()["action"] == "rollback"
    assert serving_store.champion_version("sales") == "1"
    assert client.get("/v1/forecasts", params=FORECAST, headers=DS).json()["model_version"] == "1"


def test_promoting_the_champion_again_changes_nothing(client: TestClient) -> None:
    body = client.post("/v1/models/sales/promote", json={"version": "1"}, headers=DS).json()
    assert body["moved"] is False and "already" in body["message"]


@pytest.mark.parametrize(
    ("path", "payload", "status", "field"),
    [
        ("/v1/models/sales/promote", {"version": "99"}, 404, "version"),
        ("/v1/models/sales/promote", {"version": "abc"}, 422, "body.version"),
        ("/v1/models/sales/promote", {}, 422, "body.version"),
        ("/v1/models/sales/promote", {"version": "2", "extra": 1}, 422, "body.extra"),
        ("/v1/models/weather/promote", {"version": "1"}, 422, "path.family"),
        ("/v1/models/sales/rollback", {"version": "7"}, 404, "version"),
        ("/v1/models/leads/rollback", {}, 409, "family"),
        ("/v1/models/leads/promote", {"version": "1"}, 404, "version"),
    ],
)
def test_bad_moves_are_refused_and_leave_the_alias(
    client: TestClient,
    serving_store: ModelStore,
    path: str,
    payload: dict,
    status: int,
    field: str,
) -> None:
    answer = client.post(path, json=payload, headers=DS)
    assert answer.status_code == status, answer.text
    assert answer.json()["field"] == field
    assert serving_store.champion_version("sales") == "1"


def test_a_version_that_cannot_load_is_never_promoted(
    client: TestClient, serving_store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(family: str, version: str) -> None:
        raise OSError("artifact missing")

    monkeypatch.setattr(serving_store, "load_version", broken)
    answer = client.post("/v1/models/sales/promote", json={"version": "2"}, headers=DS)
    assert answer.status_code == 422
    assert answer.json()["field"] == "version" and "not moved" in answer.json()["message"]
    assert serving_store.champion_version("sales") == "1"
    assert client.get("/v1/forecasts", params=FORECAST, headers=DS).json()["model_version"] == "1"
