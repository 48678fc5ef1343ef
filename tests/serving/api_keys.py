"""API keys used by the serving tests: one plain key per role."""

from __future__ import annotations

from serving.core.auth import Role

KEYS = {
    Role.planner: "planner-key-0001",
    Role.pricing: "pricing-key-0002",
    Role.data_scientist: "scientist-key-0003",
}


def headers_for(role: Role) -> dict[str, str]:
    """X-API-Key header for a role's test key."""
    return {"X-API-Key": KEYS[role]}


def keys_setting() -> str:
    """The keys in LODESTAR_API_KEYS form (role:key, comma separated)."""
    return ",".join(f"{role.value}:{key}" for role, key in KEYS.items())
