"""Loading one row by key: found (locked or not), a 404 naming the field, a 409 on its status."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.core.errors import ConflictError, NotFoundError
from engine.database.models import SavedScenario
from engine.database.rows import get_row, require_status
from engine.database.setup import open_database


@pytest.mark.parametrize("lock", [False, True])
def test_get_row_finds_the_row_or_names_the_field(database_url: str, lock: bool) -> None:
    db = open_database(database_url)
    with db.write() as session:
        session.add(SavedScenario(name="spring", saved_at="2026-03-01", scenario={"a": 1}))
    with db.write() as session:
        row = get_row(session, SavedScenario, "spring", "scenario 'spring'", "name", lock=lock)
        assert row.scenario == {"a": 1}
        with pytest.raises(NotFoundError, match="^no scenario 'autumn'$") as refused:
            get_row(session, SavedScenario, "autumn", "scenario 'autumn'", "name", lock=lock)
    assert refused.value.field == "name"


@dataclass
class Alert:
    """A stand-in row with a status."""

    status: str


def test_require_status_passes_the_expected_status_and_refuses_another() -> None:
    require_status(Alert("dead"), "dead", "alert 7", "only a dead letter can be sent again", "id")
    with pytest.raises(ConflictError) as refused:
        require_status(
            Alert("pending"), "dead", "alert 7", "only a dead letter can be sent again", "id"
        )
    assert str(refused.value) == "alert 7 is pending: only a dead letter can be sent again"
    assert refused.value.field == "id"
    assert refused.value.current == {"status": "pending"}
