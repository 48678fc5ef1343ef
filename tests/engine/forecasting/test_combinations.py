"""Combinations: the SCUM median never loses to its worst member by more than noise, and the
selection never picks a combination for a series where it lost every backtest window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from engine.core.panel import Panel
from engine.core.parallel import Runner
from engine.forecasting.backtest import Backtester
from engine.forecasting.metrics import mase_per_series, mase_scale
from engine.forecasting.orchestrator import allowed_candidates, choice_table
from engine.forecasting.selection import held_out_picks, select_per_series, window_scores
from engine.forecasting.windows import make_windows
from models.forecasting.catalog import COMBINATION_ONLY, SCUM_MEMBERS, candidate_specs
from models.forecasting.statsforecast_local import StatsForecastModel
from models.forecasting.window_gbm import WindowGBM
from models.forecasting.window_mlp import WindowMLP


def monthly_panel(n_series: int = 24, n_months: int = 84, seed: int = 3) -> Panel:
    """Monthly series of four shapes: trend, season, trend x season, random walk."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_months)
    rows = []
    for i in range(n_series):
        level = rng.uniform(100, 500)
        shape = i % 4
        trend = 1 + (0.01 * t if shape in (0, 2) else 0)
        season = 1 + (0.25 * np.sin(2 * np.pi * t / 12) if shape in (1, 2) else 0)
        noise = rng.normal(0, 0.06, n_months)
        if shape == 3:
            rows.append(level * np.exp(np.cumsum(rng.normal(0, 0.05, n_months))))
        else:
            rows.append(level * trend * season * (1 + noise))
    index = pd.DataFrame({"series": [f"s{i:02d}" for i in range(n_series)]})
    dates = pd.date_range("2015-01-01", periods=n_months, freq="MS")
    return Panel(index, pd.DatetimeIndex(dates), np.array(rows), "M")


def test_scum_median_never_loses_to_its_worst_member_on_test_windows() -> None:
    panel = monthly_panel()
    windows = make_windows(panel.n_periods, panel.freq, 3, 6)
    specs = candidate_specs(",".join([*SCUM_MEMBERS, "scum"]))
    results = Backtester(Runner(n_jobs=1)).run("bottom", panel, specs, windows, 0)
    actual = np.stack([panel.values[:, w.cut : w.cut + w.horizon] for w in windows])
    scale = mase_scale(panel.values[:, : windows[0].cut], 12)

    def per_series(name: str) -> np.ndarray:
        flat = np.concatenate(list(results[name][0]), axis=1)
        return mase_per_series(np.concatenate(list(actual), axis=1), flat, scale)

    combo = per_series("scum")
    members = np.column_stack([per_series(n) for n in SCUM_MEMBERS])
    worst = members.max(axis=1)
    # pointwise the median lies between the members, so per series it can only exceed the
    # worst member where different members are worst at different points: noise, small
    assert np.all(combo <= worst * 1.05 + 1e-9)
    assert combo.mean() <= worst.mean()
    assert combo.mean() <= np.median(members.mean(axis=0)) * 1.05


def test_combination_is_never_picked_where_it_lost_every_window() -> None:
    rng = np.random.default_rng(0)
    actual = rng.uniform(50, 150, (3, 40, 4))
    good = actual + rng.normal(0, 5, actual.shape)
    combo = actual + 1.05 * (good - actual)  # 5% worse than 'good' in every window
    combo[0, 20:] = actual[0, 20:] + 0.9 * (good[0, 20:] - actual[0, 20:])  # wins one window
    bad = actual + rng.normal(0, 30, actual.shape)
    forecasts = {"good": good, "bad": bad, "ensemble": combo}
    scale = np.full(40, 10.0)
    choice, _ = select_per_series(forecasts, actual, scale)
    per_window = window_scores(forecasts, actual, scale, list(forecasts))
    rows = np.arange(40)
    overall = per_window.mean(axis=0)  # equal windows: the pooled score is the windows' mean
    best_single = np.argmin(overall[:, :2], axis=1)
    rival = held_out_picks(per_window, [0, 1], np.zeros((40, 3), dtype=bool))
    rival_scores = np.take_along_axis(per_window, rival[:, :, None], axis=2)[:, :, 0]
    lost_all = (per_window[:, :, 2] > rival_scores).all(axis=0)
    close = overall[:, 2] <= overall[rows, best_single] * 1.1
    assert (lost_all & close).any() and (~lost_all & close).any()  # both cases in this draw
    assert not (choice[lost_all] == 2).any()
    assert (choice[~lost_all & close] == 2).all()  # elsewhere a close combination is favoured


