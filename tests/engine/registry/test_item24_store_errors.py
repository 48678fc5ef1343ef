"""Item 24: a store that cannot be read says so (503), and "not found" only when it is true."""

from __future__ import annotations

import shutil
from pathlib import Path

import joblib
import pytest

from engine.core.errors import NotFoundError, StoreUnavailableError
from engine.registry.legacy import install_module_aliases
from engine.registry.lifecycle import family_overview, move_champion, rollback_target
from engine.registry.pyfunc import PayloadModel
from engine.registry.store import ModelStore

LEGACY = Path(__file__).resolve().parent.parent / "fixtures" / "legacy_payloads"


def register_legacy(store: ModelStore, family: str, metric: float) -> str:
    """Log and register one real (pre-layout) payload of a family; returns the version."""
    install_module_aliases()
    payload = joblib.load(LEGACY / f"{family}_payload.joblib")
    with store.run(family) as run:
        run.metrics({"score": metric})
        store.log_model(run, PayloadModel(), payload)
        return store.register(family, run)


def corrupt(database: Path) -> bytes:
    """Overwrite the SQLite file in place with junk (open connections see it too)."""
    saved = database.read_bytes()
    database.write_bytes(b"this is not a database" * 512)
    return saved


def test_item24_a_corrupt_database_is_unavailable_not_empty(store: ModelStore) -> None:
    first, second = register_legacy(store, "pricing", 0.2), register_legacy(store, "pricing", 0.1)
    store.set_champion("pricing", first)
    database = Path(store.tracking_uri.removeprefix("sqlite:///"))
    saved = corrupt(database)
    checks = {
        "versions": lambda: store.versions("pricing"),
        "champion": lambda: store.champion_version("pricing"),
        "version": lambda: store.version_info("pricing", second),
        "overview": lambda: family_overview(store, "pricing"),
        "dry run": lambda: move_champion(store, "pricing", second, "promote", dry_run=True),
        "rollback": lambda: rollback_target(store, "pricing"),
    }
    for what, call in checks.items():
        with pytest.raises(StoreUnavailableError, match="not a database") as caught:
            call()
        assert caught.value.http_status == 503 and caught.value.field == "store", what
    assert not store.health.ok and "not a database" in store.health.summary()

    database.write_bytes(saved)
    assert store.champion_version("pricing") == first
    assert store.health.ok


def test_item24_a_store_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "mlflow.db").mkdir()
    store = ModelStore(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")
    with pytest.raises(StoreUnavailableError, match="cannot open the tracking store"):
        store.champion_version("sales")
    with pytest.raises(StoreUnavailableError):
        store.versions("sales")


def test_item24_absent_things_are_still_not_found(store: ModelStore) -> None:
    assert store.champion_version("leads") is None and store.versions("leads") == []
    for version in ("7", "abc"):
        with pytest.raises(NotFoundError):
            store.load_version("sales", version)
    assert store.health.ok


def test_item24_missing_model_files_are_unavailable(store: ModelStore) -> None:
    version = register_legacy(store, "pricing", 0.2)
    store.check_files("pricing", version)
    shutil.rmtree(store.artifact_root)
    with pytest.raises(StoreUnavailableError, match="model files of pricing v1"):
        store.check_files("pricing", version)
    with pytest.raises(StoreUnavailableError, match="model files of pricing v1"):
        store.load_version("pricing", version)
    assert [p.kind for p in store.health.problems()] == ["files"]
