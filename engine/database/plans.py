"""Plans in the database: create from the sales champion, read, copy, compare, override, pin,
and move versions through submit → approve/reject → lock. Each call is one transaction.

An edit locks its version row first (`SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE`
on SQLite), then reads the quarter's cells, checks the caller's revision, and writes every
changed cell, the version's new revision, the override and its audit line together: two
workers never lose an update, and a crash leaves the plan exactly as before or after.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from engine.core.errors import ConflictError, DataError, NotFoundError
from engine.core.intervals import BANDS
from engine.database import approvals, audit
from engine.database.models import Plan, PlanCell, PlanOverride, PlanVersion, utc_now
from engine.database.rows import inserted
from engine.database.setup import Database
from engine.forecasting.quarterly import QuarterlyCache, QuarterQuery
from engine.planning.answers import (
    EDITABLE,
    cell_record,
    compare_cells,
    quarter_labels,
)
from engine.planning.disaggregation import OverrideRequest, disaggregate
from engine.planning.hierarchy import Hierarchy, level_name

BASELINE = "baseline"
VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
CELL_COLUMNS = [
    "id",
    "position",
    "quarter",
    "baseline",
    "lo_80",
    "hi_80",
    "lo_95",
    "hi_95",
    "value",
    "pinned",
    "revision",
    "revenue",
    "margin",
]

_hierarchies: dict[tuple[Any, ...], Hierarchy] = {}
_hierarchies_lock = threading.Lock()


def hierarchy_of(plan: Plan) -> Hierarchy:
    """The plan's hierarchy (built once per plan and process: it never changes)."""
    session = Session.object_session(plan)
    url = session.get_bind().engine.url.render_as_string() if session is not None else ""
    key = (url, plan.id, plan.created_at.isoformat())
    with _hierarchies_lock:
        found = _hierarchies.get(key)
    if found is None:
        series = pd.DataFrame(plan.series, columns=plan.columns)
        found = Hierarchy.build(series, plan.keys)
        with _hierarchies_lock:
            _hierarchies[key] = found
    return found


def check_version_name(name: str) -> str:
    if not VERSION_NAME.match(name or ""):
        raise DataError(
            f"version name '{name}' must be 1-80 letters, digits, '_', '.' or '-'", "name"
        )
    return name


# -- reading ------------------------------------------------------------------------------------
def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFoundError(f"no plan {plan_id}", "plan_id")
    return plan


def get_version(session: Session, plan_id: int, name: str, lock: bool = False) -> PlanVersion:
    """A plan's version by name (locked for update when `lock`)."""
    stmt = select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.name == name)
    if lock:
        stmt = stmt.with_for_update()
    version = session.scalars(stmt).first()
    if version is None:
        get_plan(session, plan_id)
        raise NotFoundError(f"plan {plan_id} has no version '{name}'", "version")
    return version


def cells_frame(
    session: Session, version_id: int, quarters: list[str] | None = None
) -> pd.DataFrame:
    """A version's cells (optionally some quarters) as a frame, by position then quarter."""
    stmt = select(*(getattr(PlanCell, c) for c in CELL_COLUMNS)).where(
        PlanCell.version_id == version_id
    )
    if quarters is not None:
        stmt = stmt.where(PlanCell.quarter.in_(quarters))
    rows = session.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=CELL_COLUMNS)
    return frame.sort_values(["position", "quarter"], ignore_index=True)


class QuarterCells:
    """One quarter's cells of a version as arrays indexed by position (the override's read)."""

    def __init__(self, rows: list[Any], n_groups: int) -> None:
        columns: list[tuple[Any, ...]] = (
            list(zip(*rows, strict=True)) if rows else [() for _ in CELL_COLUMNS]
        )
        self.data = dict(zip(CELL_COLUMNS, columns, strict=True))
        positions = np.asarray(self.data["position"], dtype=int)
        if len(positions) != n_groups or (positions != np.arange(n_groups)).any():
            raise RuntimeError("a version's quarter does not hold one cell per group")

    def array(self, name: str, dtype: Any = float) -> np.ndarray:
        return np.asarray(self.data[name], dtype=dtype)

    def row(self, i: int, **changes: Any) -> SimpleNamespace:
        """Cell `i` as a row object for cell_record, with some fields replaced."""
        return SimpleNamespace(**{**{c: self.data[c][i] for c in CELL_COLUMNS}, **changes})


def quarter_cells(session: Session, version_id: int, quarter: str, n_groups: int) -> QuarterCells:
    """One quarter's cells of a version, ordered by position."""
    rows = session.execute(
        text(
            f"SELECT {', '.join(CELL_COLUMNS)} FROM plan_cells "
            "WHERE version_id = :version AND quarter = :quarter ORDER BY position"
        ),
        {"version": version_id, "quarter": quarter},
    ).all()
    return QuarterCells(list(rows), n_groups)


