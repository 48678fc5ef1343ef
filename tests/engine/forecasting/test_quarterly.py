"""Quarter rollups from sample paths: coherent sums, fiscal quarters, intervals not added up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.calendar import parse_quarter
from engine.core.errors import DataError, NotFoundError
from engine.forecasting.quarterly import QuarterlyCache, QuarterQuery, quarterly_forecast
from models.forecasting.forecast_set import ForecastSet


def forecast_set(seed: int = 0) -> ForecastSet:
    """Four monthly series in two regions, independent paths."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2027-01-01", periods=12, freq="MS")
    paths = rng.gamma(20.0, 5.0, (4, 2000, 12)).astype(np.float32)
    index = pd.DataFrame({"region": ["N", "N", "S", "S"], "product": ["A", "B", "A", "B"]})
    actual_dates = pd.date_range("2026-10-01", periods=3, freq="MS")
    return ForecastSet(
        index,
        ["region", "product"],
        "M",
        pd.DatetimeIndex(dates),
        paths.mean(axis=1),
        paths,
        pd.DatetimeIndex(actual_dates),
        np.full((4, 3), 100.0),
    )


def test_children_sum_to_parents_and_intervals_come_from_paths() -> None:
    fs = forecast_set()
    quarters = [parse_quarter("2027Q1"), parse_quarter("2027Q2")]
    total = quarterly_forecast(fs, quarters, level=[]).set_index("quarter")
    regions = quarterly_forecast(fs, quarters, level=["region"])
    bottom = quarterly_forecast(fs, quarters)
    for table in (regions, bottom):
        np.testing.assert_allclose(table.groupby("quarter")["mean"].sum(), total["mean"], rtol=1e-6)
    # independent series: the total's band is narrower than the sum of the regions' bands
    width = (total["hi_80"] - total["lo_80"]).to_numpy()
    summed = regions.groupby("quarter").apply(lambda g: (g["hi_80"] - g["lo_80"]).sum())
    assert (width < summed.to_numpy() * 0.9).all()


def test_fiscal_quarters_shift_the_months() -> None:
    fs = forecast_set()
    calendar_q = quarterly_forecast(fs, [parse_quarter("2027Q2")], level=[])
    fiscal = quarterly_forecast(fs, [parse_quarter("2028Q1", 4)], level=[], fiscal_start_month=4)
    # fiscal year starting in April: FY2028 Q1 is April-June 2027, the calendar Q2
    np.testing.assert_allclose(fiscal["mean"], calendar_q["mean"])
    assert fiscal["quarter"].iloc[0] == "2028Q1"


def test_item8_quarters_say_how_much_of_them_is_actual() -> None:
    """2026Q4 is all actuals (lo = hi = mean), 2027Q1 all forecast; both say which."""
    fs = forecast_set()
    past, future = parse_quarter("2026Q4"), parse_quarter("2027Q1")
    table = quarterly_forecast(fs, [past, future], level=["region"]).set_index("quarter")
    done = table.loc["2026Q4"]
    assert (done["status"] == "actual").all() and (done["actual_share"] == 1.0).all()
    np.testing.assert_allclose(done["actual_to_date"], 2 * 3 * 100.0)  # 2 series, 3 months
    np.testing.assert_allclose(done[["mean", "lo_80", "hi_95"]].to_numpy(), 600.0)
    ahead = table.loc["2027Q1"]
    assert (ahead["status"] == "forecast").all()
    assert (ahead["actual_to_date"] == 0).all() and (ahead["actual_share"] == 0).all()
    cache = QuarterlyCache.build(fs)
    cached = pd.DataFrame(cache.quarterly(QuarterQuery([past, future], {}, ["region"])))
    pd.testing.assert_frame_equal(
        cached[table.reset_index().columns], table.reset_index(), check_dtype=False, rtol=1e-9
    )


def test_group_sums_are_exact_and_never_build_a_series_by_group_matrix() -> None:
    """Issue 15: the bottom level of 40,000 series sums without a 40,000 x 40,000 matrix."""
    import tracemalloc

    from engine.forecasting.quarterly import sum_groups

    rng = np.random.default_rng(3)
    codes = rng.integers(0, 7, 500)
    values = rng.gamma(2.0, 5.0, (500, 4, 3))
    expected = np.zeros((7, 4, 3))
    np.add.at(expected, codes, values)  # independent: unbuffered per-row addition
    np.testing.assert_allclose(sum_groups(codes, 7, values), expected, rtol=1e-12)

    n = 40_000
    bottom = np.arange(n)
    tracemalloc.start()
    try:
        summed = sum_groups(bottom, n, np.ones((n, 3)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summed.shape == (n, 3) and (summed == 1.0).all()
    assert peak < 64 * 1024**2, f"{peak / 1024**2:.0f} MiB"  # dense one-hot: 12,800 MiB


def test_filtered_answers_from_the_cache_equal_the_reference_and_refuse_alike() -> None:
    """The cache's prebuilt lookup answers a filter exactly as a one-off selection does."""
    fs = forecast_set(3)
    fs.info["stopped_early"] = [{"region": "S", "product": "B"}]
    cache = QuarterlyCache.build(fs)
    quarters = [parse_quarter("2027Q2")]
    for filters, level, exclude in [
        ({"region": ["S"]}, ["product"], False),
        ({"region": ["S"]}, ["product"], True),
        ({"product": ["A", "B"], "region": ["N"]}, [], False),
        ({}, ["region"], True),
    ]:
        got = pd.DataFrame(cache.quarterly(QuarterQuery(quarters, filters, level, exclude)))
        want = quarterly_forecast(fs, quarters, filters, level, exclude_stopped=exclude)
        pd.testing.assert_frame_equal(
            got[want.columns].reset_index(drop=True), want.reset_index(drop=True), rtol=1e-6
        )
    assert len(cache.quarterly(QuarterQuery(quarters, {"region": ["S"]}, ["product"], True))) == 1
    for bad, error in [({"region": ["W"]}, NotFoundError), ({"colour": ["red"]}, DataError)]:
        with pytest.raises(error) as cached:
            cache.quarterly(QuarterQuery(quarters, bad, []))
        with pytest.raises(error) as reference:
            quarterly_forecast(fs, quarters, bad, [])
        assert cached.value.to_dict() == reference.value.to_dict()
