"""The champion history: every move of the champion alias, who made it, when, from and to, why.

Rollback undoes the last move still in effect (a stack: a rollback takes the move it undid
off, so a second rollback undoes the move before). The history is kept in the MLflow registry
itself, one registered-model tag per move (`lodestar.champion_move.<seq>`, a JSON object), so
it travels with any tracking server; only the last `KEPT_MOVES` are kept. `ChampionHistory`
is the whole interface the registry needs, so another storage (an audit table) can replace
the tags; a `ChampionMove` record has that table's columns.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from engine.registry.faults import StoreHealth, guarded, is_missing

log = logging.getLogger("lodestar.registry.history")

MOVE_TAG_PREFIX = "lodestar.champion_move."
LEGACY_LINEAGE_TAG = "lodestar.champion_history"
"""Before the history, earlier champions were a comma list in this tag (oldest first)."""
KEPT_MOVES = 200
_REASON_LENGTH = 1000
ACTIONS = ("train", "promote", "rollback")


def now_iso() -> str:
    """The current UTC time as ISO 8601 (seconds), the way every move records `at`."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ChampionMove:
    """One move of a family's champion alias; `undoes` is the seq of the move a rollback undid."""

    family: str
    seq: int
    at: str | None
    who: str
    action: str
    from_version: str | None
    to_version: str
    reason: str = ""
    undoes: int | None = None

    def to_record(self) -> dict[str, Any]:
        """A flat record (the columns of an audit table), JSON-ready."""
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ChampionMove:
        undoes = record.get("undoes")
        return cls(
            family=str(record["family"]),
            seq=int(record["seq"]),
            at=record.get("at"),
            who=str(record.get("who") or "unknown"),
            action=str(record.get("action") or "promote"),
            from_version=None
            if record.get("from_version") is None
            else str(record["from_version"]),
            to_version=str(record["to_version"]),
            reason=str(record.get("reason") or ""),
            undoes=None if undoes is None else int(undoes),
        )


class ChampionHistory(Protocol):
    """Where champion moves are kept: read them (oldest first) and add one."""

    def moves(self, family: str) -> list[ChampionMove]: ...

    def append(self, move: ChampionMove) -> ChampionMove:
        """Store the move with the next seq number; returns it as stored."""
        ...


def in_effect(moves: list[ChampionMove]) -> list[ChampionMove]:
    """The moves not undone yet, oldest first: each rollback that undid the top move pops it."""
    stack: list[ChampionMove] = []
    for move in moves:
        if move.undoes is not None and stack and stack[-1].seq == move.undoes:
            stack.pop()
        else:
            stack.append(move)
    return stack


def legacy_moves(family: str, lineage: list[str], champion: str | None) -> list[ChampionMove]:
    """Moves rebuilt from the old comma lineage so rollback keeps working on older stores."""
    if champion is None:
        return []
    chain = [*lineage, champion]
    reason = "recorded before the champion history (who and when unknown)"
    return [
        ChampionMove(family, seq, None, "unknown", "promote", before, after, reason)
        for seq, (before, after) in enumerate(zip([None, *chain[:-1]], chain, strict=True), 1)
    ]


class RegistryTagHistory:
    """Champion moves as registered-model tags in the MLflow registry (any tracking server)."""

    def __init__(
        self,
        client: Callable[[], MlflowClient],
        health: StoreHealth,
        registered_name: Callable[[str], str],
    ) -> None:
        self._client = client
        self._health = health
        self._name = registered_name

    def _tags(self, family: str) -> tuple[dict[str, str], str | None]:
        """The registered model's tags and its champion version (empty before registration)."""
        with guarded(self._health, "read", f"read the {family} champion history"):
            try:
                model = self._client().get_registered_model(self._name(family))
            except MlflowException as exc:
                if not is_missing(exc):
                    raise
                return {}, None
        champion = (model.aliases or {}).get("champion")
        return dict(model.tags or {}), None if champion is None else str(champion)

    def moves(self, family: str) -> list[ChampionMove]:
        tags, champion = self._tags(family)
        found = _recorded(tags)
        if not found and tags.get(LEGACY_LINEAGE_TAG):
            return legacy_moves(family, _lineage(tags), champion)
        return found

    def append(self, move: ChampionMove) -> ChampionMove:
        """Store the move; an old comma lineage is first written out as moves of its own."""
        tags, _ = self._tags(move.family)
        earlier = _recorded(tags)
        if not earlier and tags.get(LEGACY_LINEAGE_TAG):
            earlier = legacy_moves(move.family, _lineage(tags), move.from_version)
            new = [*earlier]
        else:
            new = []
        stored = replace(
            move, seq=earlier[-1].seq + 1 if earlier else 1, reason=move.reason[:_REASON_LENGTH]
        )
        new.append(stored)
        kept = [*earlier, stored][-KEPT_MOVES:]
        name = self._name(move.family)
        with guarded(self._health, "write", f"record the {move.family} champion move"):
            client = self._client()
            for item in new:
                if item in kept:
                    client.set_registered_model_tag(
                        name, _move_key(item.seq), json.dumps(item.to_record())
                    )
            for old in earlier:
                if old not in kept and old not in new:
                    client.delete_registered_model_tag(name, _move_key(old.seq))
        return stored


def _move_key(seq: int) -> str:
    return f"{MOVE_TAG_PREFIX}{seq:06d}"


def _lineage(tags: dict[str, str]) -> list[str]:
    return [v for v in tags.get(LEGACY_LINEAGE_TAG, "").split(",") if v]


def _recorded(tags: dict[str, str]) -> list[ChampionMove]:
    """The moves stored as tags, oldest first (an unreadable tag is skipped with a warning)."""
    found = []
    for key, value in tags.items():
        if not _is_move_key(key):
            continue
        try:
            found.append(ChampionMove.from_record(json.loads(value)))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring an unreadable champion move tag %s", key)
    return sorted(found, key=lambda move: move.seq)


def _is_move_key(key: str) -> bool:
    return key.startswith(MOVE_TAG_PREFIX) and key.removeprefix(MOVE_TAG_PREFIX).isdigit()
