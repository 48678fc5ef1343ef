"""Demand-curve charts of a price-sensitivity run: expected units over 70-130% of today's price."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

MAX_CURVES = 24
"""Demand-curve PNGs logged per run (first products only, to keep runs small)."""


def demand_curve_figures(pricing_set: Any) -> Iterator[tuple[str, Any]]:
    """(product, figure) per product: expected units relative to today over 70-130% of price."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = pricing_set.elasticities
    own = table[table["kind"] == "own"].head(MAX_CURVES)
    ratio = np.linspace(0.7, 1.3, 61)
    for row in own.itertuples(index=False):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        if np.isfinite(row.elasticity):
            ax.plot(ratio * 100, 100 * ratio**row.elasticity, label=f"e = {row.elasticity:.2f}")
            if np.isfinite(row.lo_95) and np.isfinite(row.hi_95):
                a, b = 100 * ratio**row.lo_95, 100 * ratio**row.hi_95
                ax.fill_between(ratio * 100, np.minimum(a, b), np.maximum(a, b), alpha=0.25)
        status = "" if row.plausible else " (implausible)"
        ax.set_title(f"{row.product}: demand curve{status}")
        ax.set_xlabel("price, % of current")
        ax.set_ylabel("units, % of current")
        ax.axvline(100, color="grey", lw=0.5)
        ax.legend(loc="upper right")
        fig.tight_layout()
        yield str(row.product), fig
        plt.close(fig)
