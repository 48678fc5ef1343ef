"""Lead features as of a date: no event from after the cut-off, leak warnings, row screening."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.contracts import validate_leads
from engine.core.contracts.leads import ACTIVITY_COUNTS, activity_column, screen_rows
from engine.core.errors import DataError
from engine.demo import generate_leads
from engine.leads.features import (
    activity_counts,
    leak_warnings,
    single_feature_auc,
    training_cutoffs,
    with_activity,
)


@pytest.fixture(scope="module")
def demo() -> tuple[pd.DataFrame, pd.DataFrame]:
    leads, events, _ = generate_leads(seed=4, n_leads=600)
    return leads, events


def test_events_reproduce_the_table_counts(demo) -> None:
    """Cut at conversion (or never), the demo event log gives back the leads table's counts."""
    leads, events = demo
    table = validate_leads(leads, require_outcome=True)
    counts = activity_counts(events, table.frame["lead_id"], training_cutoffs(table))
    for column in ACTIVITY_COUNTS.values():
        assert (counts[column].to_numpy() == leads[column].to_numpy()).all(), column


def test_no_event_after_the_scoring_date_is_counted(demo) -> None:
    leads, events = demo
    as_of = pd.Timestamp("2026-03-01")
    counts = activity_counts(events, leads["lead_id"], as_of)
    expected = events[events["timestamp"] < as_of].groupby(["lead_id", "activity"]).size().unstack()
    expected = expected.reindex(leads["lead_id"]).fillna(0)
    for activity, column in ACTIVITY_COUNTS.items():
        assert (counts[column].to_numpy() == expected[activity].to_numpy()).all()
    # a flood of later activity changes nothing
    later = events.sample(2000, replace=True, random_state=0).assign(
        timestamp=as_of + pd.Timedelta(hours=1)
    )
    at_cut = later.head(5).assign(timestamp=as_of)  # "before" is strict: at the cut-off is after
    flooded = pd.concat([events, later, at_cut], ignore_index=True)
    assert activity_counts(flooded, leads["lead_id"], as_of).equals(counts)


def test_training_never_sees_activity_after_conversion(demo) -> None:
    leads, events = demo
    table = validate_leads(leads, require_outcome=True)
    converted = table.frame[table.frame["converted"] == 1].head(20)
    extra = pd.DataFrame(
        {
            "lead_id": converted["lead_id"],
            "timestamp": converted["conversion_date"] + pd.Timedelta(days=1),
            "activity": "form_fill",
        }
    )
    cutoff = training_cutoffs(table)
    before = activity_counts(events, table.frame["lead_id"], cutoff)
    after = activity_counts(pd.concat([events, extra]), table.frame["lead_id"], cutoff)
    assert after.equals(before)


def test_window_limits_counts_to_days_after_creation(demo) -> None:
    leads, events = demo
    table = validate_leads(leads, require_outcome=True)
    short = activity_counts(events, table.frame["lead_id"], training_cutoffs(table, 3))
    full = activity_counts(events, table.frame["lead_id"], training_cutoffs(table))
    assert (short.to_numpy() <= full.to_numpy()).all()
    assert short.to_numpy().sum() < full.to_numpy().sum()


def test_unknown_activity_types_become_their_own_count(demo) -> None:
    leads, events = demo
    extra = pd.DataFrame(
        {
            "lead_id": [leads["lead_id"][0]] * 2,
            "timestamp": ["2020-01-01"] * 2,
            "activity": ["Demo Request", "demo request"],
        }
    )
    counts = activity_counts(pd.concat([events, extra]), leads["lead_id"], pd.Timestamp("2030-1-1"))
    assert counts["n_demo_request"].iloc[0] == 2
    assert activity_column("Content Download") == "downloads"
    table = validate_leads(leads, require_outcome=True)
    merged = with_activity(table, counts)
    assert "n_demo_request" in merged.features


def test_events_need_their_columns_and_dates(demo) -> None:
    leads, events = demo
    with pytest.raises(DataError, match="activity"):
        activity_counts(events.drop(columns=["activity"]), leads["lead_id"], pd.Timestamp.now())
    bad = events.head(3).astype(object)
    bad.loc[1, "timestamp"] = "yesterday-ish"
    with pytest.raises(DataError, match="timestamp"):
        activity_counts(bad, leads["lead_id"], pd.Timestamp.now())


def test_leak_warning_flags_post_outcome_columns_only() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    y = (rng.random(n) < 0.2).astype(int)
    frame = pd.DataFrame(
        {
            "call_seconds": y * 300 + rng.exponential(60, n),  # recorded after the outcome
            "visits": rng.poisson(2 + y),  # honestly predictive, weakly
            "prospect_id": [f"P{i}" for i in range(n)],  # unique per lead: not predictive
            "status_tag": np.where(y == 1, "Closed", rng.choice(["Open", "Ringing"], n)),
        }
    )
    found = leak_warnings(frame, list(frame.columns), y)
    assert set(found) == {"call_seconds", "status_tag"}
    assert single_feature_auc(frame["prospect_id"], y) < 0.6
    assert 0.5 < single_feature_auc(frame["visits"], y) < 0.8


def test_screen_rows_reports_each_bad_row() -> None:
    frame = pd.DataFrame(
        {
            "lead_id": ["a", "b", None, "a", "e", "f", "g"],
            "visits": [1, "x", 2, 3, np.inf, 1, None],
            "downloads": [0, 1, 2, 3, 4, -1, 0],
            "source": ["web", None, "web", "web", "web", "web", "web"],
            "deal_value": [10, 20, 30, 40, 50, 60, "lots"],
        }
    )
    clean, errors = screen_rows(frame, ["visits", "downloads"], ["source"])
    assert clean["row"].tolist() == [0]
    assert [(e.row, e.field) for e in errors] == [
        (1, "visits"),
        (2, "lead_id"),
        (3, "lead_id"),
        (4, "visits"),
        (5, "downloads"),
        (6, "deal_value"),
    ]
    assert errors[0].lead_id == "b" and "'x'" in errors[0].message
    assert clean["visits"].dtype == float
    with pytest.raises(DataError, match="region"):
        screen_rows(frame, ["visits"], ["region"])
