"""The lead-loop page: rubric sign-offs by team, the alert inbox and outcome figures, through the
same repository functions as /v1/leads (what the page does, the API shows)."""

from __future__ import annotations

from tests.lead_rubrics import rubric_doc
from tests.serving.leads.conftest import LoopApp
from tests.serving.leads.loop_keys import KEYS, headers
from tests.serving.ui.conftest import csrf_of, signed_in_with

RUBRIC = rubric_doc("Page rubric", (10, 25, 45), {"form_fill >= 1": 30, "demo_request >= 1": 20})


def _sign(page_client, version: int):  # noqa: ANN001, ANN202 - a TestClient and its answer
    page = page_client.get("/leads/loop")
    return page_client.post(
        f"/leads/loop/rubrics/{version}/sign-off",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_sign_off_inbox_and_outcomes_on_the_page(loop_app: LoopApp) -> None:
    with loop_app() as api:
        made = api.post("/v1/leads/rubrics", json={"rubric": RUBRIC}, headers=headers("marketing"))
        version = made.json()["version"]
        marketing = signed_in_with(api, KEYS["marketing"][3])
        sales = signed_in_with(api, KEYS["sales"][3])
        planner = signed_in_with(api, KEYS["planner"][3])

        page = marketing.get("/leads/loop").text
        assert f'data-testid="sign-{version}"' in page and "Sign for marketing" in page
        assert f'data-testid="sign-{version}"' not in planner.get("/leads/loop").text
        assert _sign(planner, version).status_code == 403
        signed = _sign(marketing, version)
        assert signed.status_code == 303 and "waits+for+sales" in signed.headers["location"]
        assert f'data-testid="sign-{version}"' not in marketing.get("/leads/loop").text
        assert _sign(sales, version).status_code == 303
        assert (
            api.get(f"/v1/leads/rubrics/{version}", headers=headers("planner")).json()["status"]
            == "active"
        )

        lead = {"lead_id": "P1", "owner": "sam", "created_date": "2026-11-01", "deal_value": 900}
        api.post("/v1/leads/records", json={"leads": [lead]}, headers=headers("sales"))
        events = [
            {
                "event_id": "p1",
                "lead_id": "P1",
                "activity": "form_fill",
                "occurred_at": "2026-11-20T09:00:00Z",
            },
            {
                "event_id": "p2",
                "lead_id": "P1",
                "activity": "demo_request",
                "occurred_at": "2026-11-20T10:00:00Z",
            },
        ]
        alert_id = api.post(
            "/v1/leads/events", json={"events": events}, headers=headers("sales")
        ).json()["alerts"][0]
        page = sales.get("/leads/loop").text
        assert f'data-alert="{alert_id}"' in page and f'data-testid="read-{alert_id}"' in page
        read = sales.post(
            f"/leads/loop/alerts/{alert_id}/read",
            data={"csrf_token": csrf_of(page)},
            follow_redirects=False,
        )
        assert read.status_code == 303
        shown = api.get(f"/v1/leads/alerts/{alert_id}", headers=headers("sales")).json()
        assert shown["read_by"] == "sami-sales" and shown["status"] == "inbox"

        outcome = {"lead_id": "P1", "outcome": "won", "date": "2026-11-24", "deal_value": 1200}
        api.post("/v1/leads/outcomes", json={"outcomes": [outcome]}, headers=headers("sales"))
        page = marketing.get("/leads/loop").text
    assert "1 leads: 1 won, 0 lost, 0 disqualified, 0 open" in page
    assert 'data-tier="sales-qualified"><td>sales-qualified</td><td class="n">1</td>' in page
