"""API keys and roles: keys are kept only as sha256 hashes, each mapped to one role.

Keys come from LODESTAR_API_KEYS (comma list) and/or LODESTAR_API_KEYS_FILE (one entry a line,
or a TOML file with [[keys]] tables). An entry is `role:name:team:sha256:<hex>` (a named key of
a team, as `lodestar api-key --name --team` prints it), `role:name:sha256:<hex>` (a named key),
`role:sha256:<hex>` (a stored hash), `role:<64 hex>` (also a hash) or `role:<plain key>` (hashed
on load, the plain text dropped). A key's name is what the audit trail shows; an entry without
one is named by its key id (the hash's first 8 digits). A team (marketing or sales) says which
department's parts of the lead loop the key may manage; entries without one have no team.

No keys configured: the API is open (every caller is treated as a data scientist) and a loud
warning is logged at start; `lodestar serve` refuses to bind a non-loopback host in that state.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

from engine.core.errors import DataError
from engine.core.settings import Settings

log = logging.getLogger("lodestar.serving.core.auth")

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
KEY_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,79}$"
"""Key names: letters, digits, _ . @ - (up to 80), so entries and audit lines stay one token."""
_NAME = re.compile(KEY_NAME)
KEY_PREFIX = "lsk_"


class Team(StrEnum):
    """Departments that own parts of the lead loop (rubric sign-offs, outcomes, allocation)."""

    marketing = "marketing"
    sales = "sales"


class Role(StrEnum):
    """API roles, each including the ones before it."""

    planner = "planner"
    approver = "approver"
    pricing = "pricing"
    data_scientist = "data_scientist"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role includes `needed` (planner < approver < pricing < data_scientist)."""
        return self.rank >= needed.rank


@dataclass(frozen=True)
class Caller:
    """Who is calling: the role, a short key id safe to log (never the key), the key's name and
    its team ('' for a key without one)."""

    role: Role
    key_id: str
    name: str = ""
    team: str = ""

    @property
    def actor(self) -> str:
        """The name the audit trail records: the key's name, else its key id."""
        return self.name or self.key_id


class KeyEntry(NamedTuple):
    """One configured key: its sha256 digest, role and name (the key id when unnamed)."""

    digest: str
    role: Role
    name: str


def hash_key(key: str) -> str:
    """sha256 hex digest of a presented key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    """A fresh random API key (never 64 hex characters, so it cannot pass for a hash)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def check_key_name(name: str, field: str = "name") -> str:
    """A key name the audit can show: 1-80 letters, digits, '_', '.', '@' or '-'."""
    if not _NAME.match(name or ""):
        raise DataError(
            f"key name '{name}' must be 1-80 letters, digits, '_', '.', '@' or '-'", field
        )
    return name


def check_team(team: str, field: str = "team") -> str:
    """A known team name (marketing or sales)."""
    try:
        return Team(team.strip()).value
    except ValueError:
        known = ", ".join(t.value for t in Team)
        raise DataError(f"unknown team '{team.strip()}' (known: {known})", field) from None


def parse_entry(entry: str, source: str) -> KeyEntry:
    """'role:name:sha256:hex' / 'role:sha256:hex' / 'role:<hex64>' / 'role:secret' -> KeyEntry."""
    return parse_team_entry(entry, source)[0]