def write_cells(
    session: Session,
    ids: np.ndarray,
    values: np.ndarray,
    revisions: np.ndarray,
    pinned: np.ndarray,
) -> None:
    """Update many cells in one statement (PostgreSQL: unnest arrays; SQLite: executemany)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "UPDATE plan_cells AS c SET value = v.value, revision = v.revision, "
                "pinned = v.pinned FROM unnest(CAST(:ids AS integer[]), "
                "CAST(:vals AS double precision[]), CAST(:revs AS integer[]), "
                "CAST(:pins AS boolean[])) AS v(id, value, revision, pinned) WHERE c.id = v.id"
            ),
            {
                "ids": [int(i) for i in ids],
                "vals": [float(v) for v in values],
                "revs": [int(r) for r in revisions],
                "pins": [bool(p) for p in pinned],
            },
        )
        return
    session.connection().exec_driver_sql(
        "UPDATE plan_cells SET value = ?, revision = ?, pinned = ? WHERE id = ?",
        [
            (float(v), int(r), bool(p), int(i))
            for i, v, r, p in zip(ids, values, revisions, pinned, strict=True)
        ],
    )


def version_summary(version: PlanVersion) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": version.name,
        "state": version.state,
        "revision": version.revision,
        "source": version.source,
        "created_by": version.created_by,
        "created_at": version.created_at.isoformat(),
    }
    for name in ("copied_from", "scenario_id", "submitted_by", "decided_by", "decision_comment"):
        if getattr(version, name) is not None:
            out[name] = getattr(version, name)
    for name in ("submitted_at", "decided_at", "locked_at"):
        value = getattr(version, name)
        if value is not None:
            out[name] = value.isoformat()
    if version.locked_by is not None:
        out["locked_by"] = version.locked_by
    return out


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "name": plan.name,
        "quarters": list(plan.quarters),
        "champion_version": plan.champion_version,
        "fiscal_start_month": plan.fiscal_start_month,
        "levels": hierarchy_of(plan).level_names,
        "series": len(plan.series),
        "created_by": plan.created_by,
        "created_at": plan.created_at.isoformat(),
        "versions": [version_summary(v) for v in plan.versions],
    }


def list_plans(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        plans = session.scalars(select(Plan).order_by(Plan.id)).all()
        return [plan_summary(p) for p in plans]


def hierarchy_for(db: Database, plan_id: int) -> Hierarchy:
    """A plan's hierarchy by id."""
    with db.read() as session:
        return hierarchy_of(get_plan(session, plan_id))


def show_plan(db: Database, plan_id: int) -> dict[str, Any]:
    with db.read() as session:
        return plan_summary(get_plan(session, plan_id))


def check_quarters(plan: Plan, quarters: list[str] | None) -> list[str] | None:
    if quarters is None:
        return None
    unknown = [q for q in quarters if q not in plan.quarters]
    if unknown:
        raise DataError(
            f"quarter {unknown[0]} is not in plan {plan.id} ({', '.join(plan.quarters)})",
            "quarters",
        )
    return quarters


def filtered_positions(
    hierarchy: Hierarchy, level: str | None, filters: dict[str, list[str]]
) -> np.ndarray:
    """Groups of a level (or all) lying wholly inside the series a key filter selects."""
    positions = hierarchy.positions_of(level)
    if not filters:
        return positions
    inside = np.ones(len(hierarchy.series), dtype=bool)
    for key, values in filters.items():
        if key not in hierarchy.columns:
            raise DataError(
                f"unknown filter '{key}': this plan's keys are {', '.join(hierarchy.columns)}", key
            )
        inside &= hierarchy.series[key].isin(values).to_numpy()
    members = hierarchy.members[positions]
    keep = members.any(axis=1) & ~(members & ~inside).any(axis=1)
    return positions[keep]


