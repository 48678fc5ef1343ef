"""Plans in a real database (SQLite and PostgreSQL): created from the demo champion, overridden
with hand-checked disaggregation, versioned, approved by someone else, locked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.calendar import parse_quarter
from engine.core.errors import ConflictError, ConstraintError, DataError, ForbiddenError
from engine.database import audit, plans
from engine.database.approvals import StepRequest
from engine.forecasting.quarterly import quarterly_forecast
from engine.planning.hierarchy import Hierarchy
from tests.engine.database.conftest import Champion
from tests.engine.database.plan_steps import make_plan, override_as

Q = ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]


def frame_of(db, plan_id: int, version: str = "baseline") -> pd.DataFrame:  # noqa: ANN001
    cells = plans.read_cells(db, plan_id, version)["cells"]
    return pd.DataFrame([{**c, "key": "|".join(c["keys"].values())} for c in cells]).set_index(
        ["level", "key", "quarter"]
    )


def test_a_plan_holds_every_level_and_quarter_of_the_champion(
    database_url: str, sales_champion: Champion
) -> None:
    db, made = make_plan(database_url, sales_champion)
    assert made["quarters"] == Q and made["champion_version"] == sales_champion.version
    assert made["levels"] == [
        "total",
        "region",
        "store",
        "product",
        "category",
        "region,store,product",
    ]
    assert [v["name"] for v in made["versions"]] == ["baseline"]
    cells = frame_of(db, made["id"])
    payload = sales_champion.payload
    quarters = [parse_quarter(q) for q in Q]
    for level in ([], ["region"], ["category"], ["region", "store", "product"]):
        reference = quarterly_forecast(payload, quarters, level=level)  # reference, no cache
        name = ",".join(level) or "total"
        for row in reference.itertuples(index=False):
            key = "|".join(str(getattr(row, c)) for c in level)
            got = cells.loc[(name, key, row.quarter)]
            assert got["baseline"] == pytest.approx(row.mean, rel=1e-4)
            assert got["value"] == got["baseline"]
            for band in ("lo_80", "hi_80", "lo_95", "hi_95"):
                assert got[band] == pytest.approx(getattr(row, band), rel=1e-3)
    assert len(cells) == (1 + 2 + 4 + 4 + 1 + 16) * 4
    bottom = cells.xs("region,store,product")
    for quarter in Q:
        total = cells.loc[("total", "", quarter), "value"]
        assert abs(bottom.xs(quarter, level="quarter")["value"].sum() - total) < 1e-6


def test_override_moves_children_by_baseline_share_and_keeps_levels_coherent(
    database_url: str, sales_champion: Champion
) -> None:
    db, made = make_plan(database_url, sales_champion)
    before = frame_of(db, made["id"])
    north = before.loc[("region", "North", "2027Q1")]
    answer = override_as(
        db,
        made["id"],
        "baseline",
        plans.Override(
            {"region": "North"},
            "2027Q1",
            "promotion",
            percent=5.0,
            comment="push",
            revision=int(north["revision"]),
        ),
    )
    assert answer["after"] == pytest.approx(north["value"] * 1.05, rel=1e-12)
    after = frame_of(db, made["id"])
    # by hand: each North series gets 5% of the North total times its baseline share
    delta = north["value"] * 0.05
    bottom_b = before.xs("region,store,product").xs("2027Q1", level="quarter")
    bottom_a = after.xs("region,store,product").xs("2027Q1", level="quarter")
    in_north = bottom_b.index.str.startswith("North|")
    share = bottom_b.loc[in_north, "baseline"] / bottom_b.loc[in_north, "baseline"].sum()
    assert np.allclose(
        bottom_a.loc[in_north, "value"],
        bottom_b.loc[in_north, "value"] + delta * share,
        rtol=0,
        atol=1e-9,
    )
    assert np.allclose(bottom_a.loc[~in_north, "value"], bottom_b.loc[~in_north, "value"])
    assert np.allclose(bottom_a.loc[in_north, "value"] / bottom_b.loc[in_north, "value"], 1.05)
    # every level coherent: children sum to parents within 1e-6
    plan = plans.show_plan(db, made["id"])
    assert plan["versions"][0]["revision"] == 2
    q1 = after.xs("2027Q1", level="quarter")
    series = bottom_a.index.str.split("|", expand=True).to_frame(index=False)
    series.columns = ["region", "store", "product"]
    for level, key in q1.index:
        if level == "total":
            members = np.ones(len(series), bool)
        elif level == "region,store,product":
            continue
        elif level == "category":
            continue  # category is checked through the hierarchy below
        else:
            members = (series[level] == key).to_numpy()
        assert (
            abs(bottom_a["value"].to_numpy()[members].sum() - q1.loc[(level, key), "value"]) < 1e-6
        )
    assert q1.loc[("region", "North"), "revision"] == north["revision"] + 1
    # other quarters untouched
    assert after.xs("2027Q2", level="quarter")["value"].equals(
        before.xs("2027Q2", level="quarter")["value"]
    )
    with db.read() as session:
        lines = audit.query(session, audit.AuditFilter(action="plan.override"))
    assert lines[0]["cell"] == "region=North 2027Q1" and lines[0]["reason"] == "promotion"
    assert float(lines[0]["before"]) == pytest.approx(north["value"])
    assert float(lines[0]["after"]) == pytest.approx(north["value"] * 1.05)


def test_category_level_stays_coherent_through_the_hierarchy(
    database_url: str, sales_champion: Champion
) -> None:
    db, made = make_plan(database_url, sales_champion)
    override_as(
        db,
        made["id"],
        "baseline",
        plans.Override({"store": "S01"}, "2027Q2", "other", value=1234.5),
        who="bob",
    )
    with db.read() as session:
        plan = plans.get_plan(session, made["id"])
        version = plans.get_version(session, made["id"], "baseline")
        frame = plans.cells_frame(session, version.id, ["2027Q2"])
        hierarchy: Hierarchy = plans.hierarchy_of(plan)
    values = frame.set_index("position")["value"].reindex(range(len(hierarchy.groups))).to_numpy()
    assert hierarchy.incoherent(values) == []
    assert values[hierarchy.locate({"store": "S01"})] == pytest.approx(1234.5, abs=1e-9)


def test_a_stale_revision_is_409_with_the_current_value(
    database_url: str, sales_champion: Champion
) -> None:
    db, made = make_plan(database_url, sales_champion)
    first = plans.Override({"region": "North"}, "2027Q1", "promotion", percent=5.0, revision=1)
    override_as(db, made["id"], "baseline", first)
    with pytest.raises(ConflictError) as err:
        override_as(db, made["id"], "baseline", first, who="bob")
    assert err.value.http_status == 409 and err.value.field == "revision"
    current = err.value.to_dict()["current"]
    assert current["revision"] == 2 and current["keys"] == {"region": "North"}
    assert current["value"] == pytest.approx(
        frame_of(db, made["id"]).loc[("region", "North", "2027Q1"), "value"]
    )


def test_bad_overrides_change_nothing(database_url: str, sales_champion: Champion) -> None:
    db, made = make_plan(database_url, sales_champion)
    before = frame_of(db, made["id"])
    plans.set_pins(db, made["id"], "baseline", [{}], "2027Q1", True, "alice")
    cases = [
        (
            plans.Override({"region": "North"}, "2027Q1", "promotion", percent=5.0),
            ConstraintError,
            "cell",
        ),
        (plans.Override({"region": "North"}, "2027Q1", "hunch", percent=5.0), DataError, "reason"),
        (
            plans.Override({"region": "North"}, "2031Q1", "other", percent=5.0),
            DataError,
            "quarters",
        ),
        (
            plans.Override({"region": "North", "store": "S01"}, "2027Q2", "other", value=1.0),
            DataError,
            "cell",
        ),
    ]
    for request, error, field in cases:
        with pytest.raises(error) as err:
            override_as(db, made["id"], "baseline", request)
        assert err.value.field == field
    after = frame_of(db, made["id"])
    assert after["value"].equals(before["value"])
    assert bool(after.loc[("total", "", "2027Q1"), "pinned"])


def test_versions_copy_compare_submit_approve_lock(
    database_url: str, sales_champion: Champion
) -> None:
    db, made = make_plan(database_url, sales_champion)
    pid = made["id"]
    plans.copy_version(db, pid, "baseline", "north-push", "alice")
    with pytest.raises(ConflictError):
        plans.copy_version(db, pid, "baseline", "north-push", "alice")
    override_as(
        db,
        pid,
        "north-push",
        plans.Override({"region": "North"}, "2027Q1", "promotion", percent=10.0),
    )
    diff = plans.compare_versions(
        db, pid, "baseline", "north-push", level="region", changed_only=True
    )
    assert [(c["keys"], c["quarter"]) for c in diff["cells"]] == [({"region": "North"}, "2027Q1")]
    assert diff["cells"][0]["percent"] == pytest.approx(10.0)
    plans.transition(db, pid, "north-push", StepRequest("submit", "alice"))
    with pytest.raises(ConflictError):  # submitted: waits for its decision
        override_as(db, pid, "north-push", plans.Override({}, "2027Q1", "other", percent=1.0))
    with pytest.raises(ForbiddenError):
        plans.transition(db, pid, "north-push", StepRequest("approve", "alice"))
    with pytest.raises(DataError):
        plans.transition(db, pid, "north-push", StepRequest("reject", "carol"))
    plans.transition(db, pid, "north-push", StepRequest("reject", "carol", comment="too bold"))
    plans.transition(db, pid, "north-push", StepRequest("submit", "alice"))
    approved = plans.transition(
        db, pid, "north-push", StepRequest("approve", "carol", comment="ok")
    )
    assert approved["state"] == "approved" and approved["decided_by"] == "carol"
    with pytest.raises(ConflictError) as err:
        override_as(db, pid, "north-push", plans.Override({}, "2027Q1", "other", percent=1.0))
    assert err.value.to_dict()["current"]["state"] == "approved"
    with pytest.raises(ConflictError):
        plans.transition(db, pid, "north-push", StepRequest("lock", "carol", revision=1))
    locked = plans.transition(db, pid, "north-push", StepRequest("lock", "carol"))
    assert locked["state"] == "locked" and locked["locked_by"] == "carol"
    with pytest.raises(ConflictError):
        plans.set_pins(db, pid, "north-push", [{}], "2027Q1", True, "alice")
    with db.read() as session:
        actions = [e["action"] for e in audit.query(session, audit.AuditFilter(plan_id=pid))]
        assert plans.final_version(session, pid).name == "north-push"
    assert actions == [
        "plan.create",
        "plan.copy",
        "plan.override",
        "plan.submit",
        "plan.reject",
        "plan.submit",
        "plan.approve",
        "plan.lock",
    ]
