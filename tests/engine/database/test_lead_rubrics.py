"""Rubric versions need two sign-offs (marketing and sales) to become active, and the audit
trail shows both, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import threading

import pytest

from engine.core.errors import ConflictError, DataError, NotFoundError
from engine.database import audit
from engine.database.lead_rubrics import (
    active_rubric,
    create_rubric,
    get_rubric,
    list_rubrics,
    sign_off,
)
from engine.database.setup import open_database
from engine.leads.rubric import rubric_from_dict
from tests.lead_rubrics import rubric_doc

DOC = rubric_doc("Spring", (20, 40, 60), {"downloads >= 1": 15, "source = referral": 10})


def _actions(db) -> list[tuple[str, str, str | None]]:
    with db.read() as session:
        lines = audit.query(session, audit.AuditFilter(action="rubric."))
    return [(e["action"], e["actor"], e.get("after")) for e in lines]


def test_one_team_alone_cannot_activate_and_the_audit_shows_both(database_url: str) -> None:
    db = open_database(database_url)
    made = create_rubric(db, rubric_from_dict(DOC), "maria", "marketing", note="first go")
    version = made["version"]
    assert made["status"] == "draft" and made["waiting_for"] == ["marketing", "sales"]
    once = sign_off(db, version, "marketing", "maria", "looks right")
    assert once["status"] == "draft" and once["waiting_for"] == ["sales"]
    assert active_rubric(db) is None
    with pytest.raises(ConflictError) as again:
        sign_off(db, version, "marketing", "mark", "me too")
    assert "marketing has signed rubric" in again.value.message and again.value.field == "team"
    assert active_rubric(db) is None
    both = sign_off(db, version, "sales", "sam")
    assert both["status"] == "active" and both["waiting_for"] == []
    assert [(s["team"], s["by"]) for s in both["signoffs"]] == [
        ("marketing", "maria"),
        ("sales", "sam"),
    ]
    found = active_rubric(db)
    assert found is not None and found[0] == version and found[1] == rubric_from_dict(DOC)
    assert _actions(db) == [
        ("rubric.create", "maria", "draft"),
        ("rubric.sign_off", "maria", "marketing"),
        ("rubric.sign_off", "sam", "sales"),
        ("rubric.activate", "sam", "active"),
    ]
    with db.read() as session:
        activation = audit.query(session, audit.AuditFilter(action="rubric.activate"))[0]
    assert activation["detail"]["signed_by"] == {"marketing": "maria", "sales": "sam"}
    assert activation["version"] == str(version)


def test_a_new_version_replaces_the_active_one_only_when_signed(database_url: str) -> None:
    db = open_database(database_url)
    first = create_rubric(db, rubric_from_dict(DOC), "maria", "marketing")["version"]
    sign_off(db, first, "sales", "sam")
    sign_off(db, first, "marketing", "maria")
    changed = {**DOC, "rules": [{"when": "downloads >= 1", "points": 20}]}
    second = create_rubric(db, rubric_from_dict(changed), "sam", "sales", based_on=first)
    with db.read() as session:
        created = audit.query(session, audit.AuditFilter(action="rubric.create"))[-1]
    assert created["detail"]["changes"] == [
        "removed 'source = referral' (+10)",
        "'downloads >= 1': +15 -> +20",
    ]
    assert active_rubric(db)[0] == first
    sign_off(db, second["version"], "sales", "sam")
    assert active_rubric(db)[0] == first
    sign_off(db, second["version"], "marketing", "maria")
    assert active_rubric(db)[0] == second["version"]
    assert get_rubric(db, first)["status"] == "retired"
    assert [r["status"] for r in list_rubrics(db)] == ["active", "retired"]
    with pytest.raises(ConflictError, match="only a draft can be signed"):
        sign_off(db, first, "sales", "sam")


def test_refusals_name_the_field(database_url: str) -> None:
    db = open_database(database_url)
    version = create_rubric(db, rubric_from_dict(DOC), "maria", "marketing")["version"]
    with pytest.raises(DataError) as bad_team:
        sign_off(db, version, "finance", "fred")
    assert bad_team.value.field == "team"
    with pytest.raises(NotFoundError) as missing:
        sign_off(db, version + 5, "sales", "sam")
    assert missing.value.field == "rubric_id"
    with pytest.raises(NotFoundError):
        create_rubric(db, rubric_from_dict(DOC), "maria", based_on=99)


def test_two_teams_signing_at_once_activate_it_exactly_once(database_url: str) -> None:
    db = open_database(database_url)
    for _ in range(5):
        version = create_rubric(db, rubric_from_dict(DOC), "maria", "marketing")["version"]
        barrier = threading.Barrier(2)

        def sign(team: str, version: int = version, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            sign_off(db, version, team, f"{team}-lead")

        threads = [threading.Thread(target=sign, args=(t,)) for t in ("marketing", "sales")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert get_rubric(db, version)["status"] == "active"
    with db.read() as session:
        activations = audit.query(session, audit.AuditFilter(action="rubric.activate"))
    assert len(activations) == 5
    assert [r["status"] for r in list_rubrics(db)].count("active") == 1
