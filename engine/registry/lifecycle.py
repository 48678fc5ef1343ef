"""Champion/challenger views and alias moves shared by the API and `lodestar models`.

Promotion and rollback only move the `champion` alias. Before the alias moves the target
version is loaded once, so the alias never points at a model that cannot serve; the answer
always carries the champion-vs-challenger metrics so the caller sees what they chose.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from engine.core.errors import (
    ConstraintError,
    NoChampionError,
    NotFoundError,
    StoreUnavailableError,
)
from engine.core.families import FAMILIES
from engine.registry.history import in_effect
from engine.registry.store import ModelStore, ModelVersionInfo, registered_name

_RANGE_START = ("history_start", "data_start", "train_start")
_RANGE_END = ("history_end", "data_end", "train_end")
_PROMOTION_PREFIXES = ("challenger_", "champion_")


def _first(params: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((params[n] for n in names if params.get(n)), None)


def version_summary(info: ModelVersionInfo) -> dict[str, Any]:
    """What data scientists read about a version: metrics, data range, when it was trained."""
    trained = (
        dt.datetime.fromtimestamp(info.created_at / 1000, tz=dt.UTC) if info.created_at else None
    )
    metrics = {
        k: v
        for k, v in sorted(info.metrics.items())
        if not k.startswith(_PROMOTION_PREFIXES) and math.isfinite(v)
    }
    return {
        "version": info.version,
        "aliases": list(info.aliases),
        "is_champion": info.is_champion,
        "run_id": info.run_id,
        "trained_at": trained.isoformat() if trained else None,
        "data_start": _first(info.params, _RANGE_START),
        "data_end": _first(info.params, _RANGE_END),
        "model": info.params.get("model"),
        "metrics": metrics,
    }


def family_overview(store: ModelStore, family: str, limit: int = 10) -> dict[str, Any]:
    """A family's champion and its most recent challengers (newest first)."""
    versions = store.versions(family)
    champion = next((v for v in versions if v.is_champion), None)
    challengers = [v for v in versions if not v.is_champion][:limit]
    return {
        "family": family,
        "registered_model": registered_name(family),
        "champion": version_summary(champion) if champion else None,
        "challengers": [version_summary(v) for v in challengers],
        "n_versions": len(versions),
    }


def overview(store: ModelStore, limit: int = 10) -> list[dict[str, Any]]:
    return [family_overview(store, family, limit) for family in FAMILIES]


def compare(champion: ModelVersionInfo | None, challenger: ModelVersionInfo) -> list[dict]:
    """Metric rows: champion value, challenger value and challenger minus champion."""
    ours = version_summary(challenger)["metrics"]
    theirs = version_summary(champion)["metrics"] if champion else {}
    rows = []
    for name in sorted(set(ours) | set(theirs)):
        a, b = theirs.get(name), ours.get(name)
        diff = b - a if a is not None and b is not None else None
        rows.append({"metric": name, "champion": a, "challenger": b, "difference": diff})
    return rows


@dataclass
class AliasMove:
    """The outcome of a promotion or rollback (or its preview)."""

    family: str
    action: str
    previous_champion: str | None
    target: str
    moved: bool
    dry_run: bool
    comparison: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "action": self.action,
            "previous_champion": self.previous_champion,
            "champion": self.target if self.moved else self.previous_champion,
            "target": self.target,
            "moved": self.moved,
            "dry_run": self.dry_run,
            "comparison": self.comparison,
            "message": self.message,
        }


