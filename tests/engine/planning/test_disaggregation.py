"""Overrides on a hand-made hierarchy: children moved by hand-computed shares, parents re-summed,
pins respected, impossible pins refused naming the cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engine.core.errors import ConstraintError, DataError, NotFoundError
from engine.planning.disaggregation import OverrideRequest, disaggregate
from engine.planning.hierarchy import Hierarchy

SERIES = pd.DataFrame(
    {
        "region": ["North", "North", "North", "South", "South"],
        "store": ["S1", "S1", "S2", "S3", "S3"],
        "product": ["P1", "P2", "P1", "P1", "P2"],
    }
)
BOTTOM = np.array([10.0, 30.0, 20.0, 40.0, 0.0])


@pytest.fixture
def hierarchy() -> Hierarchy:
    return Hierarchy.build(SERIES, ["region", "store", "product"])


def values(h: Hierarchy, bottom: np.ndarray) -> np.ndarray:
    return h.aggregate(bottom)


def cell(h: Hierarchy, **keys: str) -> int:
    return h.locate(keys)


def test_levels_and_groups(hierarchy: Hierarchy) -> None:
    assert hierarchy.level_names == ["total", "region", "store", "product", "region,store,product"]
    v = values(hierarchy, BOTTOM)
    assert v[cell(hierarchy)] == 100
    assert v[cell(hierarchy, region="North")] == 60 and v[cell(hierarchy, product="P1")] == 70
    assert v[cell(hierarchy, store="S3")] == 40
    with pytest.raises(DataError, match="no level region\\+store"):
        hierarchy.locate({"region": "North", "store": "S1"})
    with pytest.raises(NotFoundError):
        hierarchy.locate({"region": "East"})


def test_change_spreads_by_baseline_share_and_parents_follow(hierarchy: Hierarchy) -> None:
    h = hierarchy
    now = values(h, BOTTOM)
    north = cell(h, region="North")
    new = disaggregate(h, now, now, np.zeros(len(now), bool), north, 66.0)
    # +6 shared 10:30:20 among North's series -> +1, +3, +2 (by hand)
    expected_bottom = np.array([11.0, 33.0, 22.0, 40.0, 0.0])
    assert np.allclose(new[h.bottom], expected_bottom, atol=1e-12)
    assert new[north] == pytest.approx(66.0, abs=1e-12)
    assert new[cell(h, store="S1")] == pytest.approx(44.0)
    assert new[cell(h, product="P1")] == pytest.approx(11 + 22 + 40)
    assert new[cell(h)] == pytest.approx(106.0)
    assert h.incoherent(new) == []


def test_shares_follow_the_baseline_not_the_current_values(hierarchy: Hierarchy) -> None:
    h = hierarchy
    baseline = values(h, BOTTOM)
    current = values(h, np.array([30.0, 10.0, 20.0, 40.0, 0.0]))
    new = disaggregate(
        h, current, baseline, np.zeros(len(current), bool), cell(h, region="North"), 72
    )
    assert np.allclose(new[h.bottom], [32.0, 16.0, 24.0, 40.0, 0.0])


@pytest.mark.parametrize(
    ("pin", "expected_bottom"),
    [
        ({"store": "S1"}, [10.0, 30.0, 26.0, 40.0, 0.0]),
        ({"product": "P1"}, [10.0, 36.0, 20.0, 40.0, 0.0]),
    ],
    ids=["a_pinned_child", "a_pinned_cross_group"],
)
def test_a_pinned_cell_keeps_its_number(
    hierarchy: Hierarchy, pin: dict[str, str], expected_bottom: list[float]
) -> None:
    h = hierarchy
    now = values(h, BOTTOM)
    pinned = np.zeros(len(now), bool)
    pinned[cell(h, **pin)] = True
    new = disaggregate(h, now, now, pinned, cell(h, region="North"), 66.0)
    assert np.allclose(new[h.bottom], expected_bottom)
    assert new[cell(h, **pin)] == now[cell(h, **pin)]


def test_a_pinned_parent_is_a_conflict_naming_it(hierarchy: Hierarchy) -> None:
    h = hierarchy
    now = values(h, BOTTOM)
    pinned = np.zeros(len(now), bool)
    pinned[cell(h)] = True
    with pytest.raises(ConstraintError, match="pinned total in 2027Q1 would change"):
        disaggregate(h, now, now, pinned, cell(h, region="North"), 66.0, "2027Q1")


def test_pins_covering_every_child_are_a_conflict_naming_them(hierarchy: Hierarchy) -> None:
    h = hierarchy
    now = values(h, BOTTOM)
    pinned = np.zeros(len(now), bool)
    pinned[[cell(h, store="S1"), cell(h, store="S2")]] = True
    with pytest.raises(ConstraintError, match="store=S1, store=S2"):
        disaggregate(h, now, now, pinned, cell(h, region="North"), 66.0)


def test_a_change_that_would_go_negative_is_refused(hierarchy: Hierarchy) -> None:
    h = hierarchy
    now = values(h, BOTTOM)
    pinned = np.zeros(len(now), bool)
    pinned[cell(h, store="S1")] = True
    with pytest.raises(ConstraintError, match="negative"):
        disaggregate(h, now, now, pinned, cell(h, region="North"), 10.0)


def test_zero_baseline_children_share_equally(hierarchy: Hierarchy) -> None:
    h = hierarchy
    now = values(h, np.zeros(5))
    new = disaggregate(h, now, now, np.zeros(len(now), bool), cell(h, region="South"), 8.0)
    assert np.allclose(new[h.bottom], [0, 0, 0, 4.0, 4.0])


def test_percent_and_absolute_requests() -> None:
    assert OverrideRequest(0, percent=5).new_value(200.0) == pytest.approx(210.0)
    assert OverrideRequest(0, value=7).new_value(200.0) == 7.0
    for bad in (OverrideRequest(0), OverrideRequest(0, value=1, percent=1)):
        with pytest.raises(DataError):
            bad.new_value(1.0)
    with pytest.raises(DataError, match="non-negative"):
        OverrideRequest(0, value=-1).new_value(1.0)
    with pytest.raises(DataError) as err:
        OverrideRequest(0, percent=-100).new_value(1.0)
    assert err.value.field == "percent"
