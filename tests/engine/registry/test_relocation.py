"""Artifact locations of a moved embedded store follow the home; a shared folder stays put."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.core.settings import Settings
from engine.registry.relocation import relocate
from engine.registry.store import ModelStore


def _store_with_run(home: Path) -> tuple[ModelStore, str]:
    """An embedded store with one sales run holding one artifact file."""
    store = ModelStore.from_settings(Settings(home=home))
    experiment = store.experiment_id("sales")
    run = store.client.create_run(experiment)
    note = home / "note.txt"
    note.write_text("hello")
    store.client.log_artifact(run.info.run_id, str(note), "model")
    return store, run.info.run_id


def test_a_moved_home_reads_and_writes_its_own_artifacts(tmp_path: Path) -> None:
    _, run_id = _store_with_run(tmp_path / "a")
    shutil.move(tmp_path / "a", tmp_path / "b")
    moved = ModelStore.from_settings(Settings(home=tmp_path / "b"))
    uri = moved.client.get_run(run_id).info.artifact_uri
    assert uri == (tmp_path / "b" / "artifacts" / "lodestar-sales" / run_id / "artifacts").as_uri()
    local = moved.client.download_artifacts(run_id, "model/note.txt", str(tmp_path))
    assert Path(local).read_text() == "hello"
    new_run = moved.client.create_run(moved.experiment_id("sales"))
    assert new_run.info.artifact_uri.startswith((tmp_path / "b" / "artifacts").as_uri())
    assert not (tmp_path / "a").exists()


def test_relocation_is_idempotent_and_leaves_shared_artifacts(tmp_path: Path) -> None:
    _, run_id = _store_with_run(tmp_path / "a")
    (tmp_path / "shared").mkdir()
    shutil.copy(tmp_path / "a" / "mlflow.db", tmp_path / "shared" / "mlflow.db")
    # only the database was copied: its artifacts are still where they were recorded
    shared = ModelStore.from_settings(Settings(home=tmp_path / "shared"))
    assert shared.client.get_run(run_id).info.artifact_uri.startswith(
        (tmp_path / "a" / "artifacts").as_uri()
    )
    shutil.copytree(tmp_path / "a", tmp_path / "c")
    database, root = tmp_path / "c" / "mlflow.db", (tmp_path / "c" / "artifacts").resolve()
    assert [m.name for m in relocate(database, root)] == ["lodestar-sales"]
    assert relocate(database, root) == []