def undo_target(store: ModelStore, family: str) -> tuple[str, int]:
    """(version to return to, seq of the move undone): the last champion move still in effect.

    Refused with the reason when there is none, when it made the first champion, when the
    alias was moved outside Lodestar since, or when the earlier version is gone.
    """
    current = store.champion_version(family)
    if current is None:
        raise NoChampionError(f"{family} has no champion to roll back from", "family")
    stack = in_effect(store.champion_moves(family))
    if not stack:
        raise ConstraintError(
            f"no earlier {family} champion is recorded: name the version to go back to "
            '(--to VERSION, or "version" in the request)',
            "version",
        )
    last = stack[-1]
    if last.to_version != current:
        raise ConstraintError(
            f"the {family} champion history ends at v{last.to_version} but the champion is "
            f"v{current} (moved outside Lodestar?): name the version to go back to",
            "version",
        )
    if last.from_version is None:
        raise ConstraintError(
            f"{family} v{current} became champion when there was none: nothing to roll back to",
            "version",
        )
    existing = {v.version for v in store.versions(family)}
    if last.from_version not in existing:
        raise ConstraintError(
            f"the last {family} move came from v{last.from_version}, which no longer exists: "
            "name the version to go back to",
            "version",
        )
    return last.from_version, last.seq


def rollback_target(store: ModelStore, family: str) -> str:
    """The version a rollback returns to: the one the last move in effect came from."""
    return undo_target(store, family)[0]


def rollback(
    store: ModelStore,
    family: str,
    version: str | None = None,
    dry_run: bool = False,
    loader: Any = None,
    installer: Any = None,
    who: str = "local",
) -> AliasMove:
    """Undo the last champion move (or go back to `version`), recorded as a rollback.

    Going back to the version the last move came from counts as undoing that move, so the
    next rollback undoes the move before it.
    """
    undoes = None
    if version is None:
        version, undoes = undo_target(store, family)
    else:
        stack = in_effect(store.champion_moves(family))
        current = store.champion_version(family)
        last = stack[-1] if stack else None
        if last and last.from_version == str(version).strip() and last.to_version == current:
            undoes = last.seq
    return move_champion(
        store, family, version, "rollback", dry_run, loader, installer, who, undoes=undoes
    )


def move_champion(
    store: ModelStore,
    family: str,
    version: str,
    action: str,
    dry_run: bool = False,
    loader: Any = None,
    installer: Any = None,
    who: str = "local",
    undoes: int | None = None,
) -> AliasMove:
    """Compare, check the target loads, then move the alias (unless dry_run) and record it."""
    registered_name(family)
    version = str(version).strip()
    if not version.isdigit():
        raise NotFoundError(f"{family} model has no version {version}", "version")
    target = store.version_info(family, version)
    previous = store.champion_version(family)
    champion = store.version_info(family, previous) if previous else None
    comparison = compare(champion, target)

    def answer(moved: bool, message: str) -> AliasMove:
        return AliasMove(
            family, action, previous, version, moved, dry_run and not moved, comparison, message
        )

    if previous == version:
        return answer(False, f"v{version} is already the {family} champion")
    if dry_run:
        return answer(
            False, f"dry run: would move the {family} champion from v{previous} to v{version}"
        )
    try:
        payload = (loader or store.load_version)(family, version)
    except StoreUnavailableError:
        raise  # the store is broken, not the version: 503 with the store's reason
    except Exception as exc:
        raise ConstraintError(
            f"{family} v{version} could not be loaded ({type(exc).__name__}: {exc}); "
            "the champion alias was not moved",
            "version",
        ) from exc
    reason = f"undoes move #{undoes}" if undoes is not None else f"{action} requested"
    store.set_champion(family, version, who, action, reason, undoes)
    if installer is not None:
        installer(family, version, payload)
    return answer(True, f"{family} champion moved from v{previous} to v{version}")


def history_view(store: ModelStore, family: str, limit: int = 50) -> dict[str, Any]:
    """The family's champion and its recorded moves, newest first (at most `limit`)."""
    moves = store.champion_moves(family)
    undone = {m.undoes for m in moves if m.undoes is not None}
    return {
        "family": family,
        "champion": store.champion_version(family),
        "moves": [{**m.to_record(), "undone": m.seq in undone} for m in reversed(moves[-limit:])],
    }
