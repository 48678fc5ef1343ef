"""The leads contract: optional id and dates, outcome coercion, per-column errors."""

from __future__ import annotations

import pandas as pd
import pytest

from engine.core.contracts import validate_leads
from engine.core.errors import DataError


def leads() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "created_date": ["2025-01-01", "2025-02-01", "2025-03-01"],
            "source": ["web", "event", "web"],
            "site_visits": [3, 0, 7],
            "duration": [100, 20, 300],
            "converted": ["yes", "no", "yes"],
        }
    )


def test_valid_leads_have_features_and_outcome() -> None:
    table = validate_leads(leads(), require_outcome=True, exclude=["duration"])
    assert table.has_outcome and table.has_created_date
    assert table.features == ["source", "site_visits"]
    assert table.frame["converted"].tolist() == [1, 0, 1]
    assert "duration" not in table.frame.columns


def test_lead_id_and_created_date_are_optional() -> None:
    table = validate_leads(leads().drop(columns=["lead_id", "created_date"]))
    assert table.frame["lead_id"].tolist() == ["0", "1", "2"]
    assert not table.has_created_date


def test_outcome_required_for_training() -> None:
    with pytest.raises(DataError) as info:
        validate_leads(leads().drop(columns=["converted"]), require_outcome=True)
    assert info.value.field == "converted"


def test_duplicate_lead_ids_rejected() -> None:
    frame = leads()
    frame.loc[2, "lead_id"] = "a"
    with pytest.raises(DataError) as info:
        validate_leads(frame)
    assert info.value.field == "lead_id" and "'a'" in info.value.message


def test_negative_activity_rejected() -> None:
    frame = leads()
    frame.loc[1, "site_visits"] = -2
    with pytest.raises(DataError) as info:
        validate_leads(frame)
    assert info.value.field == "site_visits"


def test_unknown_excluded_column_is_named() -> None:
    with pytest.raises(DataError) as info:
        validate_leads(leads(), exclude=["call_length"])
    assert info.value.field == "call_length"


def test_bad_outcome_value_is_named() -> None:
    frame = leads()
    frame.loc[0, "converted"] = "perhaps"
    with pytest.raises(DataError) as info:
        validate_leads(frame, require_outcome=True)
    assert info.value.field == "converted"
