"""Rolling-origin windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.backtest import actuals, future_exog, rolling_origins, train_part
from engine.panel import Panel


def test_windows_end_at_the_last_period_and_step_back() -> None:
    windows = rolling_origins(100, 13, 3)
    assert [w.cut for w in windows] == [61, 74, 87]
    assert windows[-1].cut + windows[-1].horizon == 100


def test_short_history_gets_fewer_windows() -> None:
    assert len(rolling_origins(30, 13, 3, min_train=8)) == 1
    assert rolling_origins(10, 13, 3) == []


def test_splits_do_not_leak_the_future() -> None:
    values = np.arange(20.0)[None, :]
    panel = Panel(
        pd.DataFrame({"k": ["a"]}),
        pd.DatetimeIndex(pd.date_range("2024-01-01", periods=20, freq="7D")),
        values,
        "W",
        {"price": values + 100},
    )
    window = rolling_origins(20, 4, 1)[0]
    assert train_part(panel, window).values.max() == 15
    np.testing.assert_array_equal(actuals(panel, window), [[16, 17, 18, 19]])
    np.testing.assert_array_equal(future_exog(panel, window)["price"], [[116, 117, 118, 119]])
