"""Item 7 over HTTP: reps, a proposed allocation of open leads (territory, capacity, fairness
cap), its expected pipeline per rep and territory, accepted only by a sales manager, audited."""

from __future__ import annotations

import pytest

from tests.serving.leads.conftest import LoopApp
from tests.serving.leads.loop_keys import headers

REPS = {
    "sam": {"territories": ["North"], "weekly_capacity": 2},
    "kim": {"territories": ["North", "South"], "weekly_capacity": 2},
    "lee": {"territories": ["South"], "segments": ["smb"], "weekly_capacity": 1},
}


def _leads() -> list[dict]:
    rows = []
    for i in range(10):
        rows.append(
            {
                "lead_id": f"A{i}",
                "region": "North" if i % 2 else "South",
                "segment": "smb" if i % 3 else "ent",
                "created_date": "2026-11-01",
                "source": "referral" if i % 4 == 0 else "web",
                "form_fills": i % 3,
                "site_visits": i,
                "deal_value": 1000.0 * (i + 1),
            }
        )
    rows.append({**rows[0], "lead_id": "OWNED", "owner": "sam"})
    rows.append({**rows[1], "lead_id": "NOWHERE", "region": "West"})
    return rows


def test_propose_check_and_accept_an_allocation(loop_app: LoopApp) -> None:
    with loop_app() as client:
        for name, rep in REPS.items():
            put = client.put(f"/v1/leads/reps/{name}", json=rep, headers=headers("sales"))
            assert put.status_code == 200, put.text
        denied = client.put("/v1/leads/reps/x", json=REPS["sam"], headers=headers("marketing"))
        assert denied.status_code == 403
        assert client.post(
            "/v1/leads/records", json={"leads": _leads()}, headers=headers("sales")
        ).is_success
        made = client.post(
            "/v1/leads/allocations",
            json={"segment_column": "segment", "fairness_cap": 0.6},
            headers=headers("sales"),
        )
        assert made.status_code == 201, made.text
        proposal = made.json()
        probability = {
            lead["lead_id"]: client.get(
                f"/v1/leads/records/{lead['lead_id']}", headers=headers("sales")
            ).json()["probability"]
            for lead in _leads()
        }
        by_planner = client.post(
            f"/v1/leads/allocations/{proposal['id']}/accept", json={}, headers=headers("sales")
        )
        accepted = client.post(
            f"/v1/leads/allocations/{proposal['id']}/accept",
            json={"comment": "ok for this week"},
            headers=headers("manager"),
        )
        again = client.post(
            f"/v1/leads/allocations/{proposal['id']}/accept", json={}, headers=headers("manager")
        )
        owners = {
            lead["lead_id"]: client.get(
                f"/v1/leads/records/{lead['lead_id']}", headers=headers("sales")
            ).json()["owner"]
            for lead in _leads()
        }
        audit = client.get("/v1/audit?action=allocation.", headers=headers("planner")).json()

    leads = {lead["lead_id"]: lead for lead in _leads()}
    items = proposal["items"]
    assert {i["lead_id"] for i in items} <= set(leads) - {"OWNED", "NOWHERE"}
    counts: dict[str, int] = {}
    for item in items:
        rep = REPS[item["rep"]]
        assert leads[item["lead_id"]]["region"] in rep["territories"]
        if rep.get("segments"):
            assert leads[item["lead_id"]]["segment"] in rep["segments"]
        counts[item["rep"]] = counts.get(item["rep"], 0) + 1
        value = probability[item["lead_id"]] * leads[item["lead_id"]]["deal_value"]
        assert item["expected_value"] == pytest.approx(value)
    assert all(counts[r] <= REPS[r]["weekly_capacity"] for r in counts)
    assert set(counts) == set(REPS)  # each rep has eligible leads and gets some
    total = sum(i["expected_value"] for i in items)
    assert proposal["objective"] == pytest.approx(total)
    per_rep = {r["rep"]: r["expected_value"] for r in proposal["summary"]["reps"]}
    assert max(per_rep.values()) <= 0.6 * total + 1e-6
    assert proposal["objective"] >= proposal["greedy_objective"] - 1e-6
    assert proposal["solver"].startswith(("milp", "greedy"))
    assert proposal["summary"]["territories"][0]["territory"] == "North"
    assert by_planner.status_code == 403 and by_planner.json()["field"] == "team"
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert again.status_code == 409
    for item in items:
        assert owners[item["lead_id"]] == item["rep"]
    assert owners["OWNED"] == "sam" and owners["NOWHERE"] is None
    actions = [(e["action"], e["actor"]) for e in audit["events"]]
    assert actions == [
        ("allocation.propose", "sami-sales"),
        ("allocation.accept", "mona-manager"),
    ]
