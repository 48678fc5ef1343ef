"""Allocation properties (hypothesis): no rep over capacity, no lead outside its territory or
segments, the fairness cap held, never worse than greedy; and optimal against brute force."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.errors import DataError
from engine.leads.allocation import LeadSpec, RepSpec, allocate, eligible, greedy_allocation

TERRITORIES = ["North", "South", "East"]
SEGMENTS = ["smb", "mid", "ent"]


@st.composite
def problems(draw: st.DrawFn, max_leads: int = 25) -> tuple[list[LeadSpec], list[RepSpec], float]:
    n_reps = draw(st.integers(1, 4))
    reps = [
        RepSpec(
            f"rep{j}",
            frozenset(draw(st.sets(st.sampled_from(TERRITORIES), min_size=1))),
            frozenset(draw(st.sets(st.sampled_from(SEGMENTS), max_size=2))),
            draw(st.integers(0, 6)),
        )
        for j in range(n_reps)
    ]
    leads = [
        LeadSpec(
            f"L{i}",
            draw(st.sampled_from([*TERRITORIES, None])),
            draw(st.sampled_from([*SEGMENTS, None])),
            draw(st.floats(0, 1)),
            draw(st.floats(0, 50_000)),
        )
        for i in range(draw(st.integers(0, max_leads)))
    ]
    cap = draw(st.floats(1 / n_reps, 1.0))
    return leads, reps, cap


def _values(leads: list[LeadSpec], assignment: dict[str, str]) -> dict[str, float]:
    by_id = {lead.lead_id: lead for lead in leads}
    out: dict[str, float] = {}
    for lead_id, rep in assignment.items():
        out[rep] = out.get(rep, 0.0) + by_id[lead_id].expected_value
    return out


@settings(max_examples=60, deadline=None)
@given(problems())
def test_rules_hold_and_never_worse_than_greedy(problem) -> None:
    leads, reps, cap = problem
    result = allocate(leads, reps, cap)
    by_id = {lead.lead_id: lead for lead in leads}
    by_rep = {rep.name: rep for rep in reps}
    for lead_id, rep in result.assignment.items():
        assert eligible(by_id[lead_id], by_rep[rep])
        assert by_id[lead_id].territory in by_rep[rep].territories
    counts = {r.name: 0 for r in reps}
    for rep in result.assignment.values():
        counts[rep] += 1
    assert all(counts[r.name] <= r.capacity for r in reps)
    values = _values(leads, result.assignment)
    total = sum(values.values())
    slack = 1e-6 * max((lead.expected_value for lead in leads), default=0.0)
    assert all(v <= cap * total + slack for v in values.values())
    greedy = greedy_allocation(leads, reps, cap)
    greedy_value = sum(by_id[i].expected_value for i in greedy)
    assert result.objective >= greedy_value - 1e-6 * max(1.0, greedy_value)
    assert result.greedy_objective == pytest.approx(greedy_value)
    assert set(result.unassigned) == set(by_id) - set(result.assignment)


def _brute_force(leads: list[LeadSpec], reps: list[RepSpec], cap: float) -> float:
    """Best objective over every assignment (each lead: a rep or nobody), by enumeration; the
    fairness cap holds up to a millionth of the biggest lead's value, as in the engine."""
    best = 0.0
    options = [None, *range(len(reps))]
    for choice in itertools.product(options, repeat=len(leads)):
        counts = [0] * len(reps)
        value = [0.0] * len(reps)
        ok = True
        for lead, j in zip(leads, choice, strict=True):
            if j is None:
                continue
            if not eligible(lead, reps[j]):
                ok = False
                break
            counts[j] += 1
            value[j] += lead.expected_value
        if not ok or any(c > r.capacity for c, r in zip(counts, reps, strict=True)):
            continue
        total = sum(value)
        slack = 1e-6 * max((lead.expected_value for lead in leads), default=0.0)
        if any(v > cap * total + slack for v in value):
            continue
        best = max(best, total)
    return best


@settings(max_examples=40, deadline=None)
@given(problems(max_leads=6))
def test_the_solver_finds_the_brute_force_optimum(problem) -> None:
    leads, reps, cap = problem
    if len(reps) > 3:
        reps = reps[:3]
        cap = max(cap, 1 / len(reps))
    result = allocate(leads, reps, cap)
    best = _brute_force(leads, reps, cap)
    assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-6)


def test_the_solver_beats_greedy_where_greedy_is_shortsighted() -> None:
    # greedy hands the top lead to 'alpha' (first of equals), the only rep who could take 'south'
    reps = [
        RepSpec("alpha", frozenset({"North", "South"}), frozenset(), 1),
        RepSpec("north", frozenset({"North"}), frozenset(), 1),
    ]
    leads = [
        LeadSpec("big", "North", None, 1.0, 100.0),
        LeadSpec("south", "South", None, 1.0, 90.0),
    ]
    greedy = greedy_allocation(leads, reps, 1.0)
    result = allocate(leads, reps, 1.0)
    assert result.method == "milp" and result.solver_status == "optimal"
    assert greedy == {"big": "alpha"} and result.greedy_objective == 100.0
    assert result.assignment == {"big": "north", "south": "alpha"}
    assert result.objective == 190.0


def test_refusals_name_the_field() -> None:
    lead = LeadSpec("L1", "North", None, 0.5, 10.0)
    rep = RepSpec("a", frozenset({"North"}), frozenset(), 3)
    for args, field in [
        (([lead], []), "reps"),
        (([lead], [rep, RepSpec("b", frozenset(), frozenset(), 1)], 0.3), "fairness_cap"),
        (([lead], [rep], 0.0), "fairness_cap"),
        (([lead, lead], [rep]), "leads"),
    ]:
        with pytest.raises(DataError) as caught:
            allocate(*args)
        assert caught.value.field == field
