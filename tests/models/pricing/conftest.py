"""Generated sales with known elasticities, fitted once per module where tests only read them."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.demo import generate_sales

RECOVERY_SIZE = {"n_regions": 3, "stores_per_region": 8, "n_products": 4, "n_weeks": 156}
"""24 stores x 4 products (one category) x 3 years: enough price variation for 0.1 accuracy."""


@pytest.fixture(scope="module")
def recovery_data() -> tuple[pd.DataFrame, dict]:
    return generate_sales(1, **RECOVERY_SIZE)
