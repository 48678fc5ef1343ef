"""Item 11 over the API: rollback undoes the last move, and the history says who made each."""

from __future__ import annotations

from fastapi.testclient import TestClient

from engine.registry.store import ModelStore
from serving.core.auth import Role
from tests.engine.registry.test_store import register
from tests.serving.api_keys import NAMES, headers_for

DS = headers_for(Role.data_scientist)


def test_item11_rollback_undoes_the_last_move_and_history_shows_who(
    client: TestClient, serving_store: ModelStore
) -> None:
    assert register(serving_store, 0.1) == "3"
    assert client.post("/v1/models/sales/promote", json={"version": "3"}, headers=DS).json()[
        "moved"
    ]
    promote = client.post("/v1/models/sales/promote", json={"version": "1"}, headers=DS)
    assert promote.json()["champion"] == "1"

    back = client.post("/v1/models/sales/rollback", headers=DS)
    assert back.status_code == 200, back.text
    assert back.json()["previous_champion"] == "1" and back.json()["champion"] == "3"
    again = client.post("/v1/models/sales/rollback", json={}, headers=DS)
    assert again.json()["champion"] == "1", again.text

    answer = client.get("/v1/models/sales/history", params={"limit": 4}, headers=DS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["family"] == "sales" and body["champion"] == "1"
    moves = body["moves"]
    assert [(m["action"], m["from_version"], m["to_version"]) for m in moves] == [
        ("rollback", "3", "1"),
        ("rollback", "1", "3"),
        ("promote", "3", "1"),
        ("promote", "1", "3"),
    ]
    assert {m["who"] for m in moves} == {f"api key {NAMES[Role.data_scientist]} (data_scientist)"}
    assert moves[0]["undoes"] == moves[3]["seq"] and moves[1]["undoes"] == moves[2]["seq"]
    assert moves[2]["undone"] and moves[3]["undone"] and not moves[0]["undone"]
    assert all(m["at"] for m in moves)


def test_item11_history_needs_the_data_scientist_role(client: TestClient) -> None:
    answer = client.get("/v1/models/sales/history", headers=headers_for(Role.pricing))
    assert answer.status_code == 403
    assert client.get("/v1/models/weather/history", headers=DS).status_code == 422
