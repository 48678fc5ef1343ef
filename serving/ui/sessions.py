"""Sign-in sessions for the Workbench: a signed, expiring session id in an httpOnly cookie.

The API key a user signs in with is checked once against the `KeyRing` and never stored: the
server keeps who signed in (the `Caller`), when the session ends and its CSRF token in a small
JSON file under LODESTAR_HOME/ui/sessions, named by the sha256 of the session id, so every
worker and a restarted server answer for the same cookie. The cookie holds only the random id
and its HMAC; sign-out deletes the file. A changed key configuration ends every session.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.core.files import write_json
from engine.core.settings import Settings
from serving.core.auth import Caller, Role

SESSION_COOKIE = "lodestar_session"
CSRF_COOKIE = "lodestar_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 8 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Session:
    """A signed-in browser: who it is, its CSRF token and when it ends."""

    caller: Caller
    csrf: str
    expires: float

    @property
    def display_name(self) -> str:
        """The key's name when keys have names, else its short id."""
        return str(getattr(self.caller, "name", None) or self.caller.key_id)


def keys_fingerprint(settings: Settings) -> str:
    """A digest of the key configuration: sessions from another configuration are void."""
    parts = [str(settings.auth_enabled), settings.api_keys or ""]
    if settings.api_keys_file is not None:
        with contextlib.suppress(OSError):
            parts.append(Path(settings.api_keys_file).read_text(encoding="utf-8"))
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def _caller_record(caller: Caller) -> dict[str, Any]:
    return {
        k: (v.value if isinstance(v, Role) else v) for k, v in dataclasses.asdict(caller).items()
    }


def _caller_from(record: dict[str, Any]) -> Caller:
    names = {f.name for f in dataclasses.fields(Caller)}
    values = {k: v for k, v in record.items() if k in names}
    values["role"] = Role(values["role"])
    return Caller(**values)


class SessionStore:
    """Session files under one folder, and the secret that signs their ids."""

    def __init__(self, folder: Path, fingerprint: str, lifetime: float = SESSION_SECONDS) -> None:
        self.folder = Path(folder)
        self.fingerprint = fingerprint
        self.lifetime = lifetime
        self.folder.mkdir(parents=True, exist_ok=True)
        self._secret = self._load_secret(self.folder / "secret.key")

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionStore:
        return cls(settings.home / "ui" / "sessions", keys_fingerprint(settings))

    @staticmethod
    def _load_secret(path: Path) -> bytes:
        """The signing secret, made once (0600, exclusive create) and shared by every worker."""
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        for _ in range(50):  # another worker may be between create and write
            text = path.read_text().strip()
            if text:
                return bytes.fromhex(text)
            time.sleep(0.01)
        raise RuntimeError(f"session secret {path} is empty")

    def _sign(self, sid: str) -> str:
        return hmac.new(self._secret, sid.encode("ascii"), hashlib.sha256).hexdigest()[:32]

    def _path(self, sid: str) -> Path:
        return self.folder / f"{hashlib.sha256(sid.encode('ascii')).hexdigest()}.json"

    def _sid(self, cookie: str | None) -> str | None:
        """The session id inside a cookie value whose signature holds, else None."""
        if not cookie or cookie.count(".") != 1:
            return None
        sid, signature = cookie.split(".")
        if not sid.isalnum() or not hmac.compare_digest(signature, self._sign(sid)):
            return None
        return sid

    def create(self, caller: Caller) -> tuple[str, Session]:
        """(cookie value, session) for a caller who just proved their key."""
        self.sweep()
        sid = secrets.token_hex(32)
        session = Session(caller, secrets.token_urlsafe(32), time.time() + self.lifetime)
        record = {
            "caller": _caller_record(caller),
            "csrf": session.csrf,
            "expires": session.expires,
            "keys": self.fingerprint,
        }
        write_json(record, self._path(sid))
        return f"{sid}.{self._sign(sid)}", session

    def get(self, cookie: str | None) -> Session | None:
        """The live session a cookie names; expired, forged or foreign sessions are None."""
        sid = self._sid(cookie)
        if sid is None:
            return None
        path = self._path(sid)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            session = Session(_caller_from(record["caller"]), record["csrf"], record["expires"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if session.expires < time.time() or record.get("keys") != self.fingerprint:
            path.unlink(missing_ok=True)
            return None
        return session

    def delete(self, cookie: str | None) -> None:
        """Sign out: the session file goes, so the cookie is worthless even if kept."""
        sid = self._sid(cookie)
        if sid is not None:
            self._path(sid).unlink(missing_ok=True)

    def sweep(self) -> None:
        """Remove ended sessions."""
        now = time.time()
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                if json.loads(path.read_text(encoding="utf-8"))["expires"] < now:
                    path.unlink(missing_ok=True)


def csrf_matches(expected: str | None, presented: str | None) -> bool:
    """Constant-time comparison of a form's or header's token with the expected one."""
    return bool(expected) and bool(presented) and hmac.compare_digest(expected, presented)
