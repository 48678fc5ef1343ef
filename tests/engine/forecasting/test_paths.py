"""Sample paths from backtest errors: coverage near nominal per period and for quarter sums."""

from __future__ import annotations

import numpy as np

from engine.core.intervals import BANDS
from engine.forecasting.metrics import coverage
from engine.forecasting.paths import PathSampler, bias_ratios, choose_dependence, log_errors


def simulate(rng, n_series, n_windows, h, mean):
    """Actuals = mean x exp(AR(1) errors across the horizon), series-specific scale."""
    sigma = np.linspace(0.1, 0.3, n_series)[None, :, None]
    eps = rng.standard_normal((n_windows, n_series, h))
    ar = np.zeros_like(eps)
    for k in range(h):
        ar[..., k] = (0.6 * ar[..., k - 1] if k else 0) + eps[..., k] * np.sqrt(1 - 0.36)
    return np.expm1(np.log1p(mean) + sigma * ar)


def test_coverage_close_to_nominal() -> None:
    rng = np.random.default_rng(0)
    n, h = 300, 13
    mean = np.full((n, h), 100.0)
    past = simulate(rng, n, 4, h, mean)
    sampler = PathSampler().fit(log_errors(past, np.broadcast_to(mean, past.shape)))
    paths = sampler.sample(mean, 1000, seed=1)
    future = simulate(rng, n, 1, h, mean)[0]
    for level, (lo, hi) in {0.8: (0.1, 0.9), 0.95: (0.025, 0.975)}.items():
        band = np.quantile(paths, [lo, hi], axis=1)
        assert abs(coverage(future, *band) - level) < 0.05
        q_band = np.quantile(paths.sum(axis=2), [lo, hi], axis=1)
        assert abs(coverage(future.sum(axis=1), *q_band) - level) < 0.06


def test_paths_are_correlated_across_horizon_and_non_negative() -> None:
    rng = np.random.default_rng(1)
    mean = np.full((50, 13), 5.0)
    past = simulate(rng, 50, 3, 13, mean)
    paths = PathSampler().fit(log_errors(past, np.broadcast_to(mean, past.shape))).sample(mean, 500)
    assert paths.dtype == np.float32 and (paths >= 0).all()
    dev = np.log1p(paths[:, :, :12]) - np.log1p(5.0)
    nxt = np.log1p(paths[:, :, 1:]) - np.log1p(5.0)
    assert np.corrcoef(dev.ravel(), nxt.ravel())[0, 1] > 0.3


def test_one_wild_backtest_miss_does_not_blow_up_path_means() -> None:
    rng = np.random.default_rng(2)
    errors = rng.normal(0, 0.2, (3, 40, 13))
    errors[0, 5, :] = 9.0  # a forecast of ~0 for a series that then sold thousands
    mean = np.full((40, 13), 50.0)
    paths = PathSampler().fit(errors).sample(mean, 500)
    assert np.isfinite(paths).all()
    np.testing.assert_allclose(paths.mean(axis=1), mean, rtol=1e-5)
    assert paths.max() <= np.expm1(np.log1p(50.0) + 3.0) + 1e-3


def test_bias_ratio_lifts_low_totals_and_paths_have_the_target_mean() -> None:
    rng = np.random.default_rng(3)
    actual = rng.gamma(5.0, 30.0, (3, 50, 13))
    forecast = actual.mean() / 1.5 * np.ones_like(actual)  # a third too low in volume
    ratio = bias_ratios(actual, forecast)
    assert np.all(np.abs(ratio - 1.5) < 0.35) and abs(np.median(ratio) - 1.5) < 0.1
    mean = np.full((50, 13), 100.0)
    paths = PathSampler().fit(log_errors(actual, forecast)).sample(mean * ratio[:, None], 300)
    np.testing.assert_allclose(paths.mean(axis=1), mean * ratio[:, None], rtol=1e-5)


