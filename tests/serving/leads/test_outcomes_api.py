"""Item 5 over HTTP: sales records outcomes (audited, with each lead's tier at that moment);
marketing reads conversion, win rate, time to convert, revenue by source and tier conversion."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.lead_rubrics import rubric_doc
from tests.serving.leads.conftest import LoopApp
from tests.serving.leads.loop_keys import headers

RUBRIC = rubric_doc("Outcome rubric", (10, 25, 45), {"form_fills >= 1": 30, "downloads >= 1": 20})
LEADS = [
    # id, source, campaign, created, form_fills, downloads -> rubric points
    ("A", "referral", "spring", "2026-09-01", 1, 1),  # 50 sales-qualified
    ("B", "referral", "spring", "2026-09-01", 1, 0),  # 30 hot
    ("C", "web", "autumn", "2026-09-10", 0, 1),  # 20 warm
    ("D", "web", "autumn", "2026-09-10", 0, 0),  # 0 cold
    ("E", "web", "spring", "2026-09-15", 1, 1),  # 50 sales-qualified, stays open
]
OUTCOMES = [
    {"lead_id": "A", "outcome": "won", "date": "2026-10-01", "deal_value": 1000, "reason": "fit"},
    {"lead_id": "B", "outcome": "lost", "date": "2026-10-15", "reason": "price"},
    {"lead_id": "C", "outcome": "won", "date": "2026-11-19", "deal_value": 250.5},
    {"lead_id": "D", "outcome": "disqualified", "date": "2026-09-20", "reason": "student"},
]


def _setup(client: TestClient) -> None:
    made = client.post("/v1/leads/rubrics", json={"rubric": RUBRIC}, headers=headers("marketing"))
    for team in ("marketing", "sales"):
        client.post(
            f"/v1/leads/rubrics/{made.json()['version']}/sign-off", json={}, headers=headers(team)
        )
    leads = [
        {
            "lead_id": i,
            "source": s,
            "campaign": c,
            "created_date": d,
            "form_fills": f,
            "downloads": dl,
            "deal_value": 500,
        }
        for i, s, c, d, f, dl in LEADS
    ]
    assert client.post(
        "/v1/leads/records", json={"leads": leads}, headers=headers("sales")
    ).is_success


def test_outcomes_in_and_marketing_figures_out(loop_app: LoopApp) -> None:
    with loop_app() as client:
        _setup(client)
        refused = client.post(
            "/v1/leads/outcomes", json={"outcomes": OUTCOMES}, headers=headers("marketing")
        )
        assert refused.status_code == 403 and refused.json()["field"] == "team"
        stored = client.post(
            "/v1/leads/outcomes", json={"outcomes": OUTCOMES}, headers=headers("sales")
        )
        assert stored.status_code == 200, stored.text
        assert stored.json() == {"recorded": 4, "replaced": 0}
        stats = client.get(
            "/v1/leads/stats?by=source&period=month", headers=headers("marketing")
        ).json()
        listed = client.get("/v1/leads/outcomes", headers=headers("marketing")).json()
        audit = client.get("/v1/audit?action=lead.outcome", headers=headers("planner")).json()

    o = stats["overall"]
    assert (o["leads"], o["won"], o["lost"], o["disqualified"], o["open"]) == (5, 2, 1, 1, 1)
    assert o["conversion_rate"] == 2 / 5 and o["win_rate"] == 2 / 3
    assert o["revenue"] == 1250.5
    # A: 30 days (09-01 -> 10-01), C: 70 days (09-10 -> 11-19)
    assert o["median_days_to_convert"] == 50.0
    assert o["open_pipeline"] == 500.0  # E's deal value
    groups = {g["source"]: g for g in stats["groups"]}
    assert groups["referral"]["revenue"] == 1000.0 and groups["web"]["revenue"] == 250.5
    assert groups["referral"]["win_rate"] == 0.5 and groups["web"]["win_rate"] == 1.0
    months = {(r["period"], r["source"]): r["decided"] for r in stats["over_time"]}
    assert months == {
        ("2026-09", "web"): 1,
        ("2026-10", "referral"): 2,
        ("2026-11", "web"): 1,
    }
    tiers = {t["tier"]: (t["decided"], t["won"]) for t in stats["rubric_tiers"]}
    assert tiers == {"cold": (1, 0), "warm": (1, 1), "hot": (1, 0), "sales-qualified": (1, 1)}
    recorded = {r["lead_id"]: r for r in listed["outcomes"]}
    assert recorded["A"]["rubric_tier"] == "sales-qualified" and recorded["A"]["points"] == 50
    assert recorded["B"]["recorded_by"] == "sami-sales"
    assert len(audit["events"]) == 4
    assert {e["detail"]["lead_id"] for e in audit["events"]} == {"A", "B", "C", "D"}


def test_refused_outcomes_store_nothing(loop_app: LoopApp) -> None:
    with loop_app() as client:
        _setup(client)
        unknown = client.post(
            "/v1/leads/outcomes",
            json={"outcomes": [OUTCOMES[0], {**OUTCOMES[1], "lead_id": "Z"}]},
            headers=headers("sales"),
        )
        early = client.post(
            "/v1/leads/outcomes",
            json={"outcomes": [{**OUTCOMES[0], "date": "2026-08-01"}]},
            headers=headers("sales"),
        )
        nothing = client.get("/v1/leads/outcomes", headers=headers("sales")).json()
        bad_period = client.get("/v1/leads/stats?period=week", headers=headers("sales"))
    assert unknown.status_code == 404 and unknown.json()["field"] == "outcomes.1.lead_id"
    assert early.status_code == 422 and early.json()["field"] == "outcomes.0.date"
    assert nothing["outcomes"] == []
    assert bad_period.status_code == 422 and bad_period.json()["field"] == "period"


def test_the_server_schedule_queues_a_visible_training_run_when_due(loop_app: LoopApp) -> None:
    with loop_app(lead_retrain_min_new_outcomes=4) as client:
        _setup(client)
        schedule = client.app.state.retrain_schedule  # type: ignore[attr-defined]
        skipped = schedule.check_once()
        client.post("/v1/leads/outcomes", json={"outcomes": OUTCOMES}, headers=headers("sales"))
        started = schedule.check_once()
        again = schedule.check_once()
        runs = client.get("/v1/training/runs", headers=headers("scientist")).json()["runs"]
        checks = client.get("/v1/leads/retraining", headers=headers("planner")).json()["checks"]
    assert skipped["decision"] == "skipped" and "0 new outcomes" in skipped["reason"]
    assert started["decision"] == "started" and started["outcomes"] == 4
    assert again["decision"] == "skipped" and again["reason"].startswith("last retrain")
    run = next(r for r in runs if r["id"] == started["training_run_id"])
    assert run["family"] == "leads" and run["data"] == started["data"]
    assert [c["decision"] for c in checks] == ["skipped", "started", "skipped"]
