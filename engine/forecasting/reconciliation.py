"""Hierarchy of series: levels, the sparse summing matrix, bottom-up or MinT-shrink reconciliation.

Every level (total, each key column, declared combinations, the bottom series) is a sum of bottom
series, written S @ bottom. Reconciled forecasts are S @ G @ base for some G, so children add up to
their parents at every level by construction.

Nothing here is dense in the number of series squared, so 100,000 series reconcile in memory
proportional to the series (times the residual samples or the upper levels): S is a sparse
matrix; the shrunk residual covariance is kept as a diagonal plus a low-rank factor (it is
shrunk toward its diagonal from a few dozen residual samples); MinT is applied in its constraint
form, ŷ - W C'(C W C')⁻¹ C ŷ with C = [I, -A] (A the upper rows of S), which only solves a system
the size of the upper levels. That is the same projection as G = (S'W⁻¹S)⁻¹S'W⁻¹ (Wickramasuriya,
Athanasopoulos and Hyndman 2019), and tests hold the two equal on small hierarchies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp

from engine.core.errors import DataError

RIDGE = 1e-9
"""Added to the covariance's diagonal, relative to its mean variance, so it is never singular."""


@dataclass(frozen=True)
class Hierarchy:
    """Rows of S are aggregate series (labelled in `labels`), columns the bottom series."""

    levels: list[list[str]]
    labels: pd.DataFrame  # one row per aggregate series: level name + key values
    S: sp.csr_array  # (n_upper + n_bottom) x n_bottom, sparse

    @property
    def n_bottom(self) -> int:
        return int(self.S.shape[1])

    @property
    def n_upper(self) -> int:
        return int(self.S.shape[0]) - self.n_bottom

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
    """Sparse summing matrix for the given levels; the last level must identify bottom series.

    The bottom block is the identity in the index's own row order: forecasts and actuals of the
    bottom series are stacked in that order under the upper levels, whatever order the keys
    sort in as text (store 10 before store 2).
    """
    blocks: list[sp.csr_array] = []
    labels: list[dict[str, str]] = []
    n = len(index)
    columns = np.arange(n)
    for position, level in enumerate(levels):
        name = level_name(level)
        if position == len(levels) - 1 and level:
            bottom = index[level].astype(str)
            if bottom.duplicated().any():
                raise DataError(f"the bottom level '{name}' does not identify each series", "keys")
            blocks.append(sp.identity(n, format="csr"))
            labels.extend({"level": name, **row} for row in bottom.to_dict("records"))
            continue
        if not level:
            blocks.append(sp.csr_array(np.ones((1, n))))
            labels.append({"level": name})
            continue
        groups = index[level].astype(str)
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(groups), sort=True)
        blocks.append(sp.csr_array((np.ones(n), (codes, columns)), shape=(len(uniques), n)))
        for u in uniques:
            values = u if isinstance(u, tuple) else (u,)
            labels.append({"level": name, **dict(zip(level, values, strict=True))})
    S = sp.csr_array(sp.vstack(blocks, format="csr"))
    return Hierarchy(levels, pd.DataFrame(labels), S)


