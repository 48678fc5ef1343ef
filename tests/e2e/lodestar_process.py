"""The `lodestar` CLI and a real uvicorn server as subprocesses, the way users run them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
"""The checkout under test."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lodestar_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for a subprocess using an embedded store under `home`."""
    env = {**os.environ, "LODESTAR_HOME": str(home), **extra}
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def run_lodestar(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a user would, in a fresh process."""
    return subprocess.run(
        [sys.executable, "-m", "training.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


class Server:
    """A `lodestar serve` subprocess on a free localhost port, started the way users start it.

    Its output goes to a file, so long client loops never block on a full pipe.
    """

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path | None = None,
        args: tuple[str, ...] = (),
        cwd: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path or Path(
            tempfile.mkstemp(prefix="lodestar-serve-", suffix=".log")[1]
        )
        self._log = self.log_path.open("w")
        if cwd is not None:  # relative paths are the user's; the code is still this checkout
            env = {**env, "PYTHONPATH": os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "training.cli", "serve", "--port", str(self.port), *args],
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_text()}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not come up in 90 s")

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def stop(self) -> None:
        if self._log.closed:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
