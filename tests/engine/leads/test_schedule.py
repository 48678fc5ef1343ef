"""The retraining cadence and the training table from stored outcomes (no activity after the
outcome date counts)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from engine.leads.schedule import retrain_decision, training_table

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)


def test_every_n_days_and_only_with_enough_new_outcomes() -> None:
    ten_days = NOW - dt.timedelta(days=10, minutes=1)
    assert retrain_decision(NOW, None, 10, 60, 50)[0] == "started"
    assert retrain_decision(NOW, ten_days, 10, 60, 50)[0] == "started"
    decision, why = retrain_decision(NOW, NOW - dt.timedelta(days=3), 10, 500, 50)
    assert decision == "skipped" and why.startswith("last retrain 3.0 days ago")
    decision, why = retrain_decision(NOW, ten_days, 10, 49, 50)
    assert decision == "skipped" and "49 new outcomes" in why and "needs 50" in why
    assert retrain_decision(NOW, None, 0, 500, 50)[0] == "skipped"
    assert retrain_decision(NOW, NOW, 10, 0, 50, force=True)[0] == "started"


def test_training_table_counts_activity_only_up_to_the_outcome_date() -> None:
    leads = [
        {
            "lead_id": "A",
            "created_date": "2026-10-01",
            "attributes": {"source": "web"},
            "base_counts": {"downloads": 2.0},
            "outcome": "won",
            "outcome_date": "2026-10-20",
        },
        {
            "lead_id": "B",
            "created_date": "2026-10-02",
            "attributes": {"source": "referral"},
            "base_counts": {},
            "outcome": "disqualified",
            "outcome_date": "2026-10-05",
        },
    ]
    stamp = pd.Timestamp
    events = [
        {"lead_id": "A", "activity": "download", "occurred_at": stamp("2026-10-20T23:00Z")},
        {"lead_id": "A", "activity": "download", "occurred_at": stamp("2026-10-21T00:00Z")},
        {"lead_id": "B", "activity": "form_fill", "occurred_at": stamp("2026-10-04T09:00Z")},
        {"lead_id": "C", "activity": "form_fill", "occurred_at": stamp("2026-10-04T09:00Z")},
    ]
    table = training_table(leads, events).set_index("lead_id")
    assert table.loc["A", "downloads"] == 3.0  # 2 given + 1 on the day; the later one left out
    assert table.loc["B", "form_fills"] == 1.0
    assert table.loc["A", "converted"] == 1 and table.loc["B", "converted"] == 0
    assert table.loc["A", "conversion_date"] == "2026-10-20"
    assert pd.isna(table.loc["B", "conversion_date"])
    assert "C" not in table.index
