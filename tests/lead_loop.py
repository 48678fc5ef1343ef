"""Lead-loop fixtures shared by API and CLI tests: demo leads and a store with a leads champion."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from engine.core.settings import Settings
from engine.demo import write_demo_data
from engine.registry.store import ModelStore
from models.leads import LeadConversionModel
from training.leads.job import train_leads


@pytest.fixture(scope="session")
def loop_leads_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 demo leads (seed 33) with outcomes."""
    folder = tmp_path_factory.mktemp("loop-leads")
    sizes = {"n_leads": 1500, "n_weeks": 10, "n_products": 1, "stores_per_region": 1}
    return write_demo_data(folder, seed=33, n_regions=1, **sizes)["leads"]


@pytest.fixture(scope="session")
def leads_template(
    tmp_path_factory: pytest.TempPathFactory, _store_template: Path, loop_leads_csv: Path
) -> Path:
    """An MLflow database whose leads champion is v1, trained once per session."""
    home = tmp_path_factory.mktemp("leads-template")
    shutil.copy(_store_template, home / "mlflow.db")
    store = ModelStore.from_settings(Settings(home=home))
    with threadpool_limits(1):
        train_leads(store, loop_leads_csv, estimator=LeadConversionModel(max_iter=60, cv=2))
    return home / "mlflow.db"
