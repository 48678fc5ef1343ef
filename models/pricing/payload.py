"""The price-sensitivity champion payload: elasticity table, fitted model and current prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.pricing.estimator import PriceSensitivityModel

ELASTICITY_COLUMNS = [
    "product",
    "cross_product",
    "kind",
    "elasticity",
    "lo_95",
    "hi_95",
    "n_obs",
    "plausible",
    "dml_elasticity",
    "confounded",
]


@dataclass
class PricingSet:
    """What serving and the what-if/optimiser need from a trained price-sensitivity model."""

    model: PriceSensitivityModel
    current: pd.DataFrame  # one row per series: keys, product, category, price, cost (last seen)
    keys: list[str]  # series key columns
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def has_cost(self) -> bool:
        """Whether unit costs are known (trained on history with a `cost` column).

        Models trained without cost once stored cost 0.0; their `info` says so, and they are
        read as having no cost too, so a margin is never computed from an invented cost.
        """
        if not self.info.get("has_cost", True) or "cost" not in self.current.columns:
            return False
        return bool(self.current["cost"].notna().all())

    @property
    def elasticities(self) -> pd.DataFrame:
        return self.model.elasticities_

    @property
    def products(self) -> list[str]:
        return list(self.model.products_)

    @property
    def promo_columns(self) -> list[str]:
        """Promotion flags the model was trained with (a scenario may only run these)."""
        return list(self.model.layout_.promo_columns)

    def predict_frame(self, model_input: pd.DataFrame | None) -> pd.DataFrame:
        """pyfunc entry: optional rows with `product` -> that product's elasticity rows."""
        table = self.elasticities
        if model_input is not None and not model_input.empty and "product" in model_input:
            wanted = set(model_input["product"].astype(str))
            table = table[table["product"].isin(wanted)]
        out = table[ELASTICITY_COLUMNS].copy()
        out["cross_product"] = out["cross_product"].fillna("")
        return out.reset_index(drop=True)

    def matrix(self, products: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(elasticity, se, usable) matrices over `products`: row = demand of, column = price of.

        Only plausible entries are usable; the others are zero so they are never silently used.
        """
        pos = {p: k for k, p in enumerate(products)}
        n = len(products)
        est, se = np.zeros((n, n)), np.zeros((n, n))
        usable = np.zeros((n, n), dtype=bool)
        table = self.elasticities
        rows = table[table["kind"].isin(["own", "cross"]) & table["product"].isin(pos)]
        for r in rows.itertuples(index=False):
            i = pos[r.product]
            j = i if r.kind == "own" else pos.get(r.cross_product)
            if j is None or not r.plausible:
                continue
            est[i, j], se[i, j], usable[i, j] = r.elasticity, r.se, True
        return est, se, usable

    def promo_lift(
        self, products: list[str], column: str = "promo"
    ) -> tuple[np.ndarray, np.ndarray]:
        """(log lift, se) of a promotion flag per product; zeros when the model has none."""
        pairs = [self.model.coefficient(p, column) for p in products]
        est = np.array([p[0] for p in pairs], dtype=float)
        se = np.nan_to_num(np.array([p[1] for p in pairs], dtype=float))
        return est, se
