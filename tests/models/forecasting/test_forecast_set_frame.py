"""A forecast set's period rows: each series from its own first forecast period, with bands that
are the paths' own quantiles there (checked against numpy on the whole array)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.intervals import BANDS
from models.forecasting.forecast_set import ForecastSet


def _ragged_set() -> ForecastSet:
    rng = np.random.default_rng(5)
    n, n_paths, h = 5, 200, 12
    start = np.array([0, 3, 0, 7, 3])
    paths = rng.gamma(2.0, 10.0, (n, n_paths, h)).astype(np.float32)
    for i, s in enumerate(start):
        paths[i, :, :s] = 0.0
    return ForecastSet(
        index=pd.DataFrame({"sku": [f"S{i}" for i in range(n)]}),
        keys=["sku"],
        freq="M",
        dates=pd.date_range("2030-01-01", periods=h, freq="MS"),
        mean=paths.mean(axis=1, dtype=np.float64),
        paths=paths,
        actual_dates=pd.DatetimeIndex([]),
        actuals=np.zeros((n, 0)),
        start=start,
    )


def test_each_series_has_rows_from_its_own_start_with_the_paths_quantiles() -> None:
    fs = _ragged_set()
    frame = fs.interval_frame()
    assert frame.groupby("sku").size().tolist() == [12 - s for s in fs.start]
    expected = np.quantile(fs.paths, list(BANDS.values()), axis=1)  # 4 x n x h
    for i, sku in enumerate(fs.index["sku"]):
        own = frame[frame["sku"] == sku]
        assert own["date"].iloc[0] == fs.dates[fs.start[i]]
        for k, band in enumerate(BANDS):
            np.testing.assert_allclose(own[band], expected[k, i, fs.start[i] :], rtol=1e-6)
        np.testing.assert_allclose(
            own["mean"], fs.paths[i, :, fs.start[i] :].mean(axis=0, dtype=np.float64)
        )


def test_a_subset_of_series_keeps_their_own_starts() -> None:
    fs = _ragged_set()
    part = fs.interval_frame(np.array([3, 1]))
    assert part["sku"].drop_duplicates().tolist() == ["S3", "S1"]
    assert part.groupby("sku", sort=False).size().tolist() == [12 - 7, 12 - 3]
