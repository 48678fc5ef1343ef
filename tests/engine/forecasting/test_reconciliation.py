"""Hierarchy: sparse summing matrix, and reconciliations that are coherent at every level.

The structured MinT-shrink (diagonal plus low rank, constraint form) is checked against the dense
textbook computation, written out here independently: Schafer-Strimmer shrinkage of the full
correlation matrix and G = (S'W⁻¹S)⁻¹S'W⁻¹.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from engine.forecasting.reconciliation import (
    aggregate,
    bottom_up,
    build_hierarchy,
    default_levels,
    mint_shrink,
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
    assert h.S.shape == (18, 6) and sp.issparse(h.S)
    S = h.S.toarray()
    assert (S[0] == 1).all()
    np.testing.assert_array_equal(S[-6:], np.eye(6))
    north = h.labels.index[(h.labels["level"] == "region") & (h.labels["region"] == "N")][0]
    np.testing.assert_array_equal(S[north], [1, 1, 1, 1, 0, 0])


def test_mint_and_bottom_up_are_coherent_and_mint_uses_upper_levels() -> None:
    rng = np.random.default_rng(0)
    h = build_hierarchy(index(), default_levels(index(), ["region", "store", "product"]))
    truth = rng.uniform(10, 20, (6, 4))
    all_truth = h.S @ truth
    # bottom forecasts noisy, upper levels accurate: MinT should move the bottom toward truth
    noise = rng.normal(0, 3, (200, h.S.shape[0]))
    noise[:, : h.S.shape[0] - 6] *= 0.1
    base = all_truth + noise[0][:, None]
    G = mint_shrink(h.S, noise[1:])
    for G_m in (G, bottom_up(h.S)):
        bottom = reconcile(G_m, base)
        coherent = h.S @ bottom
        for level in ["total", "region", "store", "product"]:
            rows = h.level_rows(level)
            np.testing.assert_allclose(coherent[rows].sum(axis=0), bottom.sum(axis=0))
    err_mint = np.abs(h.S @ reconcile(G, base) - all_truth)[0].sum()
    err_bu = np.abs(h.S @ reconcile(bottom_up(h.S), base) - all_truth)[0].sum()
    assert err_mint < err_bu


def test_shrunk_covariance_is_positive_definite_with_few_samples() -> None:
    rng = np.random.default_rng(1)
    cov = shrink_covariance(rng.normal(size=(5, 30))).dense()
    assert np.linalg.eigvalsh(cov).min() > 0


def test_aggregate_treats_missing_as_zero() -> None:
    S = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    out = aggregate(S, np.array([[1.0, np.nan], [2.0, 3.0]]))
    np.testing.assert_allclose(out[0], [3.0, 3.0])


def test_bottom_rows_follow_the_panel_order_when_keys_sort_differently_as_text() -> None:
    """Store 10 sorts before store 2 as text; the bottom block must still match the panel rows."""
    numeric = pd.DataFrame({"region": ["N", "N", "S"], "store": [2, 10, 3]})
    h = build_hierarchy(numeric, default_levels(numeric, ["store"]))
    np.testing.assert_array_equal(h.S.toarray()[-3:], np.eye(3))
    assert h.labels["store"].iloc[-3:].tolist() == ["2", "10", "3"]
    rng = np.random.default_rng(1)
    truth = np.array([[10.0], [1000.0], [50.0]])
    residuals = rng.normal(0, 1, (50, h.S.shape[0]))
    bottom = reconcile(mint_shrink(h.S, residuals), h.S @ truth)
    np.testing.assert_allclose(bottom, truth, rtol=1e-6)  # exact base forecasts stay put


def dense_shrunk_covariance(residuals: np.ndarray) -> np.ndarray:
    """Schafer-Strimmer shrinkage toward the diagonal on full series x series matrices."""
    x = np.nan_to_num(residuals)
    n = x.shape[0]
    x = x - x.mean(axis=0)
    cov = x.T @ x / max(n - 1, 1)
    sd = np.sqrt(np.diag(cov))
    sd = np.where(sd > 0, sd, 1.0)
    z = x / sd
    corr = z.T @ z / max(n - 1, 1)
    lam = 1.0
    if n > 1:
        wbar = z.T @ z / n
        var_corr = n / (n - 1) ** 3 * ((z**2).T @ (z**2) - n * wbar**2)
        off = ~np.eye(x.shape[1], dtype=bool)
        lam = float(np.clip(var_corr[off].sum() / (corr[off] ** 2).sum(), 0.0, 1.0))
    shrunk = lam * np.eye(x.shape[1]) + (1 - lam) * corr
    np.fill_diagonal(shrunk, 1.0)
    floor = np.maximum(sd, 1e-6)
    return shrunk * np.outer(floor, floor)


def dense_mint(S: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """G = (S'W⁻¹S)⁻¹S'W⁻¹ with the dense shrunk covariance and the same tiny ridge."""
    W = dense_shrunk_covariance(residuals)
    W += np.eye(len(W)) * 1e-9 * np.trace(W) / len(W)
    Winv_S = np.linalg.solve(W, S)
    return np.linalg.solve(S.T @ Winv_S, Winv_S.T)


def wide_index(n_regions: int, stores: int, products: int) -> pd.DataFrame:
    rows = [
        {"region": f"R{r}", "store": f"S{r}-{s}", "product": f"P{p}", "category": f"C{p % 3}"}
        for r in range(n_regions)
        for s in range(stores)
        for p in range(products)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("regions", "stores", "products", "samples"), [(2, 3, 4, 39), (3, 2, 5, 8)]
)
def test_structured_mint_shrink_equals_the_dense_computation(
    regions: int, stores: int, products: int, samples: int
) -> None:
    """Sparse S, low-rank covariance and constraint form give the dense G's answer to 1e-9."""
    idx = wide_index(regions, stores, products)
    h = build_hierarchy(idx, default_levels(idx, ["region", "store", "product"]))
    S = h.S.toarray()
    rng = np.random.default_rng(regions * 10 + samples)
    shared = rng.normal(0, 1, (samples, 1))
    residuals = rng.normal(0, 2, (samples, S.shape[0])) + shared * rng.uniform(0, 3, S.shape[0])
    residuals[:, 3] = 0.0  # a series that was always exact: zero variance
    residuals[2, 5] = np.nan
    base = S @ rng.uniform(5, 50, (h.n_bottom, 13)) + rng.normal(0, 4, (S.shape[0], 13))

    np.testing.assert_allclose(
        shrink_covariance(residuals).dense(),
        dense_shrunk_covariance(residuals),
        rtol=1e-9,
        atol=1e-12,
    )
    expected = dense_mint(S, residuals) @ base
    got = mint_shrink(h.S, residuals).apply(base)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    np.testing.assert_array_equal(bottom_up(h.S).apply(base), base[-h.n_bottom :])


def test_thirty_thousand_series_reconcile_without_a_dense_matrix() -> None:
    """30,000 bottom series: S has one entry per series and level, MinT needs no n x n matrix."""
    idx = wide_index(5, 60, 100)
    h = build_hierarchy(idx, default_levels(idx, ["region", "store", "product"]))
    assert h.n_bottom == 30_000 and h.S.nnz == 30_000 * len(h.levels)
    rng = np.random.default_rng(3)
    truth = rng.uniform(1, 10, (h.n_bottom, 2))
    residuals = rng.normal(0, 1, (39, h.S.shape[0]))
    bottom = reconcile(mint_shrink(h.S, residuals), aggregate(h.S, truth))
    np.testing.assert_allclose(bottom, truth, rtol=1e-6)  # coherent input stays put
