"""Validation charts of a lead-conversion run: calibration and cumulative gains."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from engine.leads.metrics import calibration_table, gains_table


def calibration_figure(y: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    """Reliability diagram: observed conversion rate against predicted probability."""
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect")
    for name, p in curves.items():
        table = calibration_table(y, p)
        ax.plot(table["predicted"], table["observed"], marker="o", label=name)
    ax.set(xlabel="predicted probability", ylabel="observed conversion rate", title="Calibration")
    ax.legend()
    fig.tight_layout()
    return fig


def gains_figure(y: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    """Cumulative gains: share of conversions found when working the top-scored leads first."""
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="random")
    for name, p in curves.items():
        table = gains_table(y, p, groups=20)
        ax.plot(np.r_[0, table["share_contacted"]], np.r_[0, table["share_converted"]], label=name)
    ax.set(xlabel="share of leads worked", ylabel="share of conversions", title="Gains")
    ax.legend()
    fig.tight_layout()
    return fig
