"""Long sales table to panel with drivers, and the default 'planned' future drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.core.contracts import validate_sales
from engine.core.panel import hold_last, to_panel


def test_panel_carries_drivers_on_the_same_grid() -> None:
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-29", "2024-01-08"]
            ),
            "store": ["A", "A", "A", "A", "B"],
            "units": [1, 2, 3, 4, 5],
            "price": [2.0, 2.0, 2.0, 1.5, 3.0],
            "promo": [0, 0, 0, 1, 0],
        }
    )
    panel = to_panel(validate_sales(frame, keys=["store"]))
    assert panel.values.shape == (2, 5)
    assert np.isnan(panel.values[0, 3]) and np.isnan(panel.values[1, 0])
    np.testing.assert_array_equal(panel.exog["price"][0, [0, 1, 4]], [2.0, 2.0, 1.5])
    future = hold_last(panel.exog, 3)
    np.testing.assert_array_equal(future["price"], [[1.5] * 3, [3.0] * 3])
    np.testing.assert_array_equal(future["promo"], np.zeros((2, 3)))
    sub = panel.subset(np.array([1])).head(2)
    assert sub.values.shape == (1, 2) and sub.exog["price"].shape == (1, 2)
