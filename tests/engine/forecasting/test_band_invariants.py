"""Item 7 (issue 10): band invariants of every forecast, over awkward series and every preset.

lo_95 <= lo_80 <= mean <= hi_80 <= hi_95 per series and period, the mean is the paths' mean,
nothing is negative, and no band narrows from one period to the next while the forecast holds
or rises. Checked through `run_forecast` on generated panels: 1-3 point series, constants, all
zeros, intermittent demand, trends, series that end early or start late, huge spikes.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.core.calendar import period_offset
from engine.core.intervals import BANDS
from engine.core.panel import Panel
from engine.forecasting.orchestrator import ForecastSettings, run_forecast
from models.forecasting.catalog import PRESETS

KINDS = (
    "short",
    "constant",
    "zeros",
    "intermittent",
    "trend_up",
    "trend_down",
    "ends_early",
    "starts_late",
    "spike",
    "noisy",
)


def series_of(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """One awkward series of length n (NaN where it does not exist)."""
    t = np.arange(n, dtype=float)
    if kind == "short":
        k = int(rng.integers(1, 4))
        return np.r_[np.full(max(n - k, 0), np.nan), rng.uniform(50, 200, k)][-n:]
    if kind == "constant":
        return np.full(n, float(rng.integers(1, 50)))
    if kind == "zeros":
        return np.zeros(n)
    if kind == "intermittent":
        return np.where(rng.random(n) < 0.15, rng.integers(1, 40, n), 0).astype(float)
    if kind == "trend_up":
        return 10 + 3 * t + rng.normal(0, 2, n)
    if kind == "trend_down":
        return np.clip(200 - 6 * t + rng.normal(0, 3, n), 0, None)
    if kind == "ends_early":
        stop = int(rng.integers(1, max(2, n // 2 + 1)))
        return np.r_[50 + rng.normal(0, 5, n - stop), np.full(stop, np.nan)][:n]
    if kind == "starts_late":
        start = int(rng.integers(0, max(1, n - 1)))
        return np.r_[np.full(start, np.nan), 30 + rng.normal(0, 4, n - start)]
    if kind == "spike":
        out = 20 + rng.normal(0, 2, n)
        out[int(rng.integers(0, n))] = 50_000.0
        return np.clip(out, 0, None)
    return np.clip(rng.lognormal(3, 0.8, n), 0, None)


@st.composite
def awkward_panels(draw: st.DrawFn) -> tuple[Panel, int]:
    """A small panel of awkward series and a horizon."""
    freq = draw(st.sampled_from(["W", "M", "Q"]))
    n = draw(st.integers(1, 70))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = np.vstack([series_of(kind, n, rng) for kind in kinds])
    values[:, -1] = np.where(np.isnan(values).all(axis=1), 1.0, values[:, -1])  # every row exists
    step = period_offset(freq)
    dates = pd.DatetimeIndex([pd.Timestamp("2021-01-04") + step * i for i in range(n)])
    index = pd.DataFrame({"product": [f"{k}_{i}" for i, k in enumerate(kinds)]})
    horizon = draw(st.integers(1, 14))
    return Panel(index, dates, values, freq), horizon


def assert_band_invariants(mean: np.ndarray, paths: np.ndarray, where: str) -> None:
    """The invariants for one forecast (series x steps mean, series x paths x steps paths)."""
    assert np.isfinite(mean).all() and (paths >= 0).all(), where
    np.testing.assert_allclose(mean, paths.mean(axis=1, dtype=np.float64), rtol=1e-6, atol=1e-9)
    lo95, lo80, hi80, hi95 = np.quantile(paths, list(BANDS.values()), axis=1)
    slack = 1e-5 * (1 + np.abs(mean))
    assert (lo95 >= 0).all(), where
    assert (lo95 <= lo80 + slack).all() and (lo80 <= mean + slack).all(), where
    assert (mean <= hi80 + slack).all() and (hi80 <= hi95 + slack).all(), where
    holds = np.diff(mean, axis=1) >= 0
    for name, width in (("80%", hi80 - lo80), ("95%", hi95 - lo95)):
        change = np.diff(width, axis=1)
        narrowed = holds & (change < -1e-5 * (1 + width[:, 1:]))
        assert not narrowed.any(), f"{where}: {name} band narrows at {np.argwhere(narrowed)[:3]}"


def check_preset(preset: str, panel: Panel, horizon: int) -> None:
    """run_forecast with one selection setting, then the invariants on what a user reads."""
    logging.disable(logging.WARNING)
    try:
        outcome = run_forecast(
            panel, ForecastSettings(selection=preset, n_paths=200), horizon, keys=["product"]
        )
    finally:
        logging.disable(logging.NOTSET)
    fs = outcome.forecast_set
    assert fs is not None
    assert_band_invariants(fs.mean, fs.paths, f"{preset}: {list(fs.index['product'])}")
    table = fs.interval_frame()
    assert (table[["mean", "lo_80", "hi_80", "lo_95", "hi_95"]] >= 0).all().all()
    assert (table["lo_95"] <= table["lo_80"] + 1e-4).all()
    assert (table["hi_80"] <= table["hi_95"] + 1e-4).all()


PROPERTY = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@pytest.mark.parametrize("preset", [p for p in PRESETS if p != "full"])
@settings(max_examples=8, **PROPERTY)
@given(case=awkward_panels())
def test_item7_band_invariants_over_awkward_series(preset: str, case: tuple[Panel, int]) -> None:
    check_preset(preset, *case)


@settings(max_examples=3, **PROPERTY)
@given(case=awkward_panels())
def test_item7_band_invariants_over_awkward_series_full_preset(case: tuple[Panel, int]) -> None:
    """The 'full' preset fits ARIMA per series and window: fewer examples, same checks."""
    check_preset("full", *case)
