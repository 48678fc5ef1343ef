"""Exact Shapley values of a HistGradientBoosting margin (path-dependent TreeSHAP), any split kind.

For one tree and one lead, the value of a set S of features is the tree's output when the
features in S follow the lead and the others are averaged over the training cover (the
path-dependent value function of Lundberg et al., 2020). Per leaf that is a product game:
leaf value x prod_j (o_j if j in S else z_j) over the distinct features j on the leaf's path,
with o_j = 1 when the lead takes every split on j along the path and z_j the product of those
splits' cover fractions. A product game's Shapley values have a closed form,

    phi_i = value * (o_i - z_i) * integral_0^1 prod_{j != i} (z_j (1 - t) + o_j t) dt,

because the Shapley weight k! (d-1-k)! / d! is the Beta integral of t^k (1-t)^(d-1-k); the
integrand is a polynomial of degree d-1, so Gauss-Legendre quadrature with ceil(d/2) nodes is
exact. A leaf's values depend on the lead only through which o_j are 1, so they are tabled once
per leaf for every such pattern (up to 2^12 of them) and looked up per lead. Summed over leaves
and trees they add up to the margin minus the expected margin (efficiency). Numeric,
missing-value and categorical (bitset) splits are decided exactly as scikit-learn's predictor
decides them, so categorical features are explained too.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.ensemble import HistGradientBoostingClassifier

_CHUNK = 1024
"""Leads per block of work (bounds the memory of the leads x path-slots arrays)."""
_TABLE_FEATURES = 12
"""Leaves with at most this many distinct path features get a table of all their patterns."""
_MISSING = 256
"""Category code standing for a missing or out-of-range value in the split lookup tables."""

Path = dict[int, tuple[list[int], float]]
"""Distinct features on a leaf's path -> (the conditions on that feature, their cover fraction)."""


@dataclass(frozen=True)
class _Splits:
    """Every internal node of every tree, decided for a batch of leads as sklearn decides it."""

    feature: np.ndarray
    threshold: np.ndarray  # numeric splits: x <= threshold goes left
    categorical: np.ndarray
    goes_left: np.ndarray  # categorical splits: (splits x 257) by category code, missing last
    missing_left: np.ndarray

    def decide(self, X: np.ndarray) -> np.ndarray:
        """leads x splits: does the lead go left at each split."""
        x = X[:, self.feature]
        missing = np.isnan(x)
        left = np.where(missing, self.missing_left, x <= self.threshold)
        cat = np.flatnonzero(self.categorical)
        if cat.size:
            values = x[:, cat]
            code = np.where(np.isnan(values) | (values < 0), _MISSING, 0)
            known = code == 0
            code[known] = values[known].astype(np.int64) & 255
            left[:, cat] = self.goes_left[cat[None, :], code]
        return left


@dataclass(frozen=True)
class _Group:
    """The leaves whose paths hold the same number d of distinct features."""

    value: np.ndarray  # leaves
    zero: np.ndarray  # leaves x d: cover fraction z of each path slot
    to_features: sparse.csr_matrix  # features x (leaves * d): which feature each slot is
    split_ids: np.ndarray  # the conditions of every slot, slot after slot: split index
    want_left: np.ndarray  # ... and the direction the path takes there
    slot_starts: np.ndarray  # where each slot's conditions start
    table: np.ndarray | None  # leaves x 2^d x d: Shapley values per pattern of o

    def values(self, left: np.ndarray) -> np.ndarray:
        """leads x features: this group's Shapley values for leads with split decisions `left`."""
        n, (n_leaves, d) = len(left), self.zero.shape
        taken = left[:, self.split_ids] == self.want_left
        one = np.logical_and.reduceat(taken, self.slot_starts, axis=1).reshape(n, n_leaves, d)
        if self.table is not None:
            code = one @ (1 << np.arange(d))
            phi = self.table[np.arange(n_leaves)[None, :], code]
        else:
            phi = product_game_shapley(self.value, self.zero, one.astype(float))
        return np.asarray((self.to_features @ phi.reshape(n, -1).T).T)


@dataclass(frozen=True)
class _Ensemble:
    """A fitted model's splits and leaf groups, and its expected margin."""

    splits: _Splits
    groups: list[_Group]
    expected: float  # the margin averaged over the training cover (the Shapley base)
    columns: np.ndarray  # per tree feature: the input column it is (the model reorders them)


