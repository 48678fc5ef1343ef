"""Marketing's figures from outcomes, against sums written out by hand, and refused outcomes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from engine.core.errors import DataError
from engine.leads.outcomes import marketing_stats, outcome_records, parse_outcomes

TODAY = dt.date(2026, 11, 26)


def _frame() -> pd.DataFrame:
    rows = [
        # lead, source, created, outcome, date, value, probability, rubric tier
        ("A", "referral", "2026-01-01", "won", "2026-01-11", 100.0, None, "sales-qualified"),
        ("B", "referral", "2026-01-01", "won", "2026-01-31", 300.0, None, "hot"),
        ("C", "referral", "2026-02-01", "lost", "2026-04-02", None, None, "hot"),
        ("D", "web", "2026-02-01", "disqualified", "2026-02-05", None, None, "cold"),
        ("E", "web", "2026-03-01", "won", "2026-05-01", 50.0, None, "warm"),
        ("F", "web", "2026-03-01", None, None, 1000.0, 0.2, "warm"),
        ("G", None, "2026-03-01", None, None, 10.0, None, "cold"),
    ]
    cols = ["lead_id", "source", "created_date", "outcome", "outcome_date", "deal_value"]
    cols += ["probability", "rubric_tier"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["tier"] = frame["rubric_tier"]
    return frame


def test_overall_figures_match_hand_counts() -> None:
    stats = marketing_stats(_frame(), [], "quarter")
    o = stats["overall"]
    assert (o["leads"], o["won"], o["lost"], o["disqualified"], o["open"]) == (7, 3, 1, 1, 2)
    assert o["conversion_rate"] == pytest.approx(3 / 7)
    assert o["win_rate"] == pytest.approx(3 / 4)
    assert o["median_days_to_convert"] == 30.0  # 10, 30 and 61 days
    assert o["mean_days_to_convert"] == pytest.approx((10 + 30 + 61) / 3)
    assert o["revenue"] == 450.0
    assert o["open_pipeline"] == 1010.0
    assert o["expected_pipeline"] == pytest.approx(200.0)
    assert o["open_without_probability"] == 1  # G has a value but no model probability


def test_groups_periods_and_tiers() -> None:
    stats = marketing_stats(_frame(), ["source"], "quarter")
    groups = {g["source"]: g for g in stats["groups"]}
    assert set(groups) == {"referral", "web", "(none)"}
    assert groups["referral"]["revenue"] == 400.0 and groups["referral"]["win_rate"] == 2 / 3
    assert groups["web"]["conversion_rate"] == pytest.approx(1 / 3)
    periods = {(r["period"], r["source"]): r for r in stats["over_time"]}
    assert periods[("2026Q1", "referral")]["won"] == 2
    assert periods[("2026Q2", "referral")]["lost"] == 1
    assert periods[("2026Q2", "web")]["revenue"] == 50.0
    tiers = {t["tier"]: t for t in stats["rubric_tiers"]}
    assert (tiers["hot"]["decided"], tiers["hot"]["won"]) == (2, 1)
    assert tiers["sales-qualified"]["conversion_rate"] == 1.0
    assert tiers["cold"]["conversion_rate"] == 0.0
    assert tiers["warm"]["hotter_than_below"] is True
    assert tiers["hot"]["hotter_than_below"] is False  # 50% after warm's 100%: said plainly


def test_bad_outcomes_are_refused_naming_the_field() -> None:
    good = {"lead_id": "A", "outcome": "Won", "date": "2026-11-01", "deal_value": 10}
    assert parse_outcomes([good], TODAY)[0].outcome == "won"
    for change, field in [
        ({"outcome": "maybe"}, "outcomes.0.outcome"),
        ({"date": "2027-01-01"}, "outcomes.0.date"),
        ({"date": "01/11/2026"}, "outcomes.0.date"),
        ({"deal_value": -5}, "outcomes.0.deal_value"),
        ({"deal_value": None}, "outcomes.0.deal_value"),  # won needs its value
        ({"stage": "x"}, "outcomes.0.stage"),
    ]:
        with pytest.raises(DataError) as caught:
            parse_outcomes([{**good, **change}], TODAY)
        assert caught.value.field == field
    file_rows = pd.DataFrame(
        {
            "lead_id": [1, 2],
            "outcome": ["lost", "won"],
            "date": ["2026-11-01"] * 2,
            "deal_value": [None, "12.5"],
        }
    )
    parsed = parse_outcomes(outcome_records(file_rows), TODAY, where="rows")
    assert [(p.lead_id, p.deal_value) for p in parsed] == [("1", None), ("2", 12.5)]