def aggregate(S: sp.sparray | np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """All-level values from bottom values (series first axis); NaN counts as zero in sums."""
    flat = np.nan_to_num(bottom).reshape(bottom.shape[0], -1)
    return np.asarray(S @ flat).reshape((S.shape[0], *bottom.shape[1:]))


@dataclass(frozen=True)
class ShrunkCovariance:
    """Residual covariance shrunk toward its diagonal, as diag(diagonal) + factor @ factor.T.

    With T residual samples the sample correlation has rank below T, so the factor is
    series x T: memory grows with the series, not with their square.
    """

    diagonal: np.ndarray  # series
    factor: np.ndarray  # series x samples
    shrinkage: float  # lambda: 1 keeps only the diagonal

    def dense(self) -> np.ndarray:
        """The full matrix (small hierarchies and tests only)."""
        return np.diag(self.diagonal) + self.factor @ self.factor.T

    def trace(self) -> float:
        return float(self.diagonal.sum() + np.square(self.factor).sum())


def shrink_covariance(residuals: np.ndarray) -> ShrunkCovariance:
    """Schafer-Strimmer shrinkage of the residual covariance toward its diagonal.

    residuals: samples x series (NaN treated as zero). The shrinkage intensity is computed from
    the samples' Gram matrix (samples x samples), never from a series x series matrix.
    """
    x = np.nan_to_num(np.asarray(residuals, dtype=float))
    n = x.shape[0]
    x = x - x.mean(axis=0)
    sd = np.sqrt(np.square(x).sum(axis=0) / max(n - 1, 1))
    sd = np.where(sd > 0, sd, 1.0)
    z = x / sd
    squares = np.square(z)
    own = squares.sum(axis=0)  # diagonal of z'z
    corr_diag = own / max(n - 1, 1)
    lam = 1.0
    if n > 1:
        gram_sq = float(np.square(z @ z.T).sum())  # ||z'z||_F^2 from the small Gram matrix
        off_sq = gram_sq - float(np.square(own).sum())  # sum over i != j of (z'z)_ij^2
        fourth = float(np.square(squares.sum(axis=1)).sum()) - float(np.square(squares).sum())
        var_corr = n / (n - 1) ** 3 * (fourth - off_sq / n)
        denom = off_sq / (n - 1) ** 2
        lam = float(np.clip(var_corr / denom, 0.0, 1.0)) if denom > 0 else 1.0
    floor = np.maximum(sd, 1e-6)
    # lam * I + (1 - lam) * corr with a unit diagonal, scaled by the standard deviations
    diagonal = np.square(floor) * (1.0 - (1.0 - lam) * corr_diag)
    factor = (floor[:, None] * z.T) * np.sqrt((1.0 - lam) / max(n - 1, 1))
    return ShrunkCovariance(diagonal, factor, lam)


class Reconciler(Protocol):
    """Maps base forecasts at every level (all x k) to reconciled bottom forecasts (bottom x k)."""

    def apply(self, base_all: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class BottomUp:
    """Keep the bottom rows of the base forecasts."""

    n_bottom: int

    def apply(self, base_all: np.ndarray) -> np.ndarray:
        return base_all[base_all.shape[0] - self.n_bottom :]


@dataclass(frozen=True)
class MinTShrink:
    """MinT with the shrunk covariance W, in constraint form (solves an upper-levels system).

    bottom = ŷ_b - (W C')_b (C W C')⁻¹ C ŷ with C = [I_upper, -A]; (W C')_b = -d_b A' + F_b (C F)'.
    """

    upper: sp.csr_array  # A: upper rows of S (n_upper x n_bottom)
    bottom_diagonal: np.ndarray  # d_b
    bottom_factor: np.ndarray  # F_b (n_bottom x samples)
    constraint_factor: np.ndarray  # C F (n_upper x samples)
    system: tuple[np.ndarray, bool]  # Cholesky factor of C W C'

    def apply(self, base_all: np.ndarray) -> np.ndarray:
        n_upper = self.upper.shape[0]
        base_u, base_b = base_all[:n_upper], base_all[n_upper:]
        if n_upper == 0:
            return base_b.copy()
        gap = base_u - self.upper @ base_b  # C ŷ: how far the base forecasts are from adding up
        r = scipy.linalg.cho_solve(self.system, gap)
        return (
            base_b
            + self.bottom_diagonal[:, None] * np.asarray(self.upper.T @ r)
            - self.bottom_factor @ (self.constraint_factor.T @ r)
        )


def bottom_up(S: sp.sparray | np.ndarray) -> BottomUp:
    """The bottom-up reconciler for a summing matrix."""
    return BottomUp(int(S.shape[1]))


def mint_shrink(S: sp.sparray | np.ndarray, residuals: np.ndarray) -> MinTShrink:
    """The MinT-shrink reconciler from in-sample residuals (samples x all series)."""
    S = sp.csr_array(S)
    n_bottom = S.shape[1]
    n_upper = S.shape[0] - n_bottom
    W = shrink_covariance(residuals)
    diagonal = W.diagonal + RIDGE * W.trace() / len(W.diagonal)
    A = sp.csr_array(S[:n_upper])
    d_u, d_b = diagonal[:n_upper], diagonal[n_upper:]
    F_u, F_b = W.factor[:n_upper], W.factor[n_upper:]
    CF = F_u - A @ F_b
    system = (A * d_b[None, :]) @ A.T
    system = np.asarray(system.todense()) if sp.issparse(system) else np.asarray(system)
    system = system + np.diag(d_u) + CF @ CF.T
    factor = scipy.linalg.cho_factor(system, lower=True) if n_upper else (np.zeros((0, 0)), True)
    return MinTShrink(A, d_b, F_b, CF, factor)


def reconcile(G: Reconciler, base_all: np.ndarray) -> np.ndarray:
    """Reconciled bottom forecasts (non-negative) from base forecasts at every level."""
    flat = base_all.reshape(base_all.shape[0], -1)
    out = np.clip(G.apply(flat), 0.0, None)
    return out.reshape((out.shape[0], *base_all.shape[1:]))
