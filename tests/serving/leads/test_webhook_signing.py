"""Alert webhooks are always signed: no key, no webhook (a rep's own URL included); the alert
waits with the reason instead of going out unsigned."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.serving.leads.conftest import LoopApp
from tests.serving.leads.loop_keys import headers
from tests.serving.leads.receiver import Receiver, running_receiver

RUBRIC = {
    "name": "Signing rubric",
    "tiers": {"warm": 10, "hot": 20, "sales-qualified": 30},
    "rules": [{"when": "form_fill >= 1", "points": 30}],
}
REP = {"territories": ["North"], "weekly_capacity": 5}
LEAD = {"lead_id": "S1", "owner": "kim", "created_date": "2026-11-02"}
FORM_FILL = dict(event_id="s1", lead_id="S1", activity="form_fill", occurred_at="2026-11-20T10:00Z")


def test_a_rep_webhook_needs_the_signing_key(loop_app: LoopApp) -> None:
    with running_receiver(Receiver()) as receiver, loop_app() as client:
        refused = client.put(
            "/v1/leads/reps/kim",
            json={**REP, "webhook_url": receiver.url},
            headers=headers("sales"),
        )
        inbox_only = client.put("/v1/leads/reps/kim", json=REP, headers=headers("sales"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "webhook_url"
    assert "LODESTAR_LEAD_WEBHOOK_SECRET" in refused.json()["message"]
    assert inbox_only.status_code == 200 and inbox_only.json()["webhook_url"] is None


def test_a_server_without_the_key_never_sends_a_kept_rep_webhook(loop_app: LoopApp) -> None:
    receiver = Receiver()
    with running_receiver(receiver):
        with loop_app(lead_webhook_secret="whsec-before") as client:
            rep = {**REP, "webhook_url": receiver.url}
            assert client.put("/v1/leads/reps/kim", json=rep, headers=headers("sales")).is_success
        with loop_app(lead_webhook_max_attempts=1) as client:  # restarted without the key
            made = client.post(
                "/v1/leads/rubrics", json={"rubric": RUBRIC}, headers=headers("marketing")
            ).json()
            for team in ("marketing", "sales"):
                client.post(
                    f"/v1/leads/rubrics/{made['version']}/sign-off", json={}, headers=headers(team)
                )
            client.post("/v1/leads/records", json={"leads": [LEAD]}, headers=headers("sales"))
            sent = client.post(
                "/v1/leads/events", json={"events": [FORM_FILL]}, headers=headers("sales")
            ).json()
            alert_id = sent["alerts"][0]
            alert = _alert_when_done(client, alert_id)
    assert receiver.requests == []  # nothing went out unsigned
    assert alert["status"] == "dead" and alert["attempts"] == 1
    assert "LODESTAR_LEAD_WEBHOOK_SECRET" in alert["attempt_log"][0]["error"]


def _alert_when_done(client: TestClient, alert_id: int) -> dict:
    """The alert once its delivery attempts are over (pending no more)."""
    end = time.monotonic() + 60
    while (alert := client.get(f"/v1/leads/alerts/{alert_id}", headers=headers("sales")).json())[
        "status"
    ] == "pending":
        assert time.monotonic() < end, "timed out waiting for the delivery attempt"
        time.sleep(0.05)
    return alert
