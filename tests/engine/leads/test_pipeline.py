"""Pipeline planning: expected conversions and value per quarter and segment, with intervals."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import DataError
from engine.leads.pipeline import expected_quarter, pipeline_summary, poisson_binomial_pmf


def test_poisson_binomial_matches_enumeration() -> None:
    p = np.array([0.1, 0.5, 0.8, 0.3])
    pmf = poisson_binomial_pmf(p)
    brute = np.zeros(5)
    for outcome in itertools.product([0, 1], repeat=4):
        o = np.array(outcome)
        brute[o.sum()] += np.prod(np.where(o == 1, p, 1 - p))
    assert np.allclose(pmf, brute)


def _leads(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "probability": rng.beta(1, 4, n),
            "deal_value": rng.gamma(2.0, 5000.0, n),
            "source": rng.choice(["web", "referral"], n),
            "created_date": pd.Timestamp("2027-01-01")
            + pd.to_timedelta(rng.integers(0, 170, n), unit="D"),
        }
    )


def test_expectations_are_sums_and_intervals_are_ordered() -> None:
    leads = _leads(400)
    table = pipeline_summary(leads, ["source"], lag_days=20, as_of=pd.Timestamp("2027-01-01"))
    assert table["expected_conversions"].sum() == pytest.approx(leads["probability"].sum())
    value = (leads["probability"] * leads["deal_value"]).sum()
    assert table["expected_value"].sum() == pytest.approx(value)
    assert table["leads"].sum() == 400
    assert set(table["quarter"]) == {"2027Q1", "2027Q2", "2027Q3"}
    for prefix, mean in (("conversions", "expected_conversions"), ("value", "expected_value")):
        lo95, lo80 = table[f"{prefix}_lo_95"], table[f"{prefix}_lo_80"]
        hi80, hi95 = table[f"{prefix}_hi_80"], table[f"{prefix}_hi_95"]
        assert (lo95 <= lo80).all() and (lo80 <= table[mean]).all()
        assert (table[mean] <= hi80).all() and (hi80 <= hi95).all()


def test_count_interval_matches_exact_poisson_binomial() -> None:
    leads = _leads(150, seed=2).assign(created_date=pd.Timestamp("2027-02-01"))
    row = pipeline_summary(leads, [], as_of=pd.Timestamp("2027-01-01"), n_sims=20000).iloc[0]
    cdf = np.cumsum(poisson_binomial_pmf(leads["probability"].to_numpy()))
    for name, q in (("lo_95", 0.025), ("lo_80", 0.1), ("hi_80", 0.9), ("hi_95", 0.975)):
        exact = int(np.searchsorted(cdf, q))
        assert abs(row[f"conversions_{name}"] - exact) <= 1


@pytest.mark.parametrize("n", [300, 3000])  # simulated, and the normal approximation
def test_80_percent_interval_covers_about_80_percent(n: int) -> None:
    leads = _leads(n, seed=3).assign(created_date=pd.Timestamp("2027-02-01"))
    row = pipeline_summary(leads, [], as_of=pd.Timestamp("2027-01-01"), n_sims=2000).iloc[0]
    rng = np.random.default_rng(9)
    p = leads["probability"].to_numpy()
    hits = rng.random((1000, n)) < p
    counts = hits.sum(axis=1)
    values = hits @ leads["deal_value"].to_numpy()
    inside = (counts >= row["conversions_lo_80"]) & (counts <= row["conversions_hi_80"])
    assert 0.74 <= inside.mean() <= 0.88
    inside = (values >= row["value_lo_80"]) & (values <= row["value_hi_80"])
    assert 0.74 <= inside.mean() <= 0.86


def test_quarters_follow_creation_plus_lag_and_never_precede_as_of() -> None:
    frame = pd.DataFrame({"created_date": ["2026-03-20", "2026-12-30", "2025-01-01"]})
    quarters = expected_quarter(frame, lag_days=15, as_of=pd.Timestamp("2026-02-01"))
    assert quarters.tolist() == ["2026Q2", "2027Q1", "2026Q1"]
    fiscal = expected_quarter(frame, 15, pd.Timestamp("2026-02-01"), fiscal_start_month=4)
    assert fiscal.tolist()[0] == "2027Q1"
    no_dates = expected_quarter(pd.DataFrame(index=[0, 1]), 30, pd.Timestamp("2026-08-08"))
    assert no_dates.tolist() == ["2026Q3", "2026Q3"]


def test_missing_deal_value_counts_as_zero_and_bad_segments_are_errors() -> None:
    leads = _leads(50).drop(columns=["deal_value"])
    table = pipeline_summary(leads, ["source"], as_of=pd.Timestamp("2027-01-01"))
    assert (table["expected_value"] == 0).all()
    with pytest.raises(DataError, match="region"):
        pipeline_summary(leads, ["region"])
    with pytest.raises(DataError, match="probability"):
        pipeline_summary(leads.drop(columns=["probability"]))


def test_item5_non_finite_deal_values_are_refused() -> None:
    scored = pd.DataFrame({"probability": [0.5, 0.2], "deal_value": [1000.0, np.inf]})
    with pytest.raises(DataError) as info:
        pipeline_summary(scored, as_of=pd.Timestamp("2026-01-01"))
    assert info.value.field == "deal_value"
