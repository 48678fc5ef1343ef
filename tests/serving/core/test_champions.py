"""Champion registry: background refresh swaps whole models; failed loads keep the old one."""

from __future__ import annotations

import threading
import time

import pytest

from engine.core.errors import NoChampionError
from engine.registry.store import ModelStore
from serving.core.champions import ChampionRegistry


def _wait_for(condition, seconds: float = 20.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_refresh_thread_notices_a_moved_alias(serving_store: ModelStore) -> None:
    prepared: list[str] = []
    registry = ChampionRegistry(serving_store, {"sales": lambda p: prepared.append("x") or "cache"})
    registry.poll_once()
    first = registry.get("sales")
    assert (first.version, first.cache) == ("1", "cache")
    registry.start(0.1)
    try:
        serving_store.set_champion("sales", "2")
        assert _wait_for(lambda: registry.get("sales").version == "2")
    finally:
        registry.stop()
    second = registry.get("sales")
    assert second.payload is not first.payload and second.cache == "cache"
    assert first.version == "1"  # the old snapshot a request held is untouched
    assert len(prepared) == 2


def test_readers_always_see_a_whole_model_during_swaps(serving_store: ModelStore) -> None:
    registry = ChampionRegistry(serving_store)
    registry.poll_once()
    payloads = {"1": registry.get("sales").payload}
    payloads["2"] = registry.load_payload("sales", "2")
    seen: list[tuple[str, object]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            model = registry.get("sales")
            seen.append((model.version, model.payload))

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(200):
        version = "2" if i % 2 == 0 else "1"
        registry.install("sales", version, payloads[version])
    stop.set()
    thread.join()
    assert seen and all(payload is payloads[version] for version, payload in seen)


def test_a_failing_load_keeps_the_old_champion(
    serving_store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = ChampionRegistry(serving_store)
    registry.poll_once()
    serving_store.set_champion("sales", "2")

    def broken(family: str, version: str) -> None:
        raise OSError("disk went away")

    monkeypatch.setattr(serving_store, "load_version", broken)
    registry.poll_once()
    assert registry.get("sales").version == "1"
    monkeypatch.undo()
    registry.poll_once()
    assert registry.get("sales").version == "2"


def test_a_family_without_champion_says_how_to_train_one(serving_store: ModelStore) -> None:
    registry = ChampionRegistry(serving_store)
    registry.poll_once()
    assert registry.loaded_families() == ["sales"]
    with pytest.raises(NoChampionError) as err:
        registry.get("leads")
    assert "lodestar train leads" in err.value.message and err.value.http_status == 409
