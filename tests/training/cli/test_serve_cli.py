"""`lodestar serve` refuses to expose an open API: no keys means loopback only."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from engine.core.settings import get_settings
from training.cli.app import main


@pytest.fixture(autouse=True)
def _fresh_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LODESTAR_HOME", str(tmp_path))
    for name in ("LODESTAR_API_KEYS", "LODESTAR_API_KEYS_FILE", "LODESTAR_AUTH_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    logger = logging.getLogger("lodestar")  # `serve` switches it to JSON lines: put it back
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:], logger.propagate = saved[0], saved[1]
    logger.setLevel(saved[2])
    get_settings.cache_clear()


def _exit_code(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


def test_no_keys_and_a_public_host_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "error [host]: refusing to serve on 0.0.0.0 without API keys" in err


def test_a_bad_key_entry_is_refused_before_serving(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LODESTAR_API_KEYS", "boss:secret-value")
    assert _exit_code(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "unknown role 'boss'" in err and "secret-value" not in err


def test_server_workers_get_a_minute_to_answer_liveness_pings() -> None:
    """A worker busy loading a champion on a loaded host is not killed after uvicorn's 5 s."""
    import inspect

    import uvicorn

    from training.cli.serve import WORKER_PATIENCE_SECONDS, uvicorn_options

    config = uvicorn.Config("serving.app:create_app", **uvicorn_options("127.0.0.1", 8000, 2))
    assert config.workers == 2 and config.factory
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        assert config.timeout_worker_healthcheck == WORKER_PATIENCE_SECONDS >= 30
