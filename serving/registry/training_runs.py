"""Background training runs started over HTTP: one `lodestar train` subprocess at a time.

The server never imports the training code: a run is `python -m training.cli train <family>
--data PATH ...` in a child process with the server's store settings, so a crash or a memory
spike in training cannot take the server down. When it finishes, the refresh thread notices
a moved champion alias like any other promotion. Each run's status is also kept in `records`
(atomically written JSON files under LODESTAR_HOME/training_runs), so every worker and a
restarted server can answer for it.

A run records the server process that owns it and its child process. A queued or running run
whose server is gone (killed, or restarted) can never be finished by anyone: it is reported
`interrupted`, when read and at the next server start (which also stops a child left behind).
A server that stops cleanly marks its own unfinished runs interrupted on the way out.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from engine.core.errors import DataError, NotFoundError
from engine.core.families import family as family_of
from engine.core.processes import ProcessRef
from engine.database.runs import RunRecords as RunRows

log = logging.getLogger("lodestar.serving.training")

TIMEOUT_SECONDS = 3600
_KEPT_RUNS = 200
_VERSION = re.compile(r"\bv(\d+)\b")
_RUN_ID = re.compile(r"[0-9a-f]{12}")
UNFINISHED = ("queued", "running")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class TrainingRun:
    """One requested run and what became of it."""

    id: str
    family: str
    data: str
    status: str = "queued"  # queued, running, succeeded, failed, interrupted
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    version: str | None = None
    message: str = ""
    args: list[str] = field(default_factory=list)
    server: str | None = None  # ProcessRef text of the server process that owns the run
    child: str | None = None  # ProcessRef text of the `lodestar train` child, once started

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for internal in ("args", "server", "child"):
            out.pop(internal)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingRun:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class RunRecords(Protocol):
    """Where run statuses are kept, so every worker and a restarted server can answer."""

    def save(self, run: TrainingRun) -> None: ...

    def load(self, run_id: str) -> TrainingRun | None: ...

    def all(self) -> list[TrainingRun]: ...


class DatabaseRecords:
    """Run statuses as rows of the application database, which every worker reads."""

    def __init__(self, rows: RunRows) -> None:
        self.rows = rows

    def save(self, run: TrainingRun) -> None:
        self.rows.save(asdict(run))

    def load(self, run_id: str) -> TrainingRun | None:
        found = self.rows.load(run_id) if re.fullmatch(r"[0-9a-f]{12}", run_id) else None
        return TrainingRun.from_dict(found) if found is not None else None

    def all(self) -> list[TrainingRun]:
        return [TrainingRun.from_dict(record) for record in self.rows.all(_KEPT_RUNS)]


class JsonFolderRecords:
    """One JSON file per run in a folder, written via a temp file and a rename."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(self, run: TrainingRun) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{run.id}.json.tmp"
            tmp.write_text(json.dumps(asdict(run)))
            os.replace(tmp, self.folder / f"{run.id}.json")
        except OSError:
            log.exception("could not record training run %s", run.id)

    def load(self, run_id: str) -> TrainingRun | None:
        if not _RUN_ID.fullmatch(run_id):
            return None
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            return TrainingRun.from_dict(json.loads((self.folder / f"{run_id}.json").read_text()))
        return None

    def all(self) -> list[TrainingRun]:
        if not self.folder.is_dir():
            return []
        found = (self.load(path.stem) for path in self.folder.glob("*.json"))
        return [run for run in found if run is not None]


def interrupted_reason(run: TrainingRun) -> str | None:
    """Why an unfinished run can never finish (its server is gone), or None while it can."""
    if run.status not in UNFINISHED:
        return None
    server = ProcessRef.parse(run.server)
    if server is None:
        return f"the server that started this run is gone (the run was {run.status})"
    if server.is_alive() is False:
        return (
            f"the server (process {server.pid} on {server.host}) stopped while this run was "
            f"{run.status}; its outcome was not recorded"
        )
    return None


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
        self.python = python
        self.records: RunRecords | None = records or (
            JsonFolderRecords(folder) if folder is not None else None
        )
        self.server = ProcessRef.current().to_text()
        self._runs: dict[str, TrainingRun] = {}
        self._order: deque[str] = deque()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="training")
        self._procs: set[subprocess.Popen] = set()
        self._stopping = False
        self.recover()

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
        run = TrainingRun(
            uuid.uuid4().hex[:12], family, str(path.resolve()), args=args, server=self.server
        )
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
        return self._settle(run)

    def all(self) -> list[TrainingRun]:
        """Recent runs, newest first (from the records when there are any)."""
        runs = {r.id: r for r in self._runs.values()}
        if self.records is not None:
            for found in self.records.all():
                runs.setdefault(found.id, found)
        ordered = sorted(runs.values(), key=lambda r: r.created_at, reverse=True)
        return [self._settle(run) for run in ordered[:_KEPT_RUNS]]

    def recover(self) -> list[TrainingRun]:
        """At server start: report runs of vanished servers interrupted, stop their children."""
        if self.records is None:
            return []
        settled = []
        for run in self.records.all():
            if interrupted_reason(run) is None:
                continue
            _stop_child(run)
            settled.append(self._settle(run))
        return settled

    def _settle(self, run: TrainingRun) -> TrainingRun:
        """Mark an unfinished run whose server is gone as interrupted (and record that)."""
        if run.id in self._runs and run.server == self.server:
            return run  # ours: the worker thread finishes it
        reason = interrupted_reason(run)
        if reason is None:
            return run
        run.status, run.finished_at, run.message = "interrupted", _now(), reason
        self._save(run)
        log.warning("training run interrupted", extra={"fields": {"run": run.id, "reason": reason}})
        return run

    def _save(self, run: TrainingRun) -> None:
        if self.records is not None:
            self.records.save(run)

    def _load(self, run_id: str) -> TrainingRun | None:
        return self.records.load(run_id) if self.records is not None else None

    def _execute(self, run: TrainingRun) -> None:
        if self._stopping:
            return
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
            with contextlib.suppress(Exception):  # the child may already be gone
                run.child = ProcessRef.of(proc.pid).to_text()
                self._save(run)
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
            if self._stopping:
                run.status, run.message = "interrupted", "the server stopped during the run"
            elif proc.returncode == 0:
                run.status = "succeeded"
                run.message = lines[-1] if lines else "finished"
                found = _VERSION.search(out or "")  # the first vN printed is the new version
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
        """Stop running children, drop queued runs, and record both as interrupted."""
        self._stopping = True
        for proc in list(self._procs):
            proc.kill()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for run in list(self._runs.values()):
            if run.status in UNFINISHED:
                run.message = f"the server stopped while this run was {run.status}"
                run.status, run.finished_at = "interrupted", _now()
                self._save(run)


def _stop_child(run: TrainingRun) -> None:
    """Kill a `lodestar train` child that outlived its server (its outcome has no reader)."""
    child = ProcessRef.parse(run.child)
    if child is None or child.is_alive() is not True:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(child.pid, signal.SIGKILL)
        log.warning("stopped training child %s of an interrupted run %s", child.pid, run.id)


def child_env(tracking_uri: str, home: Path) -> dict[str, str]:
    """Environment for training children: same store as the server, no API keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LODESTAR_API_KEYS")}
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    env["LODESTAR_HOME"] = str(Path(home).resolve())
    return env
