"""Trained MLflow database templates, each trained once per session when first asked for, and fresh
LODESTAR_HOME folders holding a copy of one, so that no test trains what another already made."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

from engine.core.settings import Settings
from engine.registry.store import ModelStore
from training.forecasting.job import train_forecast
from training.leads.job import train_leads
from training.pricing.job import train_pricing


def home_from(template: Path, folder: Path) -> Path:
    """`folder` (made if missing) as a LODESTAR_HOME holding a copy of the `template` database."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, folder / "mlflow.db")
    return folder


def store_from(template: Path, folder: Path) -> ModelStore:
    """The model store, under default settings, of a fresh home copied from `template`."""
    return ModelStore.from_settings(Settings(home=home_from(template, folder)))


@dataclass
class StoreTemplates:
    """The session's templates, each built on the one before it from the small demo files."""

    folders: pytest.TempPathFactory
    empty: Path
    demo: dict[str, Path]

    def _grown(self, base: Path, name: str) -> tuple[ModelStore, Path]:
        """A new template folder copied from `base`: its store (to train in) and database."""
        folder = self.folders.mktemp(name)
        return store_from(base, folder), folder / "mlflow.db"

    @cached_property
    def sales(self) -> Path:
        """Sales v1 (champion) and v2 (a challenger)."""
        store, database = self._grown(self.empty, "sales-template")
        fast = {"selection": "baseline", "n_windows": 1}  # serving needs a model, not the best one
        assert train_forecast(store, self.demo["sales"], **fast).version == "1"
        assert train_forecast(store, self.demo["sales"], force=True, **fast).version == "2"
        store.set_champion("sales", "1")
        return database

    @cached_property
    def sales_pricing(self) -> Path:
        """`sales` plus a pricing v1 champion."""
        store, database = self._grown(self.sales, "sales-pricing-template")
        assert train_pricing(store, self.demo["sales"]).version == "1"
        return database

    @cached_property
    def every_family(self) -> Path:
        """`sales_pricing` plus a leads v1 champion: every family's champion."""
        store, database = self._grown(self.sales_pricing, "every-family-template")
        assert train_leads(store, self.demo["leads"], events=self.demo["lead_events"]).promoted
        return database
