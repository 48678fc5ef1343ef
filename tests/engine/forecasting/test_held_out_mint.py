"""Choosing MinT over bottom-up is judged on windows its weights did not see.

Weights estimated on the window they reconcile flatter MinT (on 300 M3 quarterly series the
in-sample score chose it, and it then lost to bottom-up on the test), so each backtest window is
reconciled with the error covariance of the other windows only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.forecasting.orchestrator import held_out_mint, window_residuals
from engine.forecasting.reconciliation import (
    build_hierarchy,
    default_levels,
    mint_shrink,
    reconcile,
)


def hierarchy_and_windows(seed: int) -> tuple:
    index = pd.DataFrame({"store": ["S1", "S1", "S2", "S2"], "product": ["A", "B"] * 2})
    hierarchy = build_hierarchy(index, default_levels(index, ["store", "product"]))
    rng = np.random.default_rng(seed)
    n_all = hierarchy.S.shape[0]
    truth = rng.uniform(50, 100, (3, 4, 6))  # windows x bottom x steps
    actual = np.stack([hierarchy.S @ window for window in truth])
    base = actual + rng.normal(0, 8, (3, n_all, 6))
    return hierarchy, actual, base


def test_a_window_is_reconciled_with_weights_that_never_saw_it() -> None:
    hierarchy, actual, base = hierarchy_and_windows(3)
    before = held_out_mint(hierarchy, base, window_residuals(actual, base))
    moved = actual.copy()
    moved[1] += np.random.default_rng(9).normal(0, 40, moved[1].shape)  # window 2's actuals only
    after = held_out_mint(hierarchy, base, window_residuals(moved, base))
    np.testing.assert_allclose(after[1], before[1], rtol=1e-12)  # its own errors: no effect
    assert not np.allclose(after[0], before[0]) and not np.allclose(after[2], before[2])


def test_each_window_uses_the_covariance_of_the_others() -> None:
    hierarchy, actual, base = hierarchy_and_windows(4)
    residuals = window_residuals(actual, base)
    got = held_out_mint(hierarchy, base, residuals)
    for k in range(3):
        others = np.concatenate([(actual[j] - base[j]).T for j in range(3) if j != k])
        expected = reconcile(mint_shrink(hierarchy.S, others), base[k])
        np.testing.assert_allclose(got[k], expected, rtol=1e-12)
    single = held_out_mint(hierarchy, base[:1], residuals[:1])
    alone = reconcile(mint_shrink(hierarchy.S, residuals[0]), base[0])
    np.testing.assert_allclose(single[0], alone, rtol=1e-12)
