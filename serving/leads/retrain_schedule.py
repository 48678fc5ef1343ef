"""The retraining schedule inside the server (LODESTAR_LEAD_RETRAIN_IN_SERVER): an hourly look
that, when the schedule is due, exports the stored outcomes and queues `lodestar train leads`
on them like any training run (visible under /v1/training/runs)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from engine.core.errors import LodestarError
from engine.core.settings import Settings
from engine.database import lead_retrain
from engine.database.setup import Database

log = logging.getLogger("lodestar.serving.leads.schedule")

CHECK_SECONDS = 3600.0


class RetrainSchedule:
    """Background checker of the retraining schedule."""

    def __init__(
        self, settings: Settings, database: Callable[[], Database], training_runs: Any
    ) -> None:
        self._settings = settings
        self._database = database
        self._runs = training_runs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, every_seconds: float = CHECK_SECONDS) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.check_once()
                except Exception:  # noqa: BLE001 - keep checking after a bad moment
                    log.exception("retraining schedule check failed")
                self._stop.wait(every_seconds)

        self._thread = threading.Thread(target=loop, name="lead-retrain", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def check_once(self) -> dict[str, Any]:
        """Check the schedule now; queue a training run when it is due. Returns the check."""
        s, db = self._settings, self._database()
        decision, reason, total, new = lead_retrain.check_due(
            db, s.lead_retrain_every_days, s.lead_retrain_min_new_outcomes
        )
        if decision == "skipped":
            return lead_retrain.record_check(db, "server", "skipped", reason, total, new)
        path = lead_retrain.export_training_file(db, s.home / "retraining")
        try:
            run = self._runs.submit("leads", str(path))
        except LodestarError as exc:
            return lead_retrain.record_check(
                db, "server", "failed", f"{reason}; {exc.message}", total, new, data=str(path)
            )
        log.info("retraining the lead model: %s (training run %s)", reason, run.id)
        return lead_retrain.record_check(
            db, "server", "started", reason, total, new, run.id, str(path)
        )
