"""API keys used by the serving tests: one named key per role (and a second approver)."""

from __future__ import annotations

from serving.core.auth import Role, hash_key

KEYS = {
    Role.planner: "planner-key-0001",
    Role.approver: "approver-key-0004",
    Role.pricing: "pricing-key-0002",
    Role.data_scientist: "scientist-key-0003",
}
NAMES = {
    Role.planner: "north-planner",
    Role.approver: "north-approver",
    Role.pricing: "pricing-analyst",
    Role.data_scientist: "data-scientist",
}
SECOND_APPROVER = ("approver-key-0005", "south-approver")
"""Another approver, so tests can approve a version an approver submitted."""


def headers_for(role: Role) -> dict[str, str]:
    """X-API-Key header for a role's test key."""
    return {"X-API-Key": KEYS[role]}


def second_approver_headers() -> dict[str, str]:
    """X-API-Key header of the second approver."""
    return {"X-API-Key": SECOND_APPROVER[0]}


def keys_setting() -> str:
    """The keys in LODESTAR_API_KEYS form (role:name:sha256:hex, comma separated)."""
    entries = [f"{role.value}:{NAMES[role]}:sha256:{hash_key(key)}" for role, key in KEYS.items()]
    key, name = SECOND_APPROVER
    entries.append(f"approver:{name}:sha256:{hash_key(key)}")
    return ",".join(entries)
