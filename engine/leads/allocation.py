"""Open leads assigned to reps to maximise expected pipeline value (probability x deal value)
under three rules: a rep takes only leads of its territories (and segments, when it lists any),
at most its capacity for the period, and at most a `fairness_cap` share of all the expected
value assigned (so nobody is handed every hot lead while others starve).

The problem is a mixed-integer linear program over x[lead, rep] in {0, 1}, solved with SciPy's
HiGHS (`scipy.optimize.milp`): maximise sum ev x subject to one rep per lead, capacity per rep,
and ev . x[:, rep] <= cap * ev . x (the fairness rule is linear in x; held up to a millionth of
the biggest lead's value, the solver's rounding). A greedy baseline (leads
by value, each to the eligible rep with the most room) is always computed too; the answer keeps
the better of the two and says which, so it is never worse than greedy, even when the solver
stops at its time limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from engine.core.errors import DataError

TIME_LIMIT_SECONDS = 20.0
MAX_PAIRS = 400_000
"""Eligible (lead, rep) pairs one proposal may weigh."""
_TOL = 1e-6


@dataclass(frozen=True)
class RepSpec:
    """A rep who may take leads: territories, segments (empty: any) and capacity."""

    name: str
    territories: frozenset[str]
    segments: frozenset[str]
    capacity: int


@dataclass(frozen=True)
class LeadSpec:
    """An open lead to place: where it is, what it is, and its expected value."""

    lead_id: str
    territory: str | None
    segment: str | None
    probability: float
    deal_value: float

    @property
    def expected_value(self) -> float:
        return self.probability * self.deal_value


@dataclass(frozen=True)
class Allocation:
    """Lead -> rep, the objective, the greedy baseline's, and how the answer was reached."""

    assignment: dict[str, str]
    objective: float
    greedy_objective: float
    method: str
    solver_status: str
    unassigned: list[str] = field(default_factory=list)


def eligible(lead: LeadSpec, rep: RepSpec) -> bool:
    """May this rep take this lead? Its territory is the rep's, and its segment too if listed."""
    if lead.territory is None or lead.territory not in rep.territories:
        return False
    return not rep.segments or (lead.segment is not None and lead.segment in rep.segments)


