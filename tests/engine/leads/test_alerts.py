"""Alert rules, the webhook signature and the backoff, checked against independent sums."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest

from engine.core.errors import DataError
from engine.leads.alerts import alert_due, backoff_seconds, body_bytes, signature, signature_matches
from engine.leads.events import parse_events

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def test_only_significant_activity_of_a_sales_qualified_lead_alerts() -> None:
    significant = ["form_fill", "pricing_page_visit", "demo_request"]
    assert alert_due("form_fill", "sales-qualified", significant)
    assert alert_due("form_fills", "sales-qualified", significant)  # its count column alike
    assert not alert_due("email_open", "sales-qualified", significant)
    assert not alert_due("form_fill", "hot", significant)


def test_signature_is_hmac_sha256_of_the_exact_body() -> None:
    body = body_bytes({"b": 1, "a": "x"})
    assert body == b'{"a":"x","b":1}'
    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signature(body, "k") == f"sha256={expected}"
    assert signature_matches(body, "k", f"sha256={expected}")
    assert not signature_matches(body + b" ", "k", f"sha256={expected}")
    assert not signature_matches(body, "other", f"sha256={expected}")


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff_seconds(k, 2.0) for k in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff_seconds(40, 2.0) == 3600.0


def test_events_are_checked_field_by_field() -> None:
    good = {
        "event_id": 7,
        "lead_id": "L1",
        "activity": "Form Fill",
        "occurred_at": "2026-11-20T10:00:00+01:00",
    }
    event = parse_events([good], NOW)[0]
    assert (event.event_id, event.activity, event.column) == ("7", "form_fill", "form_fills")
    assert event.occurred_at == dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    for change, field in [
        ({"occurred_at": "2026-11-20"}, "events.0.occurred_at"),
        ({"occurred_at": "yesterday"}, "events.0.occurred_at"),
        ({"activity": ""}, "events.0.activity"),
        ({"lead_id": None}, "events.0.lead_id"),
        ({"colour": "red"}, "events.0.colour"),
    ]:
        with pytest.raises(DataError) as caught:
            parse_events([{**good, **change}], NOW)
        assert caught.value.field == field
    with pytest.raises(DataError, match="used twice") as caught:
        parse_events([good, {**good, "activity": "download"}], NOW)
    assert caught.value.field == "events.1.event_id"
