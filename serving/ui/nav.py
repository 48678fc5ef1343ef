"""The Workbench menu: each page, the section it sits in and the least role that may use it.

A page a role may not use is not offered; the page itself and the API still check the role.
Actions inside a page (approve, publish, ...) are offered by role on the page itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from serving.core.auth import Role


@dataclass(frozen=True)
class NavItem:
    """One menu entry."""

    section: str
    title: str
    path: str
    role: Role


NAV: list[NavItem] = [
    NavItem("Planning", "Forecasts", "/forecasts", Role.planner),
    NavItem("Planning", "Plans", "/plans", Role.planner),
    NavItem("Sales & marketing", "Leads", "/leads", Role.planner),
    NavItem("Sales & marketing", "Pipeline", "/leads/pipeline", Role.planner),
    NavItem("Pricing", "Elasticities", "/pricing/elasticities", Role.planner),
    NavItem("Pricing", "Scenarios", "/pricing/scenarios", Role.pricing),
    NavItem("Pricing", "Saved scenarios", "/pricing/saved", Role.pricing),
    NavItem("Pricing", "Recommendations", "/pricing/recommendations", Role.pricing),
    NavItem("Pricing", "Price lists", "/pricing/price-lists", Role.planner),
    NavItem("Models", "Champions", "/models", Role.data_scientist),
    NavItem("Models", "Training", "/models/training", Role.data_scientist),
]


def menu(role: Role) -> list[tuple[str, list[NavItem]]]:
    """Sections and the entries this role may use, in menu order."""
    sections: dict[str, list[NavItem]] = {}
    for item in NAV:
        if role.allows(item.role):
            sections.setdefault(item.section, []).append(item)
    return list(sections.items())


def first_page(role: Role) -> str:
    """Where a signed-in user lands: the first page their role may use."""
    return next(item.path for item in NAV if role.allows(item.role))
