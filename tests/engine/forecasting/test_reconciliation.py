"""Hierarchy: summing matrix, and reconciliations that are coherent at every level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from engine.forecasting.reconciliation import (
    aggregate,
    bottom_up_matrix,
    build_hierarchy,
    default_levels,
    mint_matrix,
    reconcile,
    shrink_covariance,
)


def index() -> pd.DataFrame:
    stores = ["S1", "S1", "S2", "S2", "S3", "S3"]
    return pd.DataFrame(
        {"region": ["N", "N", "N", "N", "S", "S"], "store": stores, "product": ["A", "B"] * 3}
    )


def test_levels_and_summing_matrix() -> None:
    levels = default_levels(index(), ["region", "store", "product"], [["region", "product"]])
    assert levels[0] == [] and levels[-1] == ["region", "store", "product"]
    h = build_hierarchy(index(), levels)
    # total 1 + regions 2 + stores 3 + products 2 + region x product 4 + bottom 6
    assert h.S.shape == (18, 6)
    assert (h.S[0] == 1).all()
    np.testing.assert_array_equal(h.S[-6:], np.eye(6))
    north = h.labels.index[(h.labels["level"] == "region") & (h.labels["region"] == "N")][0]
    np.testing.assert_array_equal(h.S[north], [1, 1, 1, 1, 0, 0])


def test_mint_and_bottom_up_are_coherent_and_mint_uses_upper_levels() -> None:
    rng = np.random.default_rng(0)
    h = build_hierarchy(index(), default_levels(index(), ["region", "store", "product"]))
    truth = rng.uniform(10, 20, (6, 4))
    all_truth = h.S @ truth
    # bottom forecasts noisy, upper levels accurate: MinT should move the bottom toward truth
    noise = rng.normal(0, 3, (200, h.S.shape[0]))
    noise[:, : h.S.shape[0] - 6] *= 0.1
    base = all_truth + noise[0][:, None]
    G = mint_matrix(h.S, noise[1:])
    for G_m in (G, bottom_up_matrix(h.S)):
        bottom = reconcile(G_m, base)
        coherent = h.S @ bottom
        for level in ["total", "region", "store", "product"]:
            rows = h.level_rows(level)
            np.testing.assert_allclose(coherent[rows].sum(axis=0), bottom.sum(axis=0))
    err_mint = np.abs(h.S @ reconcile(G, base) - all_truth)[0].sum()
    err_bu = np.abs(h.S @ reconcile(bottom_up_matrix(h.S), base) - all_truth)[0].sum()
    assert err_mint < err_bu


def test_shrunk_covariance_is_positive_definite_with_few_samples() -> None:
    rng = np.random.default_rng(1)
    cov = shrink_covariance(rng.normal(size=(5, 30)))
    assert np.linalg.eigvalsh(cov).min() > 0


def test_aggregate_treats_missing_as_zero() -> None:
    S = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    out = aggregate(S, np.array([[1.0, np.nan], [2.0, 3.0]]))
    np.testing.assert_allclose(out[0], [3.0, 3.0])


def test_bottom_rows_follow_the_panel_order_when_keys_sort_differently_as_text() -> None:
    """Store 10 sorts before store 2 as text; the bottom block must still match the panel rows."""
    numeric = pd.DataFrame({"region": ["N", "N", "S"], "store": [2, 10, 3]})
    h = build_hierarchy(numeric, default_levels(numeric, ["store"]))
    np.testing.assert_array_equal(h.S[-3:], np.eye(3))
    assert h.labels["store"].iloc[-3:].tolist() == ["2", "10", "3"]
    rng = np.random.default_rng(1)
    truth = np.array([[10.0], [1000.0], [50.0]])
    residuals = rng.normal(0, 1, (50, h.S.shape[0]))
    bottom = reconcile(mint_matrix(h.S, residuals), h.S @ truth)
    np.testing.assert_allclose(bottom, truth, rtol=1e-6)  # exact base forecasts stay put
