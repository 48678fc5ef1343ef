"""The champions a server answers from: loaded at start, swapped whole when the alias moves.

A background thread polls the `champion` alias every `refresh_seconds`. A new version is
loaded and prepared (caches built) off to the side and then installed with one reference
assignment, so a request sees either the old model or the new one, never a half-loaded one;
a load that fails leaves the old champion serving.

Each poll also checks that the store can be read and that the loaded champions' model files
are still there; what it finds is kept in the store's health, which readiness reports. While
the store is broken the loaded champions keep answering.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.core.errors import NoChampionError, StoreUnavailableError
from engine.core.families import FAMILIES
from engine.core.families import family as family_of
from engine.pricing.prepared import prepared
from engine.registry.store import ModelStore

log = logging.getLogger("lodestar.serving.core.champions")

Preparer = Callable[[Any], Any]


@dataclass(frozen=True)
class LoadedModel:
    """A champion payload, the version it came from and serving caches (replaced whole)."""

    family: str
    version: str
    payload: Any
    cache: Any = None


def freeze_heap() -> None:
    """Move the loaded models' objects out of the collector's reach.

    MLflow, scikit-learn and pandas leave a few hundred thousand long-lived objects; full
    collections scanning them put ~200 ms pauses in request latency tails.
    """
    gc.collect()
    gc.freeze()


class ChampionRegistry:
    """Holds the loaded champion of each family; readers get a consistent snapshot."""

    def __init__(self, store: ModelStore, preparers: dict[str, Preparer] | None = None) -> None:
        self.store = store
        self.preparers = dict(preparers or {})
        self._loaded: dict[str, LoadedModel] = {}
        self._swap_lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned: dict[str, str] = {}

    def refresh(self, family: str) -> bool:
        """Load the champion if the alias moved; swap it in whole. True when it changed."""
        with self._load_lock:
            version = self.store.champion_version(family)
            current = self._loaded.get(family)
            if version is None or (current is not None and current.version == version):
                return False
            payload = self.load_payload(family, version)
            self.install(family, version, payload)
            return True

    def load_payload(self, family: str, version: str) -> Any:
        """Load a version's payload without leaving MLflow's code paths on sys.path."""
        saved = list(sys.path)
        try:
            return self.store.load_version(family, version)
        finally:
            sys.path[:] = saved

    def install(self, family: str, version: str, payload: Any) -> LoadedModel:
        """Prepare caches for a loaded payload, then swap it in with one assignment."""
        prepare = self.preparers.get(family)
        loaded = LoadedModel(family, version, payload, prepare(payload) if prepare else None)
        with self._swap_lock:
            self._loaded = {**self._loaded, family: loaded}
        log.info("serving %s champion v%s", family, version)
        self._warm_what_if()
        freeze_heap()
        return loaded

    def _warm_what_if(self) -> None:
        """Build the what-if cache for the current sales/pricing pair now, not on a user's call."""
        sales, pricing = self._loaded.get("sales"), self._loaded.get("pricing")
        if sales is None or pricing is None:
            return
        try:
            prepared(sales.payload, pricing.payload)
        except Exception:  # a payload pair that cannot be priced answers errors per request
            log.warning(
                "what-if cache not prepared for sales v%s / pricing v%s",
                sales.version,
                pricing.version,
            )

    def get(self, family: str) -> LoadedModel:
        """The family's champion; 503 when the store is broken, else 409 saying how to train one."""
        loaded = self._loaded.get(family)
        if loaded is None and not self.store.health.ok:
            raise StoreUnavailableError(
                f"no {family} champion is loaded and the model store is unavailable: "
                f"{self.store.health.summary()}",
                "store",
            )
        if loaded is None:
            raise NoChampionError(
                f"no {family} champion is loaded: {family_of(family).train_hint}", "family"
            )
        return loaded

    def loaded_families(self) -> list[str]:
        return sorted(self._loaded)

    def versions(self) -> dict[str, str]:
        """Family -> loaded champion version."""
        return {family: m.version for family, m in self._loaded.items()}

    # -- background refresh -----------------------------------------------------------------
    def poll_once(self) -> None:
        """Load each family's champion if its alias moved; a failure keeps what was loaded."""
        for family in FAMILIES:
            try:
                self.refresh(family)
                loaded = self._loaded.get(family)
                if loaded is not None:
                    self.store.check_files(family, loaded.version)
            except StoreUnavailableError as exc:
                self._warn_once(family, str(exc))
            except Exception:
                log.exception("refreshing the %s champion failed; keeping the loaded one", family)
            else:
                self._warned.pop(family, None)

    def _warn_once(self, family: str, message: str) -> None:
        """Log a store problem once per family until it changes, not on every poll."""
        if self._warned.get(family) != message:
            self._warned[family] = message
            log.warning("%s champion: %s; serving what is loaded", family, message)

    def start(self, interval: float) -> None:
        """Poll the champion aliases every `interval` seconds in a daemon thread."""
        if self._thread is not None:
            return
        self._stop.clear()

        def loop() -> None:
            self.recover()
            while not self._stop.wait(interval):
                self.poll_once()

        self._thread = threading.Thread(target=loop, name="champion-refresh", daemon=True)
        self._thread.start()

    def recover(self) -> None:
        """At server start: clean up runs and versions that killed training processes left."""
        try:
            self.store.recover_all()
        except StoreUnavailableError as exc:
            log.warning("could not clean up interrupted training runs: %s", exc)
        except Exception:
            log.exception("cleaning up interrupted training runs failed")

    def stop(self) -> None:
        """Stop polling (waits for a load in progress to finish)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
