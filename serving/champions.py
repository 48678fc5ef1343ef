"""The champions a server answers from: loaded at start, one slot per model family."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from engine.errors import NoChampionError
from engine.store import FAMILIES, ModelStore

log = logging.getLogger("lodestar.serving.champions")


@dataclass(frozen=True)
class LoadedModel:
    """A champion payload and the version it came from (replaced whole, never mutated)."""

    family: str
    version: str
    payload: Any


class ChampionRegistry:
    """Holds the loaded champion of each family; readers get a consistent snapshot."""

    def __init__(self, store: ModelStore) -> None:
        self.store = store
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()

    def load_all(self) -> None:
        """Load every family's champion that exists; missing ones answer 409 until trained."""
        for family in FAMILIES:
            self.refresh(family)

    def refresh(self, family: str) -> bool:
        """Load the champion if the alias moved; swap it in whole. True when it changed."""
        version = self.store.champion_version(family)
        current = self._loaded.get(family)
        if version is None or (current is not None and current.version == version):
            return False
        payload = self.store.load_version(family, version)
        with self._lock:
            self._loaded = {**self._loaded, family: LoadedModel(family, version, payload)}
        log.info("loaded %s champion v%s", family, version)
        return True

    def get(self, family: str) -> LoadedModel:
        """The family's champion, or NoChampionError (409) saying how to train one."""
        loaded = self._loaded.get(family)
        if loaded is None:
            command = {"sales": "forecast", "leads": "leads", "pricing": "pricing"}[family]
            raise NoChampionError(
                f"no {family} champion is loaded: train one with `lodestar train {command} "
                "--data PATH` or POST /v1/training/runs",
                "family",
            )
        return loaded

    def loaded_families(self) -> list[str]:
        return sorted(self._loaded)