def parse_team_entry(entry: str, source: str) -> tuple[KeyEntry, str]:
    """(KeyEntry, team) of any entry form, 'role:name:team:sha256:hex' included ('' no team)."""
    role_text, sep, rest = entry.strip().partition(":")
    if not sep or not rest:
        raise DataError(f"API key entry in {source} must look like role:key", "api_keys")
    try:
        role = Role(role_text.strip())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise DataError(
            f"unknown role '{role_text.strip()}' in {source} (known: {known})", "api_keys"
        ) from None
    rest = rest.strip()
    name, team = "", ""
    head, _, tail = rest.partition(":")
    middle, _, after = tail.partition(":")
    if not rest.startswith("sha256:") and tail.startswith("sha256:"):
        name = check_key_name(head, "api_keys")
        rest = tail
    elif not rest.startswith("sha256:") and middle and after.startswith("sha256:"):
        name = check_key_name(head, "api_keys")
        team = check_team(middle, "api_keys")
        rest = after
    if rest.startswith("sha256:"):
        digest = rest.removeprefix("sha256:")
        if not _HEX64.match(digest):
            raise DataError(f"a sha256 key hash in {source} must be 64 hex digits", "api_keys")
        digest = digest.lower()
    elif _HEX64.match(rest):
        digest = rest.lower()
    else:
        digest = hash_key(rest)
    return KeyEntry(digest, role, name or digest[:8]), team


def _file_entries(path: Path) -> list[str]:
    """Entries from a keys file: TOML [[keys]] tables (role + sha256 or key), or text lines."""
    if not path.is_file():
        raise DataError(f"API keys file {path} does not exist", "api_keys_file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DataError(
                f"API keys file {path} is not valid TOML: {exc}", "api_keys_file"
            ) from None
        entries = []
        for table in data.get("keys", []):
            role = table.get("role", "")
            secret = f"sha256:{table['sha256']}" if "sha256" in table else table.get("key", "")
            named = f"{table['name']}:" if "name" in table and "sha256" in table else ""
            if named and "team" in table:
                named += f"{table['team']}:"
            entries.append(f"{role}:{named}{secret}")
        return entries
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


class KeyRing:
    """Hashes of the configured keys, their roles and names; checks presented keys."""

    def __init__(
        self,
        hashes: dict[str, Role],
        enabled: bool = True,
        names: dict[str, str] | None = None,
        teams: dict[str, str] | None = None,
    ) -> None:
        self._hashes = dict(hashes)
        self._names = dict(names or {})
        self._teams = dict(teams or {})
        self.enabled = enabled and bool(self._hashes)
        self.configured = bool(self._hashes)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        """Keys from the environment and the keys file; a bad entry stops the server starting."""
        entries: list[tuple[KeyEntry, str]] = []
        if settings.api_keys:
            for entry in settings.api_keys.split(","):
                if entry.strip():
                    entries.append(parse_team_entry(entry, "LODESTAR_API_KEYS"))
        if settings.api_keys_file is not None:
            path = Path(settings.api_keys_file)
            entries.extend(parse_team_entry(entry, str(path)) for entry in _file_entries(path))
        hashes = {e.digest: e.role for e, _ in entries}
        names = {e.digest: e.name for e, _ in entries}
        teams = {e.digest: team for e, team in entries if team}
        ring = cls(hashes, enabled=settings.auth_enabled, names=names, teams=teams)
        ring.warn_if_open(settings.auth_enabled)
        return ring

    def warn_if_open(self, auth_enabled: bool) -> None:
        """Say loudly when the API is open to anyone who can reach it."""
        if not auth_enabled:
            log.warning("AUTH DISABLED (LODESTAR_AUTH_ENABLED=false): every caller is admitted")
        elif not self.configured:
            log.warning(
                "NO API KEYS CONFIGURED: the API is open to every caller. Create keys with "
                "`lodestar api-key --role planner` and set LODESTAR_API_KEYS or "
                "LODESTAR_API_KEYS_FILE before exposing this server."
            )

    def identify(self, presented: str | None) -> Caller | None:
        """The caller a presented key belongs to, or None for a missing or unknown key."""
        if not presented:
            return None
        digest = hash_key(presented)
        role = None
        for known, known_role in self._hashes.items():
            if hmac.compare_digest(known, digest):
                role = known_role
        if role is None:
            return None
        name = self._names.get(digest, digest[:8])
        return Caller(role, digest[:8], name, self._teams.get(digest, ""))
