"""Saved scenarios and run status live in the database; the old JSON files are imported once,
on the server's first start, and a second start imports nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.core.errors import DataError, NotFoundError
from engine.core.settings import Settings
from engine.database.runs import RunRecords
from engine.database.scenarios import ScenarioRepository
from engine.database.setup import open_database
from engine.pricing.scenario import parse_scenario
from engine.registry.store import ModelStore
from serving.app import create_app

RUN = {
    "id": "0123456789ab",
    "family": "sales",
    "data": "/data/sales.csv",
    "status": "succeeded",
    "created_at": "2026-11-01T10:00:00.000+00:00",
    "started_at": "2026-11-01T10:00:01.000+00:00",
    "finished_at": "2026-11-01T10:05:00.000+00:00",
    "exit_code": 0,
    "version": "3",
    "message": "sales forecast v3",
    "args": [],
}


def test_old_files_move_into_the_database_on_first_start(tmp_path: Path, database_url: str) -> None:
    home = tmp_path / "home"
    scenario = parse_scenario({"price_changes": [{"filter": {"product": "P01"}, "percent": -5}]})
    old = {"name": "p01-cut", "saved_at": "2026-11-01T09:00:00+00:00"}
    old["scenario"] = {**scenario.model_dump(mode="json"), "name": "p01-cut"}
    (home / "scenarios").mkdir(parents=True)
    (home / "scenarios" / "p01-cut.json").write_text(json.dumps(old))  # as releases before wrote it
    (home / "training_runs").mkdir(parents=True)
    (home / "training_runs" / f"{RUN['id']}.json").write_text(json.dumps(RUN))
    settings = Settings(home=home, database_url=database_url, auth_enabled=False)
    for _ in range(2):  # the second start finds the files already imported
        with TestClient(create_app(settings, ModelStore.from_settings(settings))) as client:
            saved = client.get("/v1/pricing/saved-scenarios").json()["scenarios"]
            assert [s["name"] for s in saved] == ["p01-cut"]
            assert saved[0]["scenario"]["price_changes"][0]["percent"] == -5
            run = client.get(f"/v1/training/runs/{RUN['id']}")
            assert run.status_code == 200 and run.json()["version"] == "3"
    assert not list((home / "scenarios").glob("*.json"))
    assert (home / "scenarios" / "p01-cut.json.migrated").is_file()
    assert (home / "training_runs" / f"{RUN['id']}.json.migrated").is_file()


def test_scenario_repository_keeps_the_store_interface(database_url: str) -> None:
    repo = ScenarioRepository(open_database(database_url))
    scenario = parse_scenario({"price_changes": [{"filter": {"product": "P02"}, "percent": 3}]})
    repo.save("a", scenario)
    with pytest.raises(DataError):
        repo.save("a", scenario, overwrite=False)
    repo.save("a", parse_scenario({"promotions": [{"filter": {"product": "P02"}}]}))
    assert repo.get("a")["scenario"]["promotions"][0]["filter"] == {"product": "P02"}
    assert [r["name"] for r in repo.list()] == ["a"]
    repo.delete("a")
    with pytest.raises(NotFoundError):
        repo.get("a")
    with pytest.raises(DataError):
        repo.get("../etc")


def test_run_records_round_trip(database_url: str) -> None:
    records = RunRecords(lambda: open_database(database_url))
    records.save(RUN)
    records.save({**RUN, "status": "failed"})
    assert records.load(RUN["id"])["status"] == "failed"
    assert [r["id"] for r in records.all()] == [RUN["id"]]
    assert records.load("ffffffffffff") is None
