"""The Workbench menu: each page, the section it sits in and the least role that may use it.

Each page module declares its own entries (`MENU`); `mount_ui` joins them in menu order and
keeps the result on the app (`app.state.nav`).

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


def menu(nav: list[NavItem], role: Role) -> list[tuple[str, list[NavItem]]]:
    """Sections and the entries this role may use, in menu order."""
    sections: dict[str, list[NavItem]] = {}
    for item in nav:
        if role.allows(item.role):
            sections.setdefault(item.section, []).append(item)
    return list(sections.items())


def first_page(nav: list[NavItem], role: Role) -> str:
    """Where a signed-in user lands: the first page their role may use."""
    return next(item.path for item in nav if role.allows(item.role))
