"""Item 3: a score shows the rubric's points with the rules that fired and the model's
probability with its reasons; the deployment setting says which one sets the tier."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from tests.lead_rubrics import rubric_doc
from tests.serving.leads.conftest import LoopApp
from tests.serving.leads.loop_keys import headers

RULES: list[tuple[str, Callable[[dict], bool], int]] = [
    ("downloads >= 1", lambda row: (row["downloads"] or 0) >= 1, 10),
    ("form_fills >= 1", lambda row: (row["form_fills"] or 0) >= 1, 20),
    ("source = referral", lambda row: row["source"] == "referral", 15),
    ("industry = education", lambda row: row["industry"] == "education", -5),
]
"""The rubric's rules: condition as written, the same condition checked by hand, points."""
RUBRIC = rubric_doc(
    "Test rubric", (10, 25, 40), {when: p for when, _, p in RULES}, decay_per_week=0
)


def _rows(leads_csv: Path, n: int) -> list[dict]:
    frame = pd.read_csv(leads_csv).drop(columns=["converted", "conversion_date"]).head(n)
    return frame.replace({np.nan: None}).to_dict(orient="records")


def _by_hand(row: dict) -> tuple[int, list[str]]:
    """Points and fired rules of one lead, rule by rule."""
    fired = [(when, points) for when, holds, points in RULES if holds(row)]
    return sum(p for _, p in fired), [r for r, _ in fired]


def _tier_of(points: int) -> str:
    return (
        "sales-qualified"
        if points >= 40
        else "hot"
        if points >= 25
        else "warm"
        if points >= 10
        else "cold"
    )


def _activate(client: TestClient) -> int:
    made = client.post("/v1/leads/rubrics", json={"rubric": RUBRIC}, headers=headers("marketing"))
    assert made.status_code == 201, made.text
    version = made.json()["version"]
    signed = client.post(
        f"/v1/leads/rubrics/{version}/sign-off", json={}, headers=headers("marketing")
    )
    assert signed.json()["status"] == "draft" and signed.json()["waiting_for"] == ["sales"]
    done = client.post(f"/v1/leads/rubrics/{version}/sign-off", json={}, headers=headers("sales"))
    assert done.status_code == 200 and done.json()["status"] == "active"
    return version


def test_model_sets_the_tier_until_a_rubric_is_signed(
    loop_app: LoopApp, loop_leads_csv: Path
) -> None:
    rows = _rows(loop_leads_csv, 200)
    with loop_app() as client:
        before = client.post("/v1/leads/score", json={"leads": rows}, headers=headers("planner"))
        assert before.status_code == 200, before.text
        body = before.json()
        assert body["tier_source"] == "model" and body["rubric"] is None
        for lead in body["scored"]:
            assert lead["tier"] == lead["model_tier"] and lead["points"] is None
            assert lead["tier_source"] == "model" and lead["rules_fired"] == []

        version = _activate(client)
        after = client.post("/v1/leads/score", json={"leads": rows}, headers=headers("planner"))
    body = after.json()
    assert body["tier_source"] == f"rubric v{version}"
    assert body["rubric"]["version"] == version
    model_before = {
        s["lead_id"]: (s["probability"], s["model_tier"]) for s in before.json()["scored"]
    }
    tiers_differ = 0
    for lead in body["scored"]:
        row = rows[lead["row"]]
        points, rules = _by_hand(row)
        assert lead["points"] == points, row
        assert [f["rule"] for f in lead["rules_fired"]] == rules
        assert lead["rubric_tier"] == _tier_of(points) == lead["tier"]
        assert lead["tier_source"] == f"rubric v{version}"
        # the model's view is still there, unchanged: probability, its tier and reasons
        assert (lead["probability"], lead["model_tier"]) == model_before[lead["lead_id"]]
        assert lead["reasons"] and lead["reason_1"] == lead["reasons"][0]["text"]
        tiers_differ += lead["tier"] != lead["model_tier"]
    assert tiers_differ > 0  # the test would notice if the model's tier were still used


def test_the_setting_can_keep_the_model_in_charge(loop_app: LoopApp, loop_leads_csv: Path) -> None:
    rows = _rows(loop_leads_csv, 100)
    with loop_app() as client:
        version = _activate(client)
    with loop_app(lead_tier_source="model") as client:
        answer = client.post("/v1/leads/score", json={"leads": rows}, headers=headers("planner"))
    body = answer.json()
    assert body["tier_source"] == "model"
    for lead in body["scored"]:
        assert lead["tier"] == lead["model_tier"]
        assert lead["rubric_version"] == version
        assert lead["points"] == _by_hand(rows[lead["row"]])[0]


def test_one_team_alone_cannot_activate_and_a_teamless_key_cannot_sign(
    loop_app: LoopApp,
) -> None:
    with loop_app() as client:
        made = client.post("/v1/leads/rubrics", json={"rubric": RUBRIC}, headers=headers("sales"))
        version = made.json()["version"]
        client.post(f"/v1/leads/rubrics/{version}/sign-off", json={}, headers=headers("sales"))
        again = client.post(
            f"/v1/leads/rubrics/{version}/sign-off", json={}, headers=headers("sales")
        )
        assert again.status_code == 409 and again.json()["field"] == "team"
        teamless = client.post(
            f"/v1/leads/rubrics/{version}/sign-off", json={}, headers=headers("planner")
        )
        assert teamless.status_code == 403 and teamless.json()["field"] == "team"
        listed = client.get("/v1/leads/rubrics", headers=headers("planner")).json()
        assert listed["active"] is None and listed["rubrics"][0]["waiting_for"] == ["marketing"]
        bad = dict(RUBRIC, rules=[{"when": "downloads >= lots", "points": 5}])
        refused = client.post("/v1/leads/rubrics", json={"rubric": bad}, headers=headers("sales"))
        assert refused.status_code == 422 and refused.json()["field"] == "rules.0.when"
        audit = client.get("/v1/audit?action=rubric.", headers=headers("planner")).json()
    actions = [(line["action"], line["actor"]) for line in audit["events"]]
    assert actions[:2] == [("rubric.create", "sami-sales"), ("rubric.sign_off", "sami-sales")]