def test_the_rival_in_each_window_is_the_single_model_picked_on_the_other_windows() -> None:
    """A model that wins two windows by a mile is picked overall, but in each of those two
    windows the honest rival is the one picked without it."""
    # windows x series x [a, b, ensemble]: a wins windows 0 and 1 hugely, b wins window 2
    per_window = np.array(
        [
            [[0.1, 1.0, 0.5]],
            [[0.1, 1.0, 0.5]],
            [[3.0, 0.2, 0.3]],
        ]
    )
    picks = held_out_picks(per_window, [0, 1], np.zeros((1, 3), dtype=bool))
    # without window 0 (or 1): a's mean 1.55 vs b's 0.6 -> b; without window 2: a
    assert picks[:, 0].tolist() == [1, 1, 0]
    one = held_out_picks(per_window[:1], [0, 1], np.zeros((1, 3), dtype=bool))
    assert one[:, 0].tolist() == [0]  # one window: the pick on it
    blocked = np.array([[True, False, False]])  # a ruled out for this series: b everywhere
    assert held_out_picks(per_window, [0, 1], blocked)[:, 0].tolist() == [1, 1, 1]


def test_a_combination_beaten_only_by_the_hindsight_pick_can_still_be_chosen() -> None:
    """The ensemble loses every window to the model picked on all of them (hindsight), but
    not to the model picked on the other windows; it is not ruled out, and it is close."""
    actual = np.full((3, 1, 4), 100.0)
    scale = np.ones(1)
    a = actual + np.array([2.0, 2.0, 5.0])[:, None, None]  # best over all windows
    b = actual + np.array([1.0, 1.0, 9.0])[:, None, None]  # best on windows 0 and 1
    ens = actual + np.array([3.0, 3.0, 6.0])[:, None, None]
    forecasts = {"a": a, "b": b, "ensemble": ens}
    choice, _ = select_per_series(forecasts, actual, scale)
    per_window = window_scores(forecasts, actual, scale, list(forecasts))
    assert (per_window[:, 0, 2] > per_window[:, 0, 0]).all()  # lost every window to a
    assert choice[0] == 2
    ens_lost = actual + np.array([3.0, 3.0, 10.0])[:, None, None]  # loses to b in window 2 too
    forecasts = {"a": a, "b": b, "ensemble": ens_lost}
    choice, _ = select_per_series(forecasts, actual, scale)
    assert choice[0] != 2


@pytest.mark.parametrize(
    "make",
    [lambda: StatsForecastModel("AutoETS"), WindowGBM, WindowMLP],
    ids=["auto_ets", "window_gbm", "window_mlp"],
)
def test_one_fit_backtest_never_sees_data_after_a_window_cut(make: Callable[[], Any]) -> None:
    panel = monthly_panel(n_series=6)
    cuts, h = [60, 66, 72], 6
    before = make().backtest_forecasts(panel, cuts, h)
    changed = panel.values.copy()
    changed[:, cuts[1] :] *= 3.0  # everything from the second cut on
    later = Panel(panel.index, panel.dates, changed, panel.freq)
    after = make().backtest_forecasts(later, cuts, h)
    np.testing.assert_allclose(after[:2], before[:2])
    assert not np.allclose(after[2], before[2])
    # the first window is a plain fit on its own history
    plain = make().fit(panel.head(cuts[0])).predict(h)
    np.testing.assert_allclose(before[0], plain)


def test_a_combination_only_model_is_never_a_series_model_beside_a_combination() -> None:
    intermittent = np.array([False, True])
    names = ["theta", "window_gbm", "croston_sba", "ensemble"]
    allowed = allowed_candidates(names, intermittent)
    assert allowed.tolist() == [[True, False, False, True], [False, False, True, False]]
    # asked for alone (no combination to serve), it is every series' model
    assert allowed_candidates(["window_gbm", "theta"], intermittent)[:, 0].all()
    assert "window_gbm" in COMBINATION_ONLY


def test_the_choice_table_shows_a_members_score_but_never_offers_it_as_runner_up() -> None:
    panel = monthly_panel(n_series=2)
    names = ["theta", "window_gbm", "croston_sba", "ensemble"]
    intermittent = np.array([False, True])
    allowed = allowed_candidates(names, intermittent)
    scores = np.array([[0.9, 0.5, 0.7, 0.8], [0.9, 0.5, 0.7, 0.8]])
    choice = np.array([3, 2])  # the ensemble; the intermittent model
    table = choice_table(panel, ["series"], names, choice, scores, allowed)
    # smooth series: window_gbm scored best, shown, yet the runner-up is one it could get
    assert table.loc[0, "mase.window_gbm"] == 0.5 and table.loc[0, "runner_up"] == "theta"
    # intermittent series: no combination may be chosen, so the member has no score there
    assert np.isnan(table.loc[1, "mase.window_gbm"]) and np.isnan(table.loc[1, "mase.theta"])
    assert table.loc[1, "runner_up"] == ""
    assert table["backtest_mase"].tolist() == [0.8, 0.7]
