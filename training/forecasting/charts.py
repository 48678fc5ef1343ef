"""Fan charts of a forecast set: recent history, the mean and 80/95% bands from sample paths."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from engine.core.panel import Panel  # noqa: E402
from models.forecasting.forecast_set import ForecastSet  # noqa: E402

HISTORY_PERIODS = 104


def fan_chart(
    title: str, dates_hist, history: np.ndarray, dates_fc, mean: np.ndarray, paths: np.ndarray
) -> Figure:
    """One series: history line, forecast mean, shaded 80% and 95% bands."""
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(dates_hist, history, color="0.3", lw=1, label="actual")
    lo95, lo80, hi80, hi95 = np.quantile(paths, [0.025, 0.1, 0.9, 0.975], axis=0)
    ax.fill_between(dates_fc, lo95, hi95, color="tab:blue", alpha=0.15, label="95%")
    ax.fill_between(dates_fc, lo80, hi80, color="tab:blue", alpha=0.3, label="80%")
    ax.plot(dates_fc, mean, color="tab:blue", lw=1.5, label="forecast")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def fan_charts(panel: Panel, forecast_set: ForecastSet, n_largest: int = 3) -> dict[str, Figure]:
    """The total and the largest series by recent volume, keyed by artifact file name."""
    hist = slice(max(0, panel.n_periods - HISTORY_PERIODS), panel.n_periods)
    values = np.nan_to_num(panel.values[:, hist])
    starts = forecast_set.starts
    every = slice(int(starts.max()), None)  # periods every series forecasts (after the data)
    out = {
        "fan_total.png": fan_chart(
            "total",
            panel.dates[hist],
            values.sum(axis=0),
            forecast_set.dates[every],
            forecast_set.mean[:, every].sum(axis=0),
            forecast_set.paths[:, :, every].sum(axis=0),
        )
    }
    for rank, i in enumerate(np.argsort(-values.sum(axis=1))[:n_largest]):
        label = " | ".join(str(v) for v in panel.index.iloc[i][forecast_set.keys])
        own = slice(int(starts[i]), None)
        out[f"fan_largest_{rank + 1}.png"] = fan_chart(
            label,
            panel.dates[hist],
            values[i],
            forecast_set.dates[own],
            forecast_set.mean[i, own],
            forecast_set.paths[i, :, own],
        )
    return out


def close(figures: dict[str, Figure]) -> None:
    """Free figure memory."""
    for fig in figures.values():
        plt.close(fig)
