"""Background training runs started over HTTP: one `lodestar train` subprocess at a time.

The server never imports the training code: a run is `python -m training.cli train <family>
--data PATH ...` in a child process with the server's store settings, so a crash or a memory
spike in training cannot take the server down. When it finishes, the refresh thread notices
a moved champion alias like any other promotion. Each run's status is also written (atomically)
to a JSON file under LODESTAR_HOME/training_runs, so every worker and a restarted server can
answer for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
import threading
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.core.errors import DataError, NotFoundError
from engine.core.families import family as family_of
from engine.database.runs import RunRecords

log = logging.getLogger("lodestar.serving.training")

TIMEOUT_SECONDS = 3600
_KEPT_RUNS = 200
_VERSION = re.compile(r"\bv(\d+)\b")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class TrainingRun:
    """One requested run and what became of it."""

    id: str
    family: str
    data: str
    status: str = "queued"  # queued, running, succeeded, failed
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    version: str | None = None
    message: str = ""
    args: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("args")
        return out


class TrainingRuns:
    """Queue of training subprocesses (one at a time: training is CPU heavy) and their status."""

    def __init__(
        self,
        env: dict[str, str],
        folder: Path | None = None,
        python: str = sys.executable,
        records: RunRecords | None = None,
    ) -> None:
        self.env = env
        self.folder = folder
        self.records = records  # the application database; replaces the status files
        self.python = python
        self._runs: dict[str, TrainingRun] = {}
        self._order: deque[str] = deque()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training")
        self._procs: set[subprocess.Popen] = set()

    def submit(
        self,
        family: str,
        data: str,
        columns: str | None = None,
        keys: list[str] | None = None,
        force: bool = False,
        models: str | None = None,
    ) -> TrainingRun:
        """Check the request and queue the run; the data file must exist on the server."""
        path = Path(data)
        try:
            exists = path.is_file()
        except (OSError, ValueError):
            exists = False
        if not exists:
            raise DataError(f"data file {data} does not exist on the server", "data")
        args = [self.python, "-m", "training.cli", "train", family_of(family).train_command]
        args.append(f"--data={path.resolve()}")
        if columns:
            args.append(f"--columns={columns}")
        if keys:
            args.append("--keys=" + ",".join(keys))
        if force:
            args.append("--force")
        if models:
            args.append(f"--models={models}")
        run = TrainingRun(uuid.uuid4().hex[:12], family, str(path.resolve()), args=args)
        with self._lock:
            self._runs[run.id] = run
            self._order.append(run.id)
            while len(self._order) > _KEPT_RUNS:
                self._runs.pop(self._order.popleft(), None)
        self._save(run)
        self._pool.submit(self._execute, run)
        return run

    def get(self, run_id: str) -> TrainingRun:
        """A run started here, or one another worker (or an earlier server) recorded."""
        run = self._runs.get(run_id) or self._load(run_id)
        if run is None:
            raise NotFoundError(f"no training run {run_id}", "run_id")
        return run

    def all(self) -> list[TrainingRun]:
        """Recent runs, newest first (from the status files when there is a folder)."""
        runs = {r.id: r for r in self._runs.values()}
        if self.records is not None:
            for record in self.records.all(_KEPT_RUNS):
                runs.setdefault(record["id"], TrainingRun(**record))
        elif self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("*.json"):
                found = self._load(path.stem)
                if found is not None and found.id not in runs:
                    runs[found.id] = found
        return sorted(runs.values(), key=lambda r: r.created_at, reverse=True)[:_KEPT_RUNS]

    def _save(self, run: TrainingRun) -> None:
        """Write the status file via a temp file and rename, so readers never see half of it."""
        if self.records is not None:
            try:
                self.records.save(asdict(run))
            except Exception:
                log.exception("could not record training run %s", run.id)
            return
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{run.id}.json.tmp"
            tmp.write_text(json.dumps(asdict(run)))
            os.replace(tmp, self.folder / f"{run.id}.json")
        except OSError:
            log.exception("could not record training run %s", run.id)

    def _load(self, run_id: str) -> TrainingRun | None:
        if self.records is not None:
            found = self.records.load(run_id) if re.fullmatch(r"[0-9a-f]{12}", run_id) else None
            return TrainingRun(**found) if found is not None else None
        if self.folder is None or not re.fullmatch(r"[0-9a-f]{12}", run_id):
            return None
        with contextlib.suppress(OSError, ValueError, TypeError):
            return TrainingRun(**json.loads((self.folder / f"{run_id}.json").read_text()))
        return None

    def _execute(self, run: TrainingRun) -> None:
        run.status, run.started_at = "running", _now()
        self._save(run)
        log.info("training run started", extra={"fields": {"run": run.id, "family": run.family}})
        try:
            proc = subprocess.Popen(
                run.args,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=str(Path(__file__).resolve().parents[2]),
            )
            self._procs.add(proc)
            try:
                out, err = proc.communicate(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                err = f"timed out after {TIMEOUT_SECONDS} s"
            finally:
                self._procs.discard(proc)
            run.exit_code = proc.returncode
            lines = [ln for ln in (out or "").splitlines() if ln.strip()]
            errors = [ln for ln in (err or "").splitlines() if ln.strip()]
            if proc.returncode == 0:
                run.status = "succeeded"
                run.message = lines[-1] if lines else "finished"
                found = _VERSION.search(run.message)
                run.version = found.group(1) if found else None
            else:
                run.status = "failed"
                picked = [ln for ln in errors if ln.startswith("error")] or errors
                run.message = picked[-1] if picked else f"exit code {proc.returncode}"
        except Exception as exc:  # the server keeps running whatever the child did
            run.status, run.message = "failed", f"could not run training: {exc}"
        run.finished_at = _now()
        self._save(run)
        log.info(
            "training run finished",
            extra={"fields": {"run": run.id, "status": run.status, "version": run.version}},
        )

    def shutdown(self) -> None:
        """Stop running children and drop queued runs (called when the server stops)."""
        for proc in list(self._procs):
            proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)


def child_env(tracking_uri: str, home: Path) -> dict[str, str]:
    """Environment for training children: same store as the server, no API keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODESTAR_API_KEYS")}
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    env["LODESTAR_HOME"] = str(Path(home).resolve())
    return env
