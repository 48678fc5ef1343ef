"""Fan-out through joblib and through a Dask LocalCluster gives the same forecasts as serial."""

from __future__ import annotations

import numpy as np
import pytest
from dask import distributed

from engine.core.contracts import validate_sales
from engine.core.errors import DataError
from engine.core.panel import to_panel
from engine.core.parallel import Runner, chunks
from engine.demo import generate_sales
from engine.forecasting.orchestrator import ForecastSettings, run_forecast


def square(x: int) -> int:
    return x * x


@pytest.fixture(scope="module")
def panel():
    sales, _ = generate_sales(3, n_regions=1, stores_per_region=2, n_products=3, n_weeks=110)
    return to_panel(validate_sales(sales))


def test_chunks_cover_every_series_once() -> None:
    parts = chunks(10, 3)
    assert [i for r in parts for i in r] == list(range(10))


def test_dask_local_cluster_matches_serial(panel) -> None:
    settings = ForecastSettings(selection="naive,seasonal_naive,theta", n_windows=2, n_paths=50)
    serial = run_forecast(panel, settings, 8, Runner())
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        runner = Runner(n_jobs=2, backend="dask", scheduler=cluster.scheduler_address)
        assert runner.map(square, [(i,) for i in range(5)]) == [0, 1, 4, 9, 16]
        remote = run_forecast(panel, settings, 8, runner)
    np.testing.assert_allclose(remote.forecast_set.mean, serial.forecast_set.mean)
    assert remote.metrics["backtest_wape"] == pytest.approx(serial.metrics["backtest_wape"])


def test_threading_backend_matches_serial() -> None:
    assert Runner(n_jobs=2, backend="threading").map(square, [(i,) for i in range(4)]) == [
        0,
        1,
        4,
        9,
    ]


def test_dask_without_scheduler_is_a_user_error() -> None:
    with pytest.raises(DataError):
        Runner(n_jobs=2, backend="dask").map(square, [(1,), (2,)])


def test_chunk_count_bounds_series_per_task_and_feeds_every_worker() -> None:
    """Tasks never hold more than TASK_SERIES series; there are at least two per worker."""
    from engine.core.parallel import TASK_SERIES

    assert Runner().chunk_count(10) == 2
    assert Runner(n_jobs=2).chunk_count(10) == 4
    assert Runner(backend="dask", scheduler="tcp://x").chunk_count(10) == 8
    for n in (1_000, 30_000, 100_000):
        pieces = chunks(n, Runner(n_jobs=2).chunk_count(n))
        assert max(len(piece) for piece in pieces) <= TASK_SERIES
        assert sum(len(piece) for piece in pieces) == n
