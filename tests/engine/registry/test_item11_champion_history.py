"""Item 11: a full champion history (who, when, from, to, why); rollback undoes the last move."""

from __future__ import annotations

import pytest

from engine.core.errors import ConstraintError
from engine.registry import history, lifecycle
from engine.registry.promotion import TrainResult
from engine.registry.store import CHAMPION, ModelStore, registered_name
from tests.engine.registry.test_store import register


def trained_three(store: ModelStore) -> None:
    """v1, v2, v3 each made champion by its training run, as `lodestar train` does."""
    for n, wape in enumerate((0.3, 0.2, 0.1), 1):
        version = register(store, wape)
        reason = "no champion" if n == 1 else f"challenger beats champion v{n - 1}"
        store.set_champion("sales", version, f"training run r{n}", "train", reason)


def test_item11_rollback_after_promoting_an_old_version_undoes_that_promotion(
    store: ModelStore,
) -> None:
    trained_three(store)
    lifecycle.move_champion(store, "sales", "1", "promote", who="cli (ana)")
    assert store.champion_version("sales") == "1"

    back = lifecycle.rollback(store, "sales", who="api key 1a2b3c4d (data_scientist)")
    assert back.moved and back.previous_champion == "1" and back.target == "3"
    assert store.champion_version("sales") == "3"
    assert lifecycle.rollback(store, "sales").target == "2"  # then the move before
    assert lifecycle.rollback(store, "sales").target == "1"
    with pytest.raises(ConstraintError, match="v1 became champion when there was none"):
        lifecycle.rollback(store, "sales")

    view = lifecycle.history_view(store, "sales")
    assert view["champion"] == "1"
    moves = view["moves"]
    assert [(m["seq"], m["action"], m["from_version"], m["to_version"]) for m in moves] == [
        (7, "rollback", "2", "1"),
        (6, "rollback", "3", "2"),
        (5, "rollback", "1", "3"),
        (4, "promote", "3", "1"),
        (3, "train", "2", "3"),
        (2, "train", "1", "2"),
        (1, "train", None, "1"),
    ]
    assert [m["undoes"] for m in moves[:3]] == [2, 3, 4]
    assert [m["undone"] for m in moves] == [False, False, False, True, True, True, False]
    assert moves[2]["who"] == "api key 1a2b3c4d (data_scientist)"
    assert moves[3]["who"] == "cli (ana)" and moves[6]["who"] == "training run r1"
    assert moves[6]["reason"] == "no champion"
    assert all(m["at"] and m["at"].endswith("+00:00") for m in moves)
    assert set(moves[0]) >= {"family", "seq", "at", "who", "action", "from_version"}


def test_item11_going_back_by_name_to_the_last_source_counts_as_an_undo(
    store: ModelStore,
) -> None:
    trained_three(store)
    back = lifecycle.rollback(store, "sales", "2")
    assert back.moved and store.champion_moves("sales")[-1].undoes == 3
    assert lifecycle.rollback_target(store, "sales") == "1"
    lifecycle.rollback(store, "sales", "3")  # not an undo: a new move...
    assert store.champion_moves("sales")[-1].undoes is None
    assert lifecycle.rollback_target(store, "sales") == "2"  # ...which the next one undoes


def test_item11_an_alias_moved_outside_lodestar_is_not_guessed_over(store: ModelStore) -> None:
    trained_three(store)
    store.client.set_registered_model_alias(registered_name("sales"), CHAMPION, "1")
    with pytest.raises(ConstraintError, match="moved outside Lodestar"):
        lifecycle.rollback_target(store, "sales")


def test_item11_the_old_comma_lineage_still_rolls_back(store: ModelStore) -> None:
    for wape in (0.3, 0.2, 0.1):
        register(store, wape)
    name = registered_name("sales")
    store.client.set_registered_model_alias(name, CHAMPION, "3")
    store.client.set_registered_model_tag(name, history.LEGACY_LINEAGE_TAG, "1,2")
    moves = store.champion_moves("sales")
    assert [(m.from_version, m.to_version) for m in moves] == [(None, "1"), ("1", "2"), ("2", "3")]
    assert lifecycle.rollback(store, "sales").target == "2"
    assert store.champion_moves("sales")[-1].seq == 4  # recorded as a real move from now on


def test_item11_the_history_is_bounded(store: ModelStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(history, "KEPT_MOVES", 3)
    v1, v2 = register(store, 0.3), register(store, 0.2)
    for version in (v1, v2, v1, v2, v1):
        store.set_champion("sales", version)
    assert [m.seq for m in store.champion_moves("sales")] == [3, 4, 5]
    tags = store.client.get_registered_model(registered_name("sales")).tags
    assert sum(key.startswith(history.MOVE_TAG_PREFIX) for key in tags) == 3


@pytest.mark.parametrize(
    ("promoted", "previous", "reason", "outcome"),
    [
        (True, None, "no champion", "now champion (there was none)"),
        (True, "2", "challenger wape 0.1 beats champion v2 0.2", "now champion, replacing v2"),
        (False, "2", "challenger wape 0.3 does not beat champion v2 0.2", "kept v2 as champion"),
    ],
)
def test_item11_training_results_say_what_happened_to_the_champion(
    promoted: bool, previous: str | None, reason: str, outcome: str
) -> None:
    result = TrainResult("sales", "r", "3", promoted, reason, {}, previous)
    assert result.outcome.startswith(outcome)
    assert "no champion)" not in result.outcome
