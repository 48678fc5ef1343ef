"""How the model store fails: "not there" told apart from "cannot read", and a health record.

MLflow reports an absent model, version or run with RESOURCE_DOES_NOT_EXIST; anything else it
(or SQLAlchemy, or the file system under the artifact store) raises means the store itself is
broken: a read-only or corrupt database, a refused connection, a missing model folder. Those
become StoreUnavailableError (HTTP 503) with the store's own reason, and are noted in
StoreHealth so that readiness can say the server is degraded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from mlflow.exceptions import MlflowException
from sqlalchemy.exc import SQLAlchemyError

from engine.core.errors import LodestarError, StoreUnavailableError

STORE_FAILURES: tuple[type[BaseException], ...] = (MlflowException, SQLAlchemyError, OSError)
"""What the MLflow client raises when the store (database, server or files) lets it down."""

_REASON_LENGTH = 300


def is_missing(exc: BaseException) -> bool:
    """True when MLflow says the thing asked for does not exist (as opposed to failing)."""
    return isinstance(exc, MlflowException) and exc.error_code == "RESOURCE_DOES_NOT_EXIST"


def reason_of(exc: BaseException) -> str:
    """The first line of an error, without the SQL statement MLflow appends, kept short."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    return text[:_REASON_LENGTH]


@dataclass(frozen=True)
class Problem:
    """One kind of store access (read, write, files) that failed, why and when."""

    kind: str
    reason: str
    since: str

    def __str__(self) -> str:
        return f"{self.reason} (since {self.since})"


class StoreHealth:
    """The latest outcome of each kind of store access; a success clears that kind's problem."""

    def __init__(self) -> None:
        self._problems: dict[str, Problem] = {}
        self._lock = threading.Lock()

    def failed(self, kind: str, reason: str) -> None:
        with self._lock:
            known = self._problems.get(kind)
            since = known.since if known else dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            self._problems[kind] = Problem(kind, reason, since)

    def succeeded(self, kind: str) -> None:
        if kind in self._problems:
            with self._lock:
                self._problems.pop(kind, None)

    @property
    def ok(self) -> bool:
        return not self._problems

    def problems(self) -> list[Problem]:
        """Current problems, reads first, then writes, then model files."""
        order = {"read": 0, "write": 1, "files": 2}
        return sorted(self._problems.values(), key=lambda p: order.get(p.kind, 9))

    def summary(self) -> str:
        """One line naming every current problem (empty when healthy)."""
        return "; ".join(str(p) for p in self.problems())


@contextlib.contextmanager
def guarded(health: StoreHealth, kind: str, action: str) -> Iterator[None]:
    """Turn store failures inside the block into StoreUnavailableError and record the outcome.

    `kind` is read, write or files; `action` completes "the model store cannot ...".
    "Not found" answers pass through untouched for the caller to interpret.
    """
    try:
        yield
    except LodestarError:
        raise
    except STORE_FAILURES as exc:
        if is_missing(exc):
            raise
        error = StoreUnavailableError(f"the model store cannot {action}: {reason_of(exc)}", "store")
        health.failed(kind, error.message)
        raise error from exc
    health.succeeded(kind)
