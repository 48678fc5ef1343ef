"""Small generated panels with known structure for the forecaster tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.panel import Panel


def make_panel(
    n_series: int = 6, n_weeks: int = 120, amplitude: float = 0.3, seed: int = 0, exog: bool = True
) -> Panel:
    """Weekly series: level x yearly sine season x promo lift, Poisson-ish noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2022-01-03", periods=n_weeks, freq="7D")
    t = np.arange(n_weeks)
    season = 1 + amplitude * np.sin(2 * np.pi * t / 52)
    level = rng.uniform(50, 200, n_series)[:, None]
    promo = (rng.random((n_series, n_weeks)) < 0.1).astype(float)
    price = 3.0 * (1 - 0.2 * promo)
    mean = level * season[None, :] * (1 + 0.3 * promo)
    values = rng.poisson(mean).astype(float)
    index = pd.DataFrame(
        {
            "store": [f"S{i % 3}" for i in range(n_series)],
            "product": [f"P{i}" for i in range(n_series)],
        }
    )
    drivers = {"price": price, "promo": promo} if exog else {}
    return Panel(index, pd.DatetimeIndex(dates), values, "W", drivers)


@pytest.fixture
def panel() -> Panel:
    return make_panel()
