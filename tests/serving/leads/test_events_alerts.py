"""Item 4: activity events in (idempotent by event id), points and score updated, alerts out to
a real local HTTP receiver: signed, retried with backoff, delivered once, dead letters after the
last try, never slowing the request, stored so a restarted server carries on."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from fastapi.testclient import TestClient

from tests.lead_rubrics import rubric_doc
from tests.serving.leads.conftest import LoopApp
from tests.serving.leads.loop_keys import headers
from tests.serving.leads.receiver import Receiver, running_receiver

SECRET = "whsec-test-0001"
RUBRIC = rubric_doc(
    "Events rubric",
    (10, 25, 45),
    {"form_fill >= 1": 30, "pricing_page_visit >= 1": 20, "source = referral": 5},
)
LEADS = [
    {"lead_id": "L1", "owner": "sam", "created_date": "2026-11-02", "source": "referral"},
    {"lead_id": "L2", "owner": "kim", "created_date": "2026-11-03", "source": "web"},
]


def _event(event_id: str, lead: str, activity: str, at: str = "2026-11-20T10:00:00Z") -> dict:
    return {"event_id": event_id, "lead_id": lead, "activity": activity, "occurred_at": at}


def _alerting_app(
    loop_app: LoopApp, receiver: Receiver, **settings: float
) -> AbstractContextManager[TestClient]:
    """The loop app sending its alerts to `receiver`, signed with SECRET; the rest as given."""
    return loop_app(lead_webhook_url=receiver.url, lead_webhook_secret=SECRET, **settings)


def _setup(client: TestClient) -> None:
    made = client.post("/v1/leads/rubrics", json={"rubric": RUBRIC}, headers=headers("marketing"))
    version = made.json()["version"]
    for team in ("marketing", "sales"):
        client.post(f"/v1/leads/rubrics/{version}/sign-off", json={}, headers=headers(team))
    stored = client.post("/v1/leads/records", json={"leads": LEADS}, headers=headers("sales"))
    assert stored.status_code == 200, stored.text
    assert stored.json() == {"created": 2, "updated": 0}


def _events(client: TestClient, events: list[dict]) -> Any:
    return client.post("/v1/leads/events", json={"events": events}, headers=headers("sales"))


def _wait(what: Callable[[], bool], seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while not what():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)


def _alert(client: TestClient, alert_id: int) -> dict:
    return client.get(f"/v1/leads/alerts/{alert_id}", headers=headers("sales")).json()


def test_events_update_points_idempotently_and_a_flaky_receiver_gets_one_signed_delivery(
    loop_app: LoopApp,
) -> None:
    receiver = Receiver(script=[500, 502, 503])  # fails three times, then succeeds
    with (
        running_receiver(receiver),
        _alerting_app(
            loop_app, receiver, lead_webhook_backoff_seconds=0.1, lead_webhook_max_attempts=6
        ) as client,
    ):
        _setup(client)
        first = _events(client, [_event("e1", "L1", "form_fill")])
        assert first.status_code == 200, first.text
        lead = first.json()["leads"][0]
        assert (lead["points"], lead["tier"], first.json()["alerts"]) == (35, "hot", [])
        assert lead["probability"] is not None and lead["model_tier"] is not None
        assert lead["tier_source"] == "rubric v1"

        second = _events(client, [_event("e2", "L1", "Pricing Page Visit")])
        body = second.json()
        assert len(body["alerts"]) == 1 and body["accepted"] == ["e2"]
        lead = body["leads"][0]
        assert (lead["points"], lead["tier"]) == (55, "sales-qualified")
        assert [r["rule"] for r in lead["rules_fired"]] == [
            "form_fill >= 1",
            "pricing_page_visit >= 1",
            "source = referral",
        ]
        # the same events again change nothing and alert nobody
        again = _events(
            client, [_event("e1", "L1", "form_fill"), _event("e2", "L1", "pricing_page_visit")]
        )
        assert again.json()["duplicates"] == ["e1", "e2"] and again.json()["alerts"] == []
        assert again.json()["leads"][0]["points"] == 55
        shown = client.get("/v1/leads/records/L1", headers=headers("sales")).json()
        assert shown["counts"] == {"form_fills": 1.0, "n_pricing_page_visit": 1.0}
        assert [e["event_id"] for e in shown["events"]] == ["e2", "e1"]

        alert_id = body["alerts"][0]
        _wait(lambda: _alert(client, alert_id)["status"] == "delivered")
        time.sleep(0.5)  # room for a wrong second delivery to show up
        alert = _alert(client, alert_id)

    assert len(receiver.delivered()) == 1
    assert [r.status for r in receiver.requests] == [500, 502, 503, 200]
    assert [a["status_code"] for a in alert["attempt_log"]] == [500, 502, 503, 200]
    assert alert["attempts"] == 4
    gaps = [b.at - a.at for a, b in zip(receiver.requests, receiver.requests[1:], strict=False)]
    assert all(gap >= 0.1 * 2**k * 0.9 for k, gap in enumerate(gaps)), gaps  # backoff doubles
    for request in receiver.requests:  # every try carries the same, verifiable signature
        expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["X-Lodestar-Signature"] == expected
        assert request.headers["Content-Type"] == "application/json"
    payload = json.loads(receiver.delivered()[0].body)
    assert payload["lead_id"] == "L1" and payload["owner"] == "sam"
    assert payload["activity"] == "pricing_page_visit" and payload["tier"] == "sales-qualified"
    assert payload["tier_before"] == "hot" and payload["crossed_into_tier"] is True
    assert payload["points"] == 55 and payload["alert_id"] == alert_id


def test_a_receiver_that_never_answers_ends_in_dead_letters_without_slowing_events(
    loop_app: LoopApp,
) -> None:
    receiver = Receiver(hang=True)
    timeout = 2.0
    with (
        running_receiver(receiver),
        _alerting_app(
            loop_app,
            receiver,
            lead_webhook_backoff_seconds=0.05,
            lead_webhook_max_attempts=2,
            lead_webhook_timeout_seconds=timeout,
        ) as client,
    ):
        _setup(client)
        made = _events(
            client, [_event("a1", "L1", "form_fill"), _event("a2", "L1", "pricing_page_visit")]
        )
        alert_id = made.json()["alerts"][0]
        assert receiver.arrived.wait(30)  # the worker is now stuck waiting on the receiver
        spent = []
        for k in range(5):
            started = time.monotonic()
            answer = _events(client, [_event(f"b{k}", "L2", "email_open")])
            spent.append(time.monotonic() - started)
            assert answer.status_code == 200
        assert max(spent) < timeout, spent  # none waited for the hanging delivery
        _wait(lambda: _alert(client, alert_id)["status"] == "dead")
        dead = client.get("/v1/leads/alerts?status=dead", headers=headers("sales")).json()
        alert = _alert(client, alert_id)
    assert [a["id"] for a in dead["alerts"]] == [alert_id]
    assert alert["attempts"] == 2 and receiver.delivered() == []
    assert all(a["status_code"] is None and "Timeout" in a["error"] for a in alert["attempt_log"])


def test_alerts_are_stored_and_a_restarted_server_delivers_what_was_pending(
    loop_app: LoopApp,
) -> None:
    receiver = Receiver(then=503)
    settings = {"lead_webhook_backoff_seconds": 0.3, "lead_webhook_max_attempts": 50}
    with running_receiver(receiver):
        with _alerting_app(loop_app, receiver, **settings) as client:
            _setup(client)
            made = _events(
                client, [_event("r1", "L2", "form_fill"), _event("r2", "L2", "pricing_page_visit")]
            )
            alert_id = made.json()["alerts"][0]
            _wait(lambda: _alert(client, alert_id)["attempts"] >= 1)
        assert receiver.delivered() == []
        receiver.then = 200  # the receiver is fixed while the server is down
        with _alerting_app(loop_app, receiver, **settings) as client:
            _wait(lambda: _alert(client, alert_id)["status"] == "delivered")
            inbox = client.get("/v1/leads/alerts?owner=kim&unread=true", headers=headers("sales"))
            read = client.post(f"/v1/leads/alerts/{alert_id}/read", headers=headers("sales"))
            unread = client.get("/v1/leads/alerts?owner=kim&unread=true", headers=headers("sales"))
    assert len(receiver.delivered()) == 1
    assert [a["id"] for a in inbox.json()["alerts"]] == [alert_id]
    assert read.json()["read_by"] == "sami-sales" and unread.json()["alerts"] == []


def test_bad_events_are_refused_naming_the_field(loop_app: LoopApp) -> None:
    with loop_app() as client:
        _setup(client)
        naive = _events(client, [_event("x1", "L1", "form_fill", "2026-11-20T10:00:00")])
        assert naive.status_code == 422 and naive.json()["field"] == "events.0.occurred_at"
        unknown = _events(
            client, [_event("x1", "L1", "form_fill"), _event("x2", "nobody", "form_fill")]
        )
        assert unknown.status_code == 404 and unknown.json()["field"] == "events.1.lead_id"
        # nothing of the refused batch was stored
        assert client.get("/v1/leads/records/L1", headers=headers("sales")).json()["events"] == []
        assert _events(client, [_event("x1", "L1", "form_fill")]).status_code == 200
        reused = _events(client, [_event("x1", "L2", "download")])
        assert reused.status_code == 409 and reused.json()["field"] == "events.0.event_id"
        future = _events(client, [_event("x3", "L1", "form_fill", "2999-01-01T00:00:00Z")])
        assert future.status_code == 422 and future.json()["field"] == "events.0.occurred_at"
        bad_count = client.post(
            "/v1/leads/records",
            json={"leads": [{"lead_id": "L3", "downloads": -1}]},
            headers=headers("sales"),
        )
        assert bad_count.status_code == 422 and bad_count.json()["field"] == "leads.0.downloads"
        no_alert = client.get("/v1/leads/alerts", headers=headers("sales")).json()
    assert no_alert["alerts"] == []  # no webhook and no sales-qualified lead: no alert
