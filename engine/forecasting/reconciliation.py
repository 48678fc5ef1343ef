"""Hierarchy of series: levels, the summing matrix, and bottom-up or MinT-shrink reconciliation.

Every level (total, each key column, declared combinations, the bottom series) is a sum of bottom
series, written S @ bottom. Reconciled forecasts are S @ G @ base for some G, so children add up to
their parents at every level by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.core.errors import DataError


@dataclass(frozen=True)
class Hierarchy:
    """Rows of S are aggregate series (labelled in `labels`), columns the bottom series."""

    levels: list[list[str]]
    labels: pd.DataFrame  # one row per aggregate series: level name + key values
    S: np.ndarray  # (n_upper + n_bottom) x n_bottom

    @property
    def n_bottom(self) -> int:
        return self.S.shape[1]

    def level_rows(self, name: str) -> np.ndarray:
        """Row numbers of S belonging to one level."""
        return np.flatnonzero(self.labels["level"].to_numpy() == name)


def level_name(level: list[str]) -> str:
    """'total', 'region', 'store x product', ..."""
    return " x ".join(level) if level else "total"


def default_levels(index: pd.DataFrame, keys: list[str], declared: list[list[str]] | None = None):
    """Total, every key (and grouping) column alone, declared combinations, then the bottom."""
    levels: list[list[str]] = [[]]
    for col in index.columns:
        if [col] != list(keys):
            levels.append([col])
    for level in declared or []:
        missing = [c for c in level if c not in index.columns]
        if missing:
            raise DataError(f"unknown hierarchy level column '{missing[0]}'", "levels")
        if list(level) not in levels and list(level) != list(keys):
            levels.append(list(level))
    levels.append(list(keys))
    return levels


def build_hierarchy(index: pd.DataFrame, levels: list[list[str]]) -> Hierarchy:
    """Summing matrix for the given levels; the last level must identify bottom series.

    The bottom block is the identity in the index's own row order: forecasts and actuals of the
    bottom series are stacked in that order under the upper levels, whatever order the keys
    sort in as text (store 10 before store 2).
    """
    blocks, labels = [], []
    n = len(index)
    for position, level in enumerate(levels):
        name = level_name(level)
        if position == len(levels) - 1 and level:
            if index[level].astype(str).duplicated().any():
                raise DataError(f"the bottom level '{name}' does not identify each series", "keys")
            blocks.append(np.eye(n))
            for _, row in index[level].astype(str).iterrows():
                labels.append({"level": name, **row.to_dict()})
            continue
        if not level:
            blocks.append(np.ones((1, n)))
            labels.append({"level": name})
            continue
        groups = index[level].astype(str)
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(groups), sort=True)
        block = np.zeros((len(uniques), n))
        block[codes, np.arange(n)] = 1.0
        blocks.append(block)
        for u in uniques:
            values = u if isinstance(u, tuple) else (u,)
            labels.append({"level": name, **dict(zip(level, values, strict=True))})
    S = np.vstack(blocks)
    return Hierarchy(levels, pd.DataFrame(labels), S)


def aggregate(S: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """All-level values from bottom values (series first axis); NaN counts as zero in sums."""
    flat = np.nan_to_num(bottom).reshape(bottom.shape[0], -1)
    return (S @ flat).reshape((S.shape[0], *bottom.shape[1:]))


def shrink_covariance(residuals: np.ndarray) -> np.ndarray:
    """Schafer-Strimmer shrinkage of the residual covariance toward its diagonal.

    residuals: samples x series (NaN treated as zero).
    """
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
        sum_sq = (z**2).T @ (z**2) - n * wbar**2
        var_corr = n / (n - 1) ** 3 * sum_sq
        off = ~np.eye(x.shape[1], dtype=bool)
        denom = (corr[off] ** 2).sum()
        lam = float(np.clip(var_corr[off].sum() / denom, 0.0, 1.0)) if denom > 0 else 1.0
    shrunk = lam * np.eye(x.shape[1]) + (1 - lam) * corr
    np.fill_diagonal(shrunk, 1.0)
    floor = np.maximum(sd, 1e-6)
    return shrunk * np.outer(floor, floor)


def mint_matrix(S: np.ndarray, residuals: np.ndarray) -> np.ndarray:
    """G for MinT with shrinkage: bottom = G @ base_all."""
    W = shrink_covariance(residuals)
    W += np.eye(len(W)) * 1e-9 * np.trace(W) / len(W)
    Winv_S = np.linalg.solve(W, S)
    return np.linalg.solve(S.T @ Winv_S, Winv_S.T)


def bottom_up_matrix(S: np.ndarray) -> np.ndarray:
    """G for bottom-up: keep the bottom rows of the base forecasts."""
    n_bottom = S.shape[1]
    G = np.zeros((n_bottom, S.shape[0]))
    G[:, S.shape[0] - n_bottom :] = np.eye(n_bottom)
    return G


def reconcile(G: np.ndarray, base_all: np.ndarray) -> np.ndarray:
    """Reconciled bottom forecasts (non-negative) from base forecasts at every level."""
    flat = base_all.reshape(base_all.shape[0], -1)
    out = np.clip(G @ flat, 0.0, None)
    return out.reshape((G.shape[0], *base_all.shape[1:]))
