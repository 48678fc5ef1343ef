"""Fixtures for the lead models: generated leads with a known rule, and a model fitted once."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from engine.core.contracts import validate_leads
from engine.demo import generate_leads
from models.leads import LeadConversionModel


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """The test machine is shared: one OpenMP thread avoids oversubscription."""
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def known_rule() -> dict:
    """20,000 generated leads split by creation date (older train, newer validate)."""
    leads, _, truth = generate_leads(seed=3, n_leads=20_000)
    table = validate_leads(leads, require_outcome=True)
    frame = table.frame.sort_values("created_date").reset_index(drop=True)
    cut = int(len(frame) * 0.8)
    return {
        "train": frame.iloc[:cut],
        "val": frame.iloc[cut:],
        "features": table.features,
        "truth": truth,
    }


@pytest.fixture(scope="module")
def fitted(known_rule: dict) -> LeadConversionModel:
    with threadpool_limits(1):
        train = known_rule["train"]
        return LeadConversionModel().fit(train[known_rule["features"]], train["converted"])


@pytest.fixture(scope="module")
def small_frame() -> tuple[pd.DataFrame, np.ndarray]:
    leads, _, _ = generate_leads(seed=5, n_leads=1500)
    table = validate_leads(leads, require_outcome=True)
    return table.frame[table.features], table.frame["converted"].to_numpy()