def band_table(paths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(path means, 4 x series x steps band quantiles) as the payload reports them."""
    return paths.mean(axis=1, dtype=np.float64), np.quantile(paths, list(BANDS.values()), axis=1)


def test_item7_sampled_bands_hold_the_mean_never_narrow_and_stay_non_negative() -> None:
    """Awkward targets: flat, rising, falling to zero, tiny, zero, seasonal; wild and no errors."""
    rng = np.random.default_rng(5)
    n, h = 60, 26
    errors = rng.normal(0, 0.3, (3, n, 13)) * np.linspace(0.5, 1.5, 13)
    errors[:, :10] *= 6  # very wide errors
    errors[:, 10:20] = np.nan  # never backtested
    errors[:, 20:25, :9] = np.nan  # launched inside the last window
    steps = np.arange(h)
    target = np.tile(rng.gamma(2.0, 40.0, (n, 1)), (1, h))
    target[:6] = np.linspace(30, 0, h)
    target[6:12] = 0.03
    target[12:14] = 0.0
    target[14:22] = 100 * (1 + 0.8 * np.sin(steps / 2))
    target[22:30] *= 1 + steps / 10
    paths = PathSampler().fit(errors).sample(target, 400, seed=3)
    assert paths.dtype == np.float32 and (paths >= 0).all()
    mean, q = band_table(paths)
    np.testing.assert_allclose(mean, target, rtol=1e-5, atol=1e-6)
    slack = 1e-5 * (1 + mean)
    assert (q[0] <= q[1] + slack).all() and (q[1] <= mean + slack).all()
    assert (mean <= q[2] + slack).all() and (q[2] <= q[3] + slack).all()
    holds = np.diff(mean, axis=1) >= 0
    for width in (q[2] - q[1], q[3] - q[0]):
        change = np.diff(width, axis=1)
        assert (change[holds] >= -1e-5 * (1 + width[:, 1:][holds])).all()
    flat = slice(30, n)
    assert (np.diff(q[2] - q[1], axis=1)[flat] >= -1e-4).all()  # flat forecasts: never narrower
    assert (q[3, 14:22] > q[2, 14:22]).all()  # seasonal troughs still carry a band


def test_sampling_memory_stays_near_the_float32_result() -> None:
    """Series are sampled in chunks: beside the result, working memory is bounded.

    Unchunked, the ranks alone (int64, series x horizon x paths) took twice the result.
    """
    import tracemalloc

    rng = np.random.default_rng(8)
    n, h, n_paths = 3000, 26, 500
    errors = rng.normal(0, 0.3, (3, n, 13))
    target = rng.gamma(2.0, 20.0, (n, h))
    sampler = PathSampler().fit(errors)
    tracemalloc.start()
    try:
        paths = sampler.sample(target, n_paths, seed=2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert paths.dtype == np.float32
    assert peak < paths.nbytes + 200e6, (peak, paths.nbytes)
    np.testing.assert_allclose(paths.mean(axis=1, dtype=np.float64), target, rtol=1e-5)


def test_conformal_calibration_keeps_heavy_tailed_errors_near_nominal() -> None:
    """Student-t(3) log errors: the uncalibrated spread covered 84% with its 80% band here; the
    per-step conformal factors from the backtest errors bring both bands within 3 points."""
    rng = np.random.default_rng(5)
    n, h = 400, 6
    mean = np.full((n, h), 200.0)

    def draw(windows: int) -> np.ndarray:
        errors = 0.15 * rng.standard_t(3, (windows, n, h))
        return np.expm1(np.log1p(mean) + errors)

    sampler = PathSampler().fit(log_errors(draw(4), np.broadcast_to(mean, (4, n, h))))
    assert np.all(sampler.calibration_ < 1.0)
    paths = sampler.sample(mean, 1000, seed=2)
    future = draw(1)[0]
    for level, (lo, hi) in {0.8: (0.1, 0.9), 0.95: (0.025, 0.975)}.items():
        band = np.quantile(paths, [lo, hi], axis=1)
        assert abs(coverage(future, *band) - level) < 0.03, level


def test_series_sample_only_the_steps_they_need() -> None:
    rng = np.random.default_rng(7)
    errors = rng.normal(0, 0.3, (3, 6, 8))
    target = rng.uniform(5, 80, (6, 40))
    steps = np.array([40, 8, 12, 40, 1, 25])
    sampler = PathSampler().fit(errors)
    paths = sampler.sample(target, 400, seed=4, steps=steps)
    for row, need in enumerate(steps):
        assert (paths[row, :, need:] == 0).all()
        np.testing.assert_allclose(paths[row, :, :need].mean(axis=0), target[row, :need], rtol=1e-4)
    full = sampler.sample(target, 400, seed=4)
    # bands on the needed steps match the full sampling's: the same spread at every step
    for q in (0.1, 0.9):
        np.testing.assert_allclose(
            np.quantile(paths[0], q, axis=0), np.quantile(full[0], q, axis=0), rtol=1e-4
        )
    np.testing.assert_array_equal(full, sampler.sample(target, 400, seed=4, steps=np.full(6, 40)))


def _level_shocks(rng, windows, n, h, common):
    """Log errors with a per-window, per-series level shared by every step (weight `common`)."""
    level = rng.standard_normal((windows, n, 1))
    noise = rng.standard_normal((windows, n, h))
    return 0.3 * (np.sqrt(common) * level + np.sqrt(1 - common) * noise)


def test_dependence_is_chosen_from_held_out_windows_and_moves_only_totals() -> None:
    rng = np.random.default_rng(11)
    n, h = 400, 13
    forecast = np.full((4, n, h), 50.0)
    actual = np.expm1(np.log1p(forecast) + _level_shocks(rng, 4, n, h, 0.6))
    chosen = choose_dependence(actual, forecast, seed=1)
    assert chosen >= 0.3  # errors that persist over the horizon need dependent paths
    independent = np.expm1(np.log1p(forecast) + _level_shocks(rng, 4, n, h, 0.0))
    assert choose_dependence(independent, forecast, seed=1) <= 0.1
    errors = log_errors(actual, forecast)
    future = np.expm1(np.log1p(forecast[0]) + _level_shocks(rng, 1, n, h, 0.6)[0])
    covered = {}
    for w in (0.0, chosen):
        paths = PathSampler(dependence=w).fit(errors).sample(forecast[0], 1000, seed=2)
        low, high = np.quantile(paths.sum(axis=2), [0.1, 0.9], axis=1)
        covered[w] = coverage(future.sum(axis=1), low, high)
        steps = np.quantile(paths, [0.1, 0.9], axis=1)
        covered[f"steps {w}"] = coverage(future, *steps)
    assert covered[chosen] > covered[0.0] and abs(covered[chosen] - 0.8) < 0.05
    assert covered["steps 0.0"] == covered[f"steps {chosen}"]  # period bands are unchanged
