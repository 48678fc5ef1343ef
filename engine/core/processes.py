"""Which process owns a piece of work, and whether that process is still alive.

A training run or a background job records its owner as `host:pid:start-time`. Later, any
process on the same host can tell a run still in progress from an orphan left by a process
that was killed: the pid must exist, be no zombie, and have started at the recorded time (so a
reused pid does not pass for the old process). On another host nothing can be said.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import psutil

_START_TOLERANCE_SECONDS = 1.0


@dataclass(frozen=True)
class ProcessRef:
    """A process by host, pid and start time (seconds since the epoch)."""

    host: str
    pid: int
    started: float

    @classmethod
    def current(cls) -> ProcessRef:
        """This process."""
        return cls.of(psutil.Process().pid)

    @classmethod
    def of(cls, pid: int) -> ProcessRef:
        """A process on this host by pid (it must exist)."""
        return cls(socket.gethostname(), pid, round(psutil.Process(pid).create_time(), 2))

    def to_text(self) -> str:
        """'host:pid:started', the form kept in tags and status files."""
        return f"{self.host}:{self.pid}:{self.started:.2f}"

    @classmethod
    def parse(cls, text: str | None) -> ProcessRef | None:
        """The reference back from `to_text`, or None when absent or unreadable."""
        if not text:
            return None
        host, _, rest = text.rpartition(":")
        host, _, pid = host.rpartition(":")
        try:
            return cls(host, int(pid), float(rest))
        except ValueError:
            return None

    def is_alive(self) -> bool | None:
        """True or False on this host; None for a process on another host (unknowable)."""
        if self.host != socket.gethostname():
            return None
        try:
            process = psutil.Process(self.pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return False
            return abs(process.create_time() - self.started) <= _START_TOLERANCE_SECONDS
        except psutil.NoSuchProcess:
            return False
        except psutil.AccessDenied:  # it exists, but whose it is cannot be checked
            return None
