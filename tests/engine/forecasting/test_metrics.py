"""Accuracy metrics on small hand-checked examples."""

from __future__ import annotations

import numpy as np
import pytest

from engine.forecasting.metrics import (
    coverage,
    mape,
    mase,
    mase_per_series,
    mase_scale,
    smape,
    smape_per_series,
    wape,
)


def test_values_by_hand() -> None:
    a = np.array([[10.0, 20.0, np.nan]])
    f = np.array([[12.0, 15.0, 99.0]])
    assert wape(a, f) == pytest.approx(7 / 30)
    assert mape(a, f) == pytest.approx((20 + 25) / 2)
    assert smape(a, f) == pytest.approx(np.mean([200 * 2 / 22, 200 * 5 / 35]))
    assert smape_per_series(a, f)[0] == pytest.approx(smape(a, f))
    assert coverage(a, f - 3, f + 3) == 0.5


def test_mase_scale_falls_back_to_naive_when_short() -> None:
    insample = np.array([[1.0, 3.0, 5.0, 7.0]])
    assert mase_scale(insample, 52)[0] == pytest.approx(2.0)
    per = mase_per_series(np.array([[9.0]]), np.array([[7.0]]), mase_scale(insample, 52))
    assert per[0] == pytest.approx(1.0)
    assert mase(np.array([[9.0]]), np.array([[7.0]]), insample, 52) == pytest.approx(1.0)
