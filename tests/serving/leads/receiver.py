"""A real local HTTP receiver for alert webhooks, started by a test: it records every request
and answers with a scripted status (or never answers, until the test ends)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request as it arrived, and the status the receiver answered (None: never)."""

    body: bytes
    headers: dict[str, str]
    status: int | None
    at: float


@dataclass
class Receiver:
    """Scripted answers: `script` statuses in order, then `then`; `hang` answers never."""

    script: list[int] = field(default_factory=list)
    then: int = 200
    hang: bool = False
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int | None:
        with self.lock:
            if self.hang:
                return None
            return self.script.pop(0) if self.script else self.then

    def delivered(self) -> list[Received]:
        """Requests answered with a 2xx."""
        with self.lock:
            return [r for r in self.requests if r.status is not None and 200 <= r.status < 300]


@contextmanager
def running_receiver(receiver: Receiver) -> Iterator[Receiver]:
    """Serve `receiver` on a free loopback port until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.answer()
            with receiver.lock:
                receiver.requests.append(
                    Received(body, dict(self.headers.items()), status, time.monotonic())
                )
            receiver.arrived.set()
            if status is None:
                receiver.release.wait(60)
                return
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
