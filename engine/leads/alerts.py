"""Alerts to a lead's owner: when one is due, what it says, how it is signed, when to retry.

A lead alerts its owner when it is sales-qualified after an event (already, or crossing into
that tier with it) and the event's activity is one of the significant ones. The webhook body is
the alert's JSON in one canonical byte form; its HMAC-SHA256 under the shared secret goes in
the `X-Lodestar-Signature: sha256=<hex>` header, so the receiver can check both who sent it and
that nothing changed. A failed delivery waits `base x 2^(attempt-1)` seconds before the next
try; after the last allowed attempt the alert is a dead letter until someone retries it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from engine.core.contracts.leads import activity_column

SIGNATURE_HEADER = "X-Lodestar-Signature"
ALERT_TIER = "sales-qualified"
MAX_BACKOFF_SECONDS = 3600.0


def alert_due(activity: str, tier_after: str | None, significant: list[str]) -> bool:
    """Does this activity of a lead now in `tier_after` alert its owner?"""
    if tier_after != ALERT_TIER:
        return False
    wanted = {activity_column(a) for a in significant}
    return activity_column(activity) in wanted


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The webhook body: the payload as compact JSON with sorted keys (one byte form)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def signature(body: bytes, secret: str) -> str:
    """The signature header value for a body: 'sha256=' and the HMAC-SHA256 hex digest."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_matches(body: bytes, secret: str, header: str | None) -> bool:
    """The receiver's check (constant time): does the header sign this body under the secret?"""
    return header is not None and hmac.compare_digest(signature(body, secret), header)


def backoff_seconds(attempts: int, base: float) -> float:
    """Wait after the `attempts`-th failed try: base, 2 base, 4 base, ... (at most an hour)."""
    return float(min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))
