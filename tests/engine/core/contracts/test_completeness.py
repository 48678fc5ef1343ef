"""Item 2 (issue 10): partial last periods, gaps and very short series are found and named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.contracts import validate_sales
from engine.core.contracts.completeness import PARTIAL_SHARE, RECENT_PERIODS
from engine.core.errors import DataError
from engine.core.panel import to_panel


def pizza(last: float = 442.0, weeks: int = 60, seed: int = 0) -> pd.DataFrame:
    """One store's weekly sales around 2,000 units, the last week only `last` (4 of 7 days)."""
    rng = np.random.default_rng(seed)
    units = np.round(2000 * np.exp(rng.normal(0, 0.08, weeks)))
    units[-1] = last
    dates = pd.date_range("2015-01-05", periods=weeks, freq="W-MON")
    return pd.DataFrame({"date": dates, "store": "pizza", "units": units})


def test_item2_partial_last_week_is_found_and_named() -> None:
    history = validate_sales(pizza())
    finding = history.findings.of_kind("partial_last_period")
    assert finding is not None
    assert "2016-02-22" in finding.message and "442 units" in finding.message
    assert "left out" in finding.message and "--last-period complete" in finding.message
    assert history.last_period is not None and history.last_period.partial
    assert history.periods_dropped == 1


def test_item2_the_rule_matches_an_independent_computation() -> None:
    """Partial iff below 60% of the median of the 8 weeks before and below each of them."""
    for seed in range(20):
        frame = pizza(last=0.0, seed=seed)
        before = frame["units"].iloc[-1 - RECENT_PERIODS : -1]
        for last in (before.min() * 0.99, PARTIAL_SHARE * before.median() * 0.99, 442.0, 1900.0):
            frame.loc[frame.index[-1], "units"] = last
            expected = last < PARTIAL_SHARE * before.median() and last < before.min()
            assert validate_sales(frame).periods_dropped == int(expected), (seed, last)


def test_item2_ordinary_weeks_and_intermittent_zeros_are_not_partial() -> None:
    for seed in range(30):
        assert validate_sales(pizza(last=2000 * 0.75, seed=seed)).periods_dropped == 0
    rng = np.random.default_rng(1)
    sparse = pizza()
    sparse["units"] = rng.choice([0.0, 0.0, 1.0, 3.0], len(sparse))
    sparse.loc[sparse.index[-1], "units"] = 0.0
    sparse.loc[sparse.index[-5], "units"] = 0.0
    assert validate_sales(sparse).findings.of_kind("partial_last_period") is None


def test_item2_panel_total_counts_only_series_reporting_in_the_last_period() -> None:
    """A series that stopped earlier does not make the last week look partial."""
    other = pizza().assign(store="closed").iloc[:-10]
    frame = pd.concat([pizza(last=1950.0), other], ignore_index=True)
    assert validate_sales(frame).periods_dropped == 0
    frame = pd.concat([pizza(), pizza().assign(store="b")], ignore_index=True)
    assert validate_sales(frame).periods_dropped == 1


def test_item2_the_user_can_say_the_last_period_is_complete_or_partial() -> None:
    assert validate_sales(pizza(), last_period="complete").periods_dropped == 0
    stated = validate_sales(pizza(last=2000.0), last_period="partial")
    assert stated.periods_dropped == 1
    assert "as stated" in stated.findings.of_kind("partial_last_period").message
    with pytest.raises(DataError) as info:
        validate_sales(pizza(), last_period="maybe")
    assert info.value.field == "last_period"


def test_item2_complete_history_leaves_out_the_partial_period_only() -> None:
    history = validate_sales(pizza())
    complete = history.complete()
    assert len(complete.frame) == len(history.frame) - 1
    assert complete.frame["date"].max() == pd.Timestamp("2016-02-15")
    assert complete.periods_dropped == 0
    panel = to_panel(complete)
    assert panel.dates[-1] == pd.Timestamp("2016-02-15") and panel.n_periods == 59


def test_item2_gaps_short_series_and_empty_periods_are_named() -> None:
    base = pizza(last=2000.0, weeks=40)
    gappy = base.assign(store="gappy").drop(index=[5, 6, 20])
    new = base.assign(store="new").iloc[-3:]
    frame = pd.concat([base, gappy, new], ignore_index=True)
    frame = frame[frame["date"] != pd.Timestamp("2015-03-02")]
    findings = validate_sales(frame).findings
    gaps = findings.of_kind("gaps")
    assert gaps is not None and gaps.series == ("gappy", "pizza")
    assert "gappy (4 of 40 missing)" in gaps.message and "pizza (1 of 40 missing)" in gaps.message
    short = findings.of_kind("short_series")
    assert short is not None and short.series == ("new",) and "new (3 periods)" in short.message
    assert gaps.message == (
        "2 of 3 series have missing periods inside their history: gappy (4 of 40 missing), "
        "pizza (1 of 40 missing); missing periods are not read as zero sales (add rows with "
        "units 0 if they were)"
    )
    assert short.message == (
        "1 of 3 series have fewer than 8 periods of history: new (3 periods); their forecasts "
        "rest on very little data"
    )
    empty = findings.of_kind("missing_periods")
    assert empty is not None and "2015-03-02" in empty.message
    assert findings.of_kind("partial_last_period") is None


def test_item2_many_series_are_named_first_few_and_counted() -> None:
    frames = [pizza(last=2000.0, weeks=5).assign(store=f"s{i:02d}") for i in range(12)]
    finding = validate_sales(pd.concat(frames, ignore_index=True)).findings.of_kind("short_series")
    assert finding is not None and len(finding.series) == 12
    assert "s00 (5 periods), s01 (5 periods)" in finding.message and "and 7 more" in finding.message


def test_item2_findings_table_and_params_carry_every_series() -> None:
    frame = pd.concat(
        [pizza(), pizza().assign(store="new").iloc[-2:].assign(units=500.0)], ignore_index=True
    )
    findings = validate_sales(frame).findings
    table = findings.table()
    assert list(table["kind"]) == ["partial_last_period", "short_series"]
    assert table.loc[1, "series"] == "new" and table.loc[1, "n_series"] == 1
    params = findings.params()
    assert params["findings"] == "partial_last_period,short_series"
    assert params["finding.short_series"].startswith("1 of 2 series")


def test_item2_weekly_rows_of_one_series_in_the_same_week_are_refused() -> None:
    frame = pizza(last=2000.0, weeks=12)
    frame.loc[len(frame)] = [pd.Timestamp("2015-01-07"), "pizza", 10.0]
    with pytest.raises(DataError) as info:
        validate_sales(frame)
    assert info.value.field == "date" and "same weekly period" in info.value.message


def test_item2_series_only_in_the_partial_period_are_named_as_left_without_forecast() -> None:
    frame = pd.concat([pizza(), pizza().assign(store="brand_new").iloc[-1:]], ignore_index=True)
    history = validate_sales(frame)
    finding = history.findings.of_kind("partial_last_period")
    assert finding is not None and finding.series == ("brand_new",)
    assert "rows only in that period and get no forecast: brand_new" in finding.message
    assert "brand_new" not in set(history.complete().frame["store"])
