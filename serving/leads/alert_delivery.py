"""The alert webhook worker: one background thread per server that sends due alerts.

It never runs in a request: `POST /v1/leads/events` only writes the alert row and wakes the
worker. The worker claims due alerts (a lease, so two servers on one database do not both send
one), POSTs each signed body with a timeout, and records the attempt; failures come back after
exponential backoff and end as dead letters after the configured number of tries.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from engine.core.settings import Settings
from engine.database import lead_alerts
from engine.database.models import utc_now
from engine.database.setup import Database
from engine.leads.alerts import SIGNATURE_HEADER, body_bytes, signature

log = logging.getLogger("lodestar.serving.leads.alerts")

SENDERS = 4
"""Deliveries in flight at once."""
IDLE_SECONDS = 1.0
"""Longest sleep between looks at the outbox (a wake-up cuts it short)."""
NO_SECRET = "not sent: LODESTAR_LEAD_WEBHOOK_SECRET is not set (alert webhooks are always signed)"


class AlertDelivery:
    """Background sender of alert webhooks (start at server start, stop at shutdown)."""

    def __init__(self, settings: Settings, database: Callable[[], Database]) -> None:
        self._settings = settings
        self._database = database
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # one client for every delivery: it keeps connections and builds its TLS context once
        # (a client per POST spent most of the worker's time loading certificates)
        self._client = httpx.Client(
            timeout=settings.lead_webhook_timeout_seconds,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=SENDERS),
        )

    def start(self) -> None:
        """Start the worker thread (a daemon: it never holds the process open)."""
        self._thread = threading.Thread(target=self._run, name="lead-alerts", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """New alerts are waiting: look now instead of at the next idle tick."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the attempt in hand and stop (alerts left pending go out after a restart)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self._settings.lead_webhook_timeout_seconds + 5)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.deliver_due()
            except Exception:  # noqa: BLE001 - the worker must outlive a bad moment
                log.exception("alert delivery failed; trying again shortly")
                sent = 0
            if sent:
                continue
            self._wake.wait(self._sleep_seconds())
            self._wake.clear()

    def _sleep_seconds(self) -> float:
        due = lead_alerts.next_due(self._database())
        if due is None:
            return IDLE_SECONDS
        return max(0.0, min(IDLE_SECONDS, (due - utc_now()).total_seconds()))

    def deliver_due(self) -> int:
        """Send every alert due now; returns how many were tried."""
        s = self._settings
        lease = s.lead_webhook_timeout_seconds + 30
        due = lead_alerts.claim_due(self._database(), lease)
        # a few at once, so one slow receiver does not hold up every other owner's alerts
        with ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="lead-alert") as pool:
            list(pool.map(self._deliver, due))
        return len(due)

    def _deliver(self, alert: dict) -> None:
        """Send one claimed alert and record the attempt."""
        if self._stop.is_set():
            return  # the lease runs out and the next server start sends it
        s = self._settings
        code, error, seconds = self._send(alert["target"], alert["payload"], alert["id"])
        status = lead_alerts.record_attempt(
            self._database(),
            alert["id"],
            code,
            error,
            seconds,
            s.lead_webhook_max_attempts,
            s.lead_webhook_backoff_seconds,
        )
        log.info(
            "alert webhook",
            extra={"alert_id": alert["id"], "status_code": code, "outcome": status},
        )

    def _send(self, target: str, payload: dict, alert_id: int) -> tuple[int | None, str, float]:
        """One POST: (HTTP status or None, error text, seconds taken)."""
        secret = self._settings.lead_webhook_secret
        if not secret:  # a rep's webhook kept from a server that had the key: never send unsigned
            return None, NO_SECRET, 0.0
        body = body_bytes(payload)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "lodestar-alerts/1",
            "X-Lodestar-Alert-Id": str(alert_id),
            SIGNATURE_HEADER: signature(body, secret),
        }
        started = time.perf_counter()
        try:
            answer = self._client.post(target, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500], time.perf_counter() - started
        error = "" if answer.is_success else f"HTTP {answer.status_code}"
        return answer.status_code, error, time.perf_counter() - started
