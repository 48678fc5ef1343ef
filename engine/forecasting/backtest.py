"""Backtests: every candidate fitted on each rolling-origin window's history, results cached.

The cache lets a champion's spec be re-scored on a new run's windows without refitting what
the run already fitted. Ensemble forecasts are the combination of their members' forecasts
from the same fits, so an ensemble costs nothing extra.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import clone

from engine.core.panel import Panel
from engine.core.parallel import Runner, chunks
from engine.forecasting.windows import Window
from models.forecasting.catalog import COMBINATIONS, combinations_in, is_global
from models.forecasting.ensemble import combine_forecasts


def one_fit_backtest(spec: Any, known: bool) -> bool:
    """True for models that forecast every backtest window from one fit at the oldest cut
    (not when the windows' real drivers are known: those are refitted per window)."""
    return not known and hasattr(spec, "backtest_forecasts")


def _fit_predict(
    spec: Any, panel: Panel, windows: list[Window], final_horizon: int, known: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """One estimator on one panel: forecasts per backtest window, then the final forecast.

    Unless `known`, backtests do not see the window's real prices and promotions: the final
    forecast will not know them either, so errors and intervals stay honest.
    """
    h = windows[0].horizon if windows else 0
    out = np.zeros((len(windows), panel.n_series, h))
    if windows and one_fit_backtest(spec, known):
        # models that can run one fit over later windows do so (no window sees later data)
        out = clone(spec).backtest_forecasts(panel, [w.cut for w in windows], h)
        windows = []
    for k, window in enumerate(windows):
        train = panel.head(window.cut)
        planned = panel.exog_slice(window.cut, window.cut + window.horizon) if known else None
        out[k] = clone(spec).fit(train).predict(window.horizon, planned)
    final = None
    if final_horizon:
        final = clone(spec).fit(panel).predict(final_horizon)
    return out, final


class Backtester:
    """Runs candidates on one panel's windows, caching results so a champion re-run is cheap."""

    def __init__(self, runner: Runner, known_drivers: bool = False) -> None:
        self.runner = runner
        self.known_drivers = known_drivers
        self.cache: dict[tuple, tuple[np.ndarray, np.ndarray | None]] = {}

    def run(
        self,
        tag: str,
        panel: Panel,
        specs: dict[str, Any],
        windows: list[Window],
        final_horizon: int,
    ) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        """Backtest and final forecasts for each spec (combinations built from their members)."""
        direct = {n: s for n, s in specs.items() if n not in COMBINATIONS}
        todo = {
            n: s for n, s in direct.items() if not self._cached(tag, n, s, windows, final_horizon)
        }
        tasks, owners = self._tasks(panel, todo, windows, final_horizon)
        results = self.runner.map(_fit_predict, tasks, desc=f"backtest {tag}")
        h = windows[0].horizon if windows else 0
        for name, spec in todo.items():
            bt = np.zeros((len(windows), panel.n_series, h))
            final = np.zeros((panel.n_series, final_horizon)) if final_horizon else None
            for (owner, idx, done), (part_bt, part_final) in zip(owners, results, strict=True):
                if owner != name:
                    continue
                if done:
                    bt[np.ix_(np.asarray(done, dtype=np.intp), idx)] = part_bt
                if final is not None and part_final is not None:
                    final[idx] = part_final
            self.cache[self._key(tag, name, spec, windows)] = (bt, final)
        out = {}
        for n, s in direct.items():
            bt, final = self.cache[self._key(tag, n, s, windows)]
            out[n] = (bt, final if final_horizon else None)
        for combo, (members, how) in combinations_in(specs).items():
            bt = combine_forecasts(np.stack([out[m][0] for m in members]), how)
            finals = [out[m][1] for m in members]
            final = None
            if final_horizon:
                final = combine_forecasts(np.stack([f for f in finals if f is not None]), how)
            out[combo] = (bt, final)
        return out

    def _tasks(
        self, panel: Panel, todo: dict[str, Any], windows: list[Window], final_horizon: int
    ) -> tuple[list[tuple], list[tuple[str, np.ndarray, list[int]]]]:
        """`_fit_predict` tasks and, for each, whose rows and windows its results fill.

        A global model is fitted on every series at once, so its work is split by fit: one task
        per window (or one for all windows when it forecasts them from one fit) and one for the
        final fit, so that workers share it instead of one doing it all. Those few large tasks
        come first: queued behind the per-series chunks, the last of them ran alone while the
        other workers sat idle (on all M3 monthly series the window model's two fits took about
        a minute on one worker at the end of the run).
        """
        large: list[tuple[tuple, tuple[str, np.ndarray, list[int]]]] = []
        small: list[tuple[tuple, tuple[str, np.ndarray, list[int]]]] = []
        every_window = list(range(len(windows)))
        n_chunks = self.runner.chunk_count(panel.n_series)
        known = self.known_drivers
        for name, spec in todo.items():
            rows = np.arange(panel.n_series)
            if is_global(name):
                one_fit = one_fit_backtest(spec, known) and bool(windows)
                fits = [every_window] if one_fit else [[k] for k in every_window]
                for done in fits:
                    picked = [windows[k] for k in done]
                    large.append(((spec, panel, picked, 0, known), (name, rows, done)))
                if final_horizon:
                    large.append(((spec, panel, [], final_horizon, known), (name, rows, [])))
                continue
            for part in chunks(panel.n_series, n_chunks):
                idx = np.arange(part.start, part.stop)
                task = (spec, panel.subset(idx), windows, final_horizon, known)
                small.append((task, (name, idx, every_window)))
        ordered = large + small
        return [task for task, _ in ordered], [owner for _, owner in ordered]

    def _key(self, tag: str, name: str, spec: Any, windows: list[Window]) -> tuple:
        return (tag, name, repr(spec), tuple(windows))

    def _cached(
        self, tag: str, name: str, spec: Any, windows: list[Window], final_horizon: int
    ) -> bool:
        hit = self.cache.get(self._key(tag, name, spec, windows))
        if hit is None:
            return False
        final = hit[1]
        return not final_horizon or (final is not None and final.shape[1] == final_horizon)
