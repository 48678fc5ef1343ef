"""Rolling-origin windows."""

from __future__ import annotations

from engine.forecasting.windows import make_windows, rolling_origins


def test_windows_end_at_the_last_period_and_step_back() -> None:
    windows = rolling_origins(100, 13, 3)
    assert [w.cut for w in windows] == [61, 74, 87]
    assert windows[-1].cut + windows[-1].horizon == 100


def test_short_history_gets_fewer_windows() -> None:
    assert len(rolling_origins(30, 13, 3, min_train=8)) == 1
    assert rolling_origins(10, 13, 3) == []


def test_windows_are_one_quarter_apart_for_each_frequency() -> None:
    for freq, periods in (("W", 13), ("M", 3), ("Q", 1), ("D", 91)):
        windows = make_windows(400, freq, 3)
        assert [w.horizon for w in windows] == [periods] * 3
        steps = [b.cut - a.cut for a, b in zip(windows[:-1], windows[1:], strict=True)]
        assert steps == [periods] * 2
        assert windows[-1].cut + periods == 400
