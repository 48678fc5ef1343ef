"""The seasonality test behind classical decomposition: the 90% ACF test at lag m, on the series
or on its first differences (a wandering level hides a season the differences show)."""

from __future__ import annotations

import numpy as np

from models.forecasting.local import has_season, seasonal_indices

PATTERN = np.array([1.0, -0.5, 0.8, -1.3])


def wandering(seed: int, amplitude: float = 3.0, n: int = 32) -> np.ndarray:
    """A random-walk level around 200 plus a fixed quarterly pattern."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 200 + np.cumsum(rng.normal(0, 3, n)) + amplitude * PATTERN[t % 4]


def test_a_season_under_a_wandering_level_is_found_through_the_differences() -> None:
    found = 0
    for seed in range(20):
        y = wandering(seed)
        idx, multiplicative = seasonal_indices(y, 4)
        assert multiplicative
        if has_season(y, 4):
            found += 1
            # the indices recover the pattern's shape (ratios around 1 in a level near 200)
            assert np.corrcoef(idx, PATTERN)[0, 1] > 0.8
        else:
            np.testing.assert_allclose(idx, 1.0)
    assert found >= 16  # the raw series' test alone finds it in under half of these


def test_the_raw_series_alone_misses_it_here_and_differences_find_it() -> None:
    y = wandering(0)
    assert has_season(y, 4)
    assert not has_season(y, 4, differences=False)


def test_white_noise_has_no_season_in_most_draws() -> None:
    rng = np.random.default_rng(1)
    flagged = sum(has_season(100 + rng.normal(0, 5, 40), 4) for _ in range(200))
    assert flagged < 200 * 0.25  # two 10% tests: at most about 19% by chance
