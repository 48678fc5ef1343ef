"""API keys of the lead-loop tests: marketing and sales keys, a team-less planner, a scientist."""

from __future__ import annotations

from serving.core.auth import hash_key

KEYS = {
    "marketing": ("planner", "mara-marketing", "marketing", "mk-key-0001"),
    "sales": ("planner", "sami-sales", "sales", "sl-key-0002"),
    "planner": ("planner", "pat-planner", "", "pl-key-0003"),
    "scientist": ("data_scientist", "dana-ds", "", "ds-key-0004"),
    "manager": ("approver", "mona-manager", "sales", "sm-key-0005"),
}


def headers(who: str) -> dict[str, str]:
    """X-API-Key header of one of the keys above."""
    return {"X-API-Key": KEYS[who][3]}


def keys_setting() -> str:
    """The keys as LODESTAR_API_KEYS entries (role:name[:team]:sha256:hex)."""
    entries = []
    for role, name, team, key in KEYS.values():
        middle = f"{name}:{team}" if team else name
        entries.append(f"{role}:{middle}:sha256:{hash_key(key)}")
    return ",".join(entries)
