"""Rolling-origin backtest windows: where to cut a history so every model is judged alike."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.panel import Panel


@dataclass(frozen=True)
class Window:
    """Train on periods [0, cut); forecast `horizon` periods; score the last `horizon - gap`."""

    cut: int
    horizon: int
    gap: int = 0

    @property
    def scored(self) -> slice:
        """Positions (within the forecast) that are scored."""
        return slice(self.gap, self.horizon)


def rolling_origins(
    n_periods: int, horizon: int, n_windows: int, step: int | None = None, min_train: int = 4
) -> list[Window]:
    """Up to `n_windows` origins, the last ending at the last period, `step` periods apart.

    Fewer windows come back when the history is too short; none when it cannot hold one.
    """
    step = step or horizon
    out = []
    for k in range(n_windows):
        cut = n_periods - horizon - k * step
        if cut < min_train:
            break
        out.append(Window(cut, horizon))
    return sorted(out, key=lambda w: w.cut)


def actuals(panel: Panel, window: Window) -> np.ndarray:
    """Held-out values of a window, series x horizon (NaN where missing)."""
    return panel.values[:, window.cut : window.cut + window.horizon]


def train_part(panel: Panel, window: Window) -> Panel:
    """The history a window's models may see."""
    return panel.head(window.cut)


def future_exog(panel: Panel, window: Window) -> dict[str, np.ndarray]:
    """Drivers over the window's forecast periods, as planned (known) inputs."""
    return panel.exog_slice(window.cut, window.cut + window.horizon)