def allocate(
    leads: list[LeadSpec],
    reps: list[RepSpec],
    fairness_cap: float = 1.0,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> Allocation:
    """The best assignment found (MILP, or greedy when that is better); see the module text."""
    check_inputs(leads, reps, fairness_cap)
    pairs = [
        (i, j) for i, lead in enumerate(leads) for j, rep in enumerate(reps) if eligible(lead, rep)
    ]
    if len(pairs) > MAX_PAIRS:
        raise DataError(
            f"{len(pairs)} eligible lead-rep pairs exceed {MAX_PAIRS}; allocate per territory",
            "leads",
        )
    greedy = greedy_allocation(leads, reps, fairness_cap)
    greedy_value = objective_of(greedy, leads)
    solved, status = _solve(leads, reps, pairs, fairness_cap, time_limit)
    if solved is not None and not keeps_rules(solved, leads, reps, fairness_cap):
        solved, status = None, f"{status}, but its answer broke a rule by rounding"
    if solved is not None and objective_of(solved, leads) >= greedy_value * (1 - 1e-9) - _TOL:
        chosen, method = solved, "milp"
    else:
        chosen, method = greedy, "greedy"
    placed = set(chosen)
    return Allocation(
        assignment=chosen,
        objective=objective_of(chosen, leads),
        greedy_objective=greedy_value,
        method=method,
        solver_status=status,
        unassigned=[lead.lead_id for lead in leads if lead.lead_id not in placed],
    )


def check_inputs(leads: list[LeadSpec], reps: list[RepSpec], fairness_cap: float) -> None:
    """Refuse what cannot be allocated honestly, naming the field."""
    if not reps:
        raise DataError("no active reps to allocate to (add reps first)", "reps")
    if not 0 < fairness_cap <= 1:
        raise DataError(f"fairness_cap must be in (0, 1], got {fairness_cap}", "fairness_cap")
    if fairness_cap * len(reps) < 1 - _TOL:
        raise DataError(
            f"fairness_cap {fairness_cap} x {len(reps)} reps is below 1: no allocation could "
            f"place every lead's value; use at least {1 / len(reps):.3f}",
            "fairness_cap",
        )
    names = [r.name for r in reps]
    if len(set(names)) != len(names):
        raise DataError("rep names must be unique", "reps")
    ids = [lead.lead_id for lead in leads]
    if len(set(ids)) != len(ids):
        raise DataError("lead ids must be unique", "leads")
    for lead in leads:
        if (
            not (0 <= lead.probability <= 1)
            or not np.isfinite(lead.deal_value)
            or lead.deal_value < 0
        ):
            raise DataError(
                f"lead '{lead.lead_id}' has no usable probability or deal value", "leads"
            )
    for rep in reps:
        if rep.capacity < 0:
            raise DataError(f"rep '{rep.name}' has a negative capacity", "weekly_capacity")


def fairness_slack(leads: list[LeadSpec]) -> float:
    """How far past the fairness cap rounding may go: a millionth of the biggest lead's value."""
    return 1e-6 * max((lead.expected_value for lead in leads), default=0.0)


def keeps_rules(
    assignment: dict[str, str], leads: list[LeadSpec], reps: list[RepSpec], fairness_cap: float
) -> bool:
    """Territory, segment, capacity and fairness cap all hold (fairness up to the slack)."""
    by_id = {lead.lead_id: lead for lead in leads}
    by_rep = {rep.name: rep for rep in reps}
    count = {rep.name: 0 for rep in reps}
    value = {rep.name: 0.0 for rep in reps}
    for lead_id, name in assignment.items():
        if not eligible(by_id[lead_id], by_rep[name]):
            return False
        count[name] += 1
        value[name] += by_id[lead_id].expected_value
    total = sum(value.values())
    slack = fairness_slack(leads)
    return all(count[r.name] <= r.capacity for r in reps) and all(
        v <= fairness_cap * total + slack for v in value.values()
    )


def objective_of(assignment: dict[str, str], leads: list[LeadSpec]) -> float:
    """Expected pipeline value of an assignment."""
    value = {lead.lead_id: lead.expected_value for lead in leads}
    return float(sum(value[lead_id] for lead_id in assignment))


def greedy_allocation(
    leads: list[LeadSpec], reps: list[RepSpec], fairness_cap: float
) -> dict[str, str]:
    """Leads by expected value (highest first), each to the eligible rep with the most room;
    a lead is placed only if every rep stays within the fairness cap afterwards."""
    room = {r.name: r.capacity for r in reps}
    taken = {r.name: 0.0 for r in reps}
    total = 0.0
    slack = fairness_slack(leads)
    out: dict[str, str] = {}
    for lead in sorted(leads, key=lambda x: (-x.expected_value, x.lead_id)):
        ev = lead.expected_value
        options = [r for r in reps if room[r.name] > 0 and eligible(lead, r)]
        for rep in sorted(options, key=lambda r: (-room[r.name], taken[r.name], r.name)):
            new_total = total + ev
            if all(
                (taken[n] + (ev if n == rep.name else 0.0)) <= fairness_cap * new_total + slack
                for n in taken
            ):
                out[lead.lead_id] = rep.name
                room[rep.name] -= 1
                taken[rep.name] += ev
                total = new_total
                break
    return out


def _solve(
    leads: list[LeadSpec],
    reps: list[RepSpec],
    pairs: list[tuple[int, int]],
    fairness_cap: float,
    time_limit: float,
) -> tuple[dict[str, str] | None, str]:
    """The MILP over eligible pairs; (assignment, solver status) or (None, why not)."""
    if not pairs:
        return {}, "no eligible pairs"
    n = len(pairs)
    lead_of = np.array([i for i, _ in pairs])
    rep_of = np.array([j for _, j in pairs])
    ev = np.array([leads[i].expected_value for i in lead_of])
    top = float(ev.max())
    if top > 0:
        ev = ev / top  # the solver's tolerances are absolute: work on values up to 1
    cols = np.arange(n)
    one_rep = coo_matrix((np.ones(n), (lead_of, cols)), shape=(len(leads), n))
    capacity = coo_matrix((np.ones(n), (rep_of, cols)), shape=(len(reps), n))
    # fairness: ev.x[:, rep] - cap * ev.x <= 0, one row per rep
    rows = np.concatenate([rep_of, np.repeat(np.arange(len(reps)), n)])
    fair_cols = np.concatenate([cols, np.tile(cols, len(reps))])
    values = np.concatenate([ev, np.tile(-fairness_cap * ev, len(reps))])
    fairness = coo_matrix((values, (rows, fair_cols)), shape=(len(reps), n))
    constraints = [
        LinearConstraint(one_rep.tocsr(), -np.inf, 1.0),
        LinearConstraint(capacity.tocsr(), -np.inf, np.array([r.capacity for r in reps], float)),
    ]
    if fairness_cap < 1:
        constraints.append(LinearConstraint(fairness.tocsr(), -np.inf, 0.0))
    result = milp(
        c=-ev,
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "disp": False},
    )
    status = {0: "optimal", 1: "time or iteration limit", 2: "infeasible", 3: "unbounded"}.get(
        result.status, f"status {result.status}"
    )
    if result.x is None:
        return None, status
    chosen = np.flatnonzero(result.x > 0.5)
    return {leads[lead_of[k]].lead_id: reps[rep_of[k]].name for k in chosen}, status
