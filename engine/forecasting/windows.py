"""Rolling-origin backtest windows: where to cut a history so every model is judged alike."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.calendar import quarter_periods, season_length

MIN_ORIGIN_HISTORY = 8
"""Fewest periods of history any backtest origin trains on (more where the season is longer)."""


@dataclass(frozen=True)
class Window:
    """Train on periods [0, cut); forecast and score the next `horizon` periods."""

    cut: int
    horizon: int


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


def make_windows(
    n_periods: int, freq: str, n_windows: int, window_horizon: int | None = None
) -> list[Window]:
    """Rolling origins one quarter apart, each forecasting one quarter (or the set horizon)."""
    h = window_horizon or quarter_periods(freq)
    m = season_length(freq)
    min_train = max(MIN_ORIGIN_HISTORY, min(2 * m, n_periods // 2))
    return rolling_origins(n_periods, h, n_windows, step=h, min_train=min_train)