def product_game_shapley(value: np.ndarray, zero: np.ndarray, one: np.ndarray) -> np.ndarray:
    """Shapley values of leaf games value x prod_j (o_j if j in S else z_j) (module docstring).

    value: leaves; zero: leaves x d; one: (... x leaves x d) of 0/1. Returns one's shape.
    """
    d = zero.shape[-1]
    nodes, weights = np.polynomial.legendre.leggauss(max(1, -(-d // 2)))
    integral = np.zeros(one.shape)
    for t, w in zip((nodes + 1.0) / 2.0, weights / 2.0, strict=True):
        factor = zero * (1.0 - t) + one * t  # > 0: t is inside (0, 1) and every z > 0
        integral += w * factor.prod(axis=-1, keepdims=True) / factor
    return value[:, None] * (one - zero) * integral


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _ensemble(model: HistGradientBoostingClassifier) -> _Ensemble:
    """The model's splits and leaf tables, built once per fitted model (cached while it lives)."""
    found = _CACHE.get(model)
    if found is None:
        found = _build(model)
        _CACHE[model] = found
    return found


def _build(model: HistGradientBoostingClassifier) -> _Ensemble:
    splits: list[tuple] = []
    leaves: list[tuple[float, Path]] = []
    expected = float(np.ravel(model._baseline_prediction)[0])
    known = model._bin_mapper.make_known_categories_bitsets()
    for predictors in model._predictors:
        expected += _walk(predictors[0], known, 0, {}, splits, leaves)
    columns = list(zip(*splits, strict=True))
    return _Ensemble(
        splits=_Splits(
            feature=np.array(columns[0], dtype=np.intp),
            threshold=np.array(columns[1], dtype=float),
            categorical=np.array(columns[2], dtype=bool),
            goes_left=np.array(columns[3], dtype=bool),
            missing_left=np.array(columns[4], dtype=bool),
        ),
        groups=_groups(leaves, model.n_features_in_),
        expected=expected,
        columns=_input_columns(model),
    )


def _walk(
    tree: Any,
    known: tuple[np.ndarray, np.ndarray],
    i: int,
    path: Path,
    splits: list[tuple],
    leaves: list[tuple[float, Path]],
) -> float:
    """Record node i's splits and leaves (with their paths); return its cover-weighted value."""
    node = tree.nodes[i]
    if node["is_leaf"]:
        leaves.append((float(node["value"]), path))
        return float(node["value"])
    f, missing_left = int(node["feature_idx"]), bool(node["missing_go_to_left"])
    goes_left = np.full(_MISSING + 1, missing_left)
    if node["is_categorical"]:  # in the left set: left; else if known: right; else as missing
        codes = np.arange(256)
        left_set = tree.raw_left_cat_bitsets[node["bitset_idx"]]
        known_set = known[0][known[1][f]]
        in_left = (left_set[codes // 32] >> (codes % 32)) & 1
        in_known = (known_set[codes // 32] >> (codes % 32)) & 1
        goes_left[:256] = np.where(in_left == 1, True, np.where(in_known == 1, False, missing_left))
    splits.append((f, float(node["num_threshold"]), bool(node["is_categorical"]), goes_left,
                   missing_left))  # fmt: skip
    split = len(splits) - 1
    total = 0.0
    for child, left in ((int(node["left"]), True), (int(node["right"]), False)):
        share = float(tree.nodes[child]["count"]) / float(node["count"])
        conditions, fraction = path.get(f, ([], 1.0))
        branch = {**path, f: ([*conditions, split * 2 + int(left)], fraction * share)}
        total += share * _walk(tree, known, child, branch, splits, leaves)
    return total


def _input_columns(model: HistGradientBoostingClassifier) -> np.ndarray:
    """Input column of each feature the trees split on: with categorical features, the model
    re-encodes them and puts them first (`_preprocess_X`)."""
    n = model.n_features_in_
    if model._preprocessor is None:
        return np.arange(n)
    order = np.empty(n, dtype=np.intp)
    for name, _, mask in model._preprocessor.transformers_:
        if name in model._preprocessor.output_indices_ and np.asarray(mask).dtype == bool:
            out = model._preprocessor.output_indices_[name]
            order[np.arange(n)[out]] = np.flatnonzero(mask)
    return order


def _groups(leaves: list[tuple[float, Path]], n_features: int) -> list[_Group]:
    """Leaves grouped by their number of distinct path features, with their conditions."""
    by_size: dict[int, list[tuple[float, Path]]] = {}
    for leaf in leaves:
        by_size.setdefault(len(leaf[1]), []).append(leaf)
    out = []
    for d, members in sorted(by_size.items()):
        if d == 0:
            continue  # a single-leaf tree moves no feature
        value = np.array([v for v, _ in members], dtype=float)
        zero = np.array([[path[f][1] for f in path] for _, path in members], dtype=float)
        features = np.array([f for _, path in members for f in path], dtype=np.intp)
        slots = [path[f][0] for _, path in members for f in path]  # slot after slot
        conditions = np.array([c for slot in slots for c in slot], dtype=np.intp)
        to_features = sparse.csr_matrix(
            (np.ones(features.size), (features, np.arange(features.size))),
            shape=(n_features, features.size),
        )
        table = None
        if d <= _TABLE_FEATURES:
            patterns = (np.arange(2**d)[:, None] >> np.arange(d)) & 1  # 2^d x d
            one = np.broadcast_to(patterns[:, None, :], (2**d, len(members), d)).astype(float)
            table = np.ascontiguousarray(product_game_shapley(value, zero, one).transpose(1, 0, 2))
        out.append(
            _Group(
                value=value,
                zero=zero,
                to_features=to_features,
                split_ids=conditions // 2,
                want_left=conditions % 2 == 1,
                slot_starts=np.cumsum([0, *(len(slot) for slot in slots[:-1])]),
                table=table,
            )
        )
    return out


def expected_margin(model: HistGradientBoostingClassifier) -> float:
    """The margin averaged over the training cover: where every lead's Shapley values start."""
    return _ensemble(model).expected


def shapley_values(model: HistGradientBoostingClassifier, Z: np.ndarray) -> np.ndarray:
    """leads x features: exact Shapley values of the margin (raw log-odds) of encoded leads.

    Row sums equal `model.decision_function(Z) - expected_margin(model)`.
    """
    ens = _ensemble(model)
    X = np.asarray(model._preprocess_X(np.asarray(Z, dtype=float), reset=False), dtype=float)
    out = np.zeros(X.shape)
    for start in range(0, len(X), _CHUNK):
        left = ens.splits.decide(X[start : start + _CHUNK])
        for group in ens.groups:
            out[start : start + _CHUNK] += group.values(left)
    in_input_order = np.empty_like(out)
    in_input_order[:, ens.columns] = out
    return in_input_order