def read_cells(
    db: Database,
    plan_id: int,
    version: str = BASELINE,
    level: str | None = None,
    quarters: list[str] | None = None,
    filters: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A version's cells with level, quarter and key filters."""
    with db.read() as session:
        plan = get_plan(session, plan_id)
        found = get_version(session, plan_id, version)
        hierarchy = hierarchy_of(plan)
        positions = filtered_positions(hierarchy, level, filters or {})
        frame = cells_frame(session, found.id, check_quarters(plan, quarters))
        frame = frame[frame["position"].isin(positions)]
        return {
            "plan_id": plan.id,
            "version": version_summary(found),
            "cells": [cell_record(hierarchy, row) for row in frame.itertuples(index=False)],
        }


# -- creating -----------------------------------------------------------------------------------
def baseline_cells(
    hierarchy: Hierarchy, cache: QuarterlyCache, quarters: list[pd.Period]
) -> pd.DataFrame:
    """Every group and quarter: the statistical mean (sum of the bottom means) and 80/95% bands."""
    labels = quarter_labels(quarters)
    n_groups = len(hierarchy.groups)
    bands = {name: np.zeros((n_groups, len(labels))) for name in ("mean", *BANDS)}
    for level in hierarchy.levels:
        rows = cache.quarterly(QuarterQuery(quarters, {}, list(level)))
        name = level_name(level)
        for row in rows:
            key = "|".join(str(row[c]) for c in level)
            i = hierarchy.position(name, key)
            j = labels.index(row["quarter"])
            for band in bands:
                bands[band][i, j] = row[band]
    bottom_mean = bands["mean"][hierarchy.bottom]  # series x quarters
    mean = hierarchy.aggregate(bottom_mean.T).T  # groups x quarters, coherent by construction
    frame = pd.DataFrame(
        {
            "position": np.repeat(np.arange(n_groups), len(labels)),
            "quarter": np.tile(labels, n_groups),
            "baseline": mean.ravel(),
            **{band: bands[band].ravel() for band in BANDS},
        }
    )
    frame["value"] = frame["baseline"]
    return frame


def create_plan(
    db: Database,
    cache: QuarterlyCache,
    champion_version: str,
    quarters: list[pd.Period],
    name: str,
    actor: str,
) -> dict[str, Any]:
    """A plan with version 'baseline': every level and quarter from the sales champion."""
    source = cache.source
    index = source.index.astype(str).reset_index(drop=True)
    hierarchy = Hierarchy.build(index, list(source.keys))
    cells = baseline_cells(hierarchy, cache, quarters)
    labels = quarter_labels(quarters)
    with db.write() as session:
        plan = inserted(
            session,
            Plan(
                name=name,
                keys=list(source.keys),
                columns=list(index.columns),
                series=index.to_numpy().tolist(),
                quarters=labels,
                fiscal_start_month=cache.fiscal_start_month,
                champion_version=str(champion_version),
                freq=str(source.freq),
                created_by=actor,
            ),
        )
        version = inserted(
            session,
            PlanVersion(
                plan_id=plan.id,
                name=BASELINE,
                state="draft",
                revision=1,
                source=f"sales champion v{champion_version}",
                created_by=actor,
            ),
        )
        rows = cells_rows(hierarchy, cells, version.id)
        session.execute(insert(PlanCell), rows)
        audit.record(
            session,
            actor,
            "plan.create",
            plan_id=plan.id,
            version=BASELINE,
            after=f"sales champion v{champion_version}",
            detail={"quarters": labels, "cells": len(rows), "name": name},
        )
        session.flush()
        session.refresh(plan)
        return plan_summary(plan)


def cells_rows(hierarchy: Hierarchy, cells: pd.DataFrame, version_id: int) -> list[dict]:
    """Insert rows for a version's cells (revision 1)."""
    levels = [g.level for g in hierarchy.groups]
    keys = [g.key for g in hierarchy.groups]
    out = []
    for row in cells.itertuples(index=False):
        p = int(row.position)
        out.append(
            {
                "version_id": version_id,
                "position": p,
                "level": levels[p],
                "key": keys[p],
                "quarter": row.quarter,
                "baseline": float(row.baseline),
                "lo_80": float(row.lo_80),
                "hi_80": float(row.hi_80),
                "lo_95": float(row.lo_95),
                "hi_95": float(row.hi_95),
                "value": float(row.value),
                "pinned": bool(getattr(row, "pinned", False)),
                "revision": 1,
                "revenue": _optional(getattr(row, "revenue", None)),
                "margin": _optional(getattr(row, "margin", None)),
            }
        )
    return out


def _optional(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


# -- versions -----------------------------------------------------------------------------------
def copy_version(
    db: Database, plan_id: int, source_name: str, new_name: str, actor: str
) -> dict[str, Any]:
    """A new draft version holding the source version's numbers, pins and override history."""
    check_version_name(new_name)
    with db.write() as session:
        plan = get_plan(session, plan_id)
        source = get_version(session, plan_id, source_name)
        version = new_version(session, plan, new_name, f"copy of {source_name}", actor)
        version.copied_from = source_name
        frame = cells_frame(session, source.id)
        session.execute(insert(PlanCell), cells_rows(hierarchy_of(plan), frame, version.id))
        overrides = session.scalars(
            select(PlanOverride).where(PlanOverride.version_id == source.id)
        ).all()
        for o in overrides:
            session.add(
                PlanOverride(
                    **{c: getattr(o, c) for c in OVERRIDE_COPIED},
                    version_id=version.id,
                )
            )
        audit.record(
            session,
            actor,
            "plan.copy",
            plan_id=plan.id,
            version=new_name,
            before=source_name,
            after=new_name,
        )
        session.flush()
        return version_summary(version)


OVERRIDE_COPIED = (
    "level",
    "key",
    "quarter",
    "method",
    "amount",
    "before",
    "after",
    "reason",
    "comment",
    "actor",
    "at",
)


def new_version(session: Session, plan: Plan, name: str, source: str, actor: str) -> PlanVersion:
    """Insert an empty draft version; a taken name is a conflict."""
    taken = session.scalars(
        select(PlanVersion.id).where(PlanVersion.plan_id == plan.id, PlanVersion.name == name)
    ).first()
    if taken is not None:
        raise ConflictError(f"plan {plan.id} already has a version '{name}'", "name")
    return inserted(
        session,
        PlanVersion(
            plan_id=plan.id, name=name, state="draft", revision=1, source=source, created_by=actor
        ),
    )


def compare_versions(
    db: Database,
    plan_id: int,
    a: str,
    b: str,
    level: str | None = None,
    quarters: list[str] | None = None,
    changed_only: bool = False,
) -> dict[str, Any]:
    """Two versions cell by cell (b minus a)."""
    with db.read() as session:
        plan = get_plan(session, plan_id)
        va, vb = get_version(session, plan_id, a), get_version(session, plan_id, b)
        hierarchy = hierarchy_of(plan)
        wanted = check_quarters(plan, quarters)
        positions = hierarchy.positions_of(level)
        fa, fb = cells_frame(session, va.id, wanted), cells_frame(session, vb.id, wanted)
        fa, fb = fa[fa["position"].isin(positions)], fb[fb["position"].isin(positions)]
        rows = compare_cells(hierarchy, fa, fb)
        if changed_only:
            rows = [r for r in rows if abs(r["difference"]) > 1e-9]
        return {"plan_id": plan_id, "a": a, "b": b, "cells": rows}


@dataclass(frozen=True)
class Override:
    """One override as asked: the cell, the new value or percent, why, and what was read."""

    cell: dict[str, str]
    quarter: str
    reason: str
    value: float | None = None
    percent: float | None = None
    comment: str = ""
    revision: int | None = None
    pins: list[dict[str, str]] = field(default_factory=list)


def check_editable(version: PlanVersion) -> None:
    if version.state not in EDITABLE:
        raise ConflictError(
            f"version '{version.name}' is {version.state}: it cannot change "
            "(copy it to a new version to keep working)",
            "version",
            current={"state": version.state, "revision": version.revision},
        )


def override(
    db: Database,
    plan_id: int,
    version_name: str,
    request: Override,
    actor: str,
    reason_codes: list[str],
) -> dict[str, Any]:
    """Set one cell, spread the change to its children, re-sum the parents: one transaction."""
    if request.reason not in reason_codes:
        raise DataError(
            f"unknown reason '{request.reason}' (reasons: {', '.join(reason_codes)})", "reason"
        )
    with db.write() as session:
        plan = get_plan(session, plan_id)
        version = get_version(session, plan_id, version_name, lock=True)
        check_editable(version)
        hierarchy = hierarchy_of(plan)
        check_quarters(plan, [request.quarter])
        target = hierarchy.locate(request.cell)
        pins = [hierarchy.locate(p, "pins") for p in request.pins]
        cells = quarter_cells(session, version.id, request.quarter, len(hierarchy.groups))
        revisions = cells.array("revision", int)
        if request.revision is not None and int(revisions[target]) != request.revision:
            raise ConflictError(
                f"{hierarchy.groups[target].label()} {request.quarter} changed since revision "
                f"{request.revision} (now {int(revisions[target])}): read it again",
                "revision",
                current=cell_record(hierarchy, cells.row(target)),
            )
        current = cells.array("value")
        pinned = cells.array("pinned", bool)
        newly_pinned = np.zeros_like(pinned)
        newly_pinned[pins] = ~pinned[pins]
        pinned[pins] = True
        before = float(current[target])
        new_value = OverrideRequest(target, request.value, request.percent).new_value(before)
        values = disaggregate(
            hierarchy,
            current,
            cells.array("baseline"),
            pinned,
            target,
            new_value,
            request.quarter,
        )
        changed = np.flatnonzero((values != current) | newly_pinned)
        ids = cells.array("id", int)
        if changed.size:
            write_cells(
                session, ids[changed], values[changed], revisions[changed] + 1, pinned[changed]
            )
        version.revision += 1
        method = "percent" if request.percent is not None else "absolute"
        amount = request.percent if request.percent is not None else request.value
        label = hierarchy.groups[target].label()
        group = hierarchy.groups[target]
        session.execute(
            insert(PlanOverride).values(
                version_id=version.id,
                level=group.level,
                key=group.key,
                quarter=request.quarter,
                method=method,
                amount=float(amount or 0.0),
                before=before,
                after=float(values[target]),
                reason=request.reason,
                comment=request.comment,
                actor=actor,
                at=utc_now(),
            )
        )
        audit.record(
            session,
            actor,
            "plan.override",
            plan_id=plan.id,
            version=version.name,
            cell=f"{label} {request.quarter}",
            before=before,
            after=float(values[target]),
            reason=request.reason,
            comment=request.comment,
            detail={
                "method": method,
                "amount": amount,
                "cells_changed": int(changed.size),
                "pins": [hierarchy.groups[p].label() for p in pins],
            },
        )
        after_row = cells.row(
            target,
            value=values[target],
            pinned=pinned[target],
            revision=revisions[target] + (1 if target in set(changed) else 0),
        )
        return {
            "plan_id": plan.id,
            "version": version.name,
            "version_revision": version.revision,
            "before": before,
            "after": float(values[target]),
            "cells_changed": int(changed.size),
            "cell": cell_record(hierarchy, after_row),
        }


def set_pins(
    db: Database,
    plan_id: int,
    version_name: str,
    cells: list[dict[str, str]],
    quarter: str,
    pinned: bool,
    actor: str,
) -> dict[str, Any]:
    """Pin (hold) or unpin cells of one quarter; later overrides leave pinned cells alone."""
    with db.write() as session:
        plan = get_plan(session, plan_id)
        version = get_version(session, plan_id, version_name, lock=True)
        check_editable(version)
        hierarchy = hierarchy_of(plan)
        check_quarters(plan, [quarter])
        positions = [hierarchy.locate(c, "cells") for c in cells]
        frame = cells_frame(session, version.id, [quarter]).set_index("position")
        rows = [
            {
                "id": int(frame.at[p, "id"]),
                "pinned": pinned,
                "revision": int(frame.at[p, "revision"]) + 1,
            }
            for p in positions
            if bool(frame.at[p, "pinned"]) != pinned
        ]
        if rows:
            session.execute(update(PlanCell), rows)
        version.revision += 1
        labels = [f"{hierarchy.groups[p].label()} {quarter}" for p in positions]
        audit.record(
            session,
            actor,
            "plan.pin" if pinned else "plan.unpin",
            plan_id=plan.id,
            version=version.name,
            cell="; ".join(labels)[:500],
            after="pinned" if pinned else "unpinned",
        )
        return {"version": version_summary(version), "cells": labels}


TRANSITIONS = {
    "submit": (("draft", "rejected"), "submitted"),
    "approve": (("submitted",), "approved"),
    "reject": (("submitted",), "rejected"),
    "lock": (("approved",), "locked"),
}


def transition(
    db: Database, plan_id: int, version_name: str, request: approvals.StepRequest
) -> dict[str, Any]:
    """Submit, approve, reject or lock a version; nobody decides on their own submission."""
    allowed, target = TRANSITIONS[request.action]
    approvals.require_reason(request, "the version")
    with db.write() as session:
        version = get_version(session, plan_id, version_name, lock=True)
        approvals.check_step(
            version,
            request,
            allowed,
            f"version '{version_name}'",
            "version",
            f" (only {' or '.join(allowed)} versions can be {target})",
        )
        now = approvals.take_step(
            session,
            version,
            request,
            target,
            f"plan.{request.action}",
            plan_id=plan_id,
            version=version_name,
        )
        if request.action == "submit":
            version.decided_by = version.decided_at = version.decision_comment = None
        elif request.action == "lock":
            version.locked_by, version.locked_at = request.actor, now
        session.flush()
        return version_summary(version)


def final_version(session: Session, plan_id: int) -> PlanVersion | None:
    """The plan's most recently approved (or locked) version, the one plans are judged by."""
    versions = session.scalars(
        select(PlanVersion).where(
            PlanVersion.plan_id == plan_id, PlanVersion.state.in_(("approved", "locked"))
        )
    ).all()
    if not versions:
        return None
    return max(versions, key=lambda v: (v.decided_at or v.created_at, v.id))
